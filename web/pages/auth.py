"""Sign up, sign in, sign out.

Sign-up is the API's `RegisterMember` command; sign-in checks the password with the
service's `authenticate` (Argon2id, same cost for unknown emails) behind the sign-in
throttle shared with the API (`web.throttle`), then starts a Flask-Login session;
sign-out ends every session of the member (`sign_out_everywhere`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from service import commands as c
from service.domain.timezones import canonical_timezones
from service.errors import AuthenticationError, TooManyAttemptsError
from web.pages.forms import INVALID, PageForm, options, submit, text_of
from web.pages.session import page_blueprint, sign_in, sign_out_everywhere
from web.system import current_system as system
from web.throttle import current_throttle

bp = page_blueprint("auth", __name__, signed_in=False)


class SignUpForm(PageForm):
    """A new account."""

    display_name = StringField("Your name", validators=[DataRequired(), Length(max=80)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Password (at least 10 characters)",
        validators=[DataRequired(), Length(max=1000)],
    )
    timezone = SelectField("Timezone", default="UTC")


class SignInForm(PageForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
    remember = BooleanField("Keep me signed in on this device")


def _next_page() -> str:
    """Where to go after signing in: a local path from `?next=`, else the dashboard."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return url_for("dashboard.index")


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> str | Response | tuple[str, int]:
    """Create an account and sign in."""
    form = SignUpForm()
    form.timezone.choices = options((zone, zone) for zone in canonical_timezones())
    if form.validate_on_submit():
        result = submit(
            form,
            c.RegisterMember(
                text_of(form.email),
                form.password.data or "",
                text_of(form.display_name),
                text_of(form.timezone),
            ),
        )
        if result is not None:
            sign_in(result.id)
            flash("Welcome to Momentum! Start by setting a goal.", "success")
            return redirect(url_for("dashboard.index"))
    if form.is_submitted():
        return render_template("auth/signup.html", form=form), INVALID
    return render_template("auth/signup.html", form=form)


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(_next_page())
    form = SignInForm()
    if form.validate_on_submit():
        email = text_of(form.email)
        try:
            with current_throttle().attempt(email, request.remote_addr or ""):
                member_id = system().app.authenticate(email, form.password.data or "")
        except TooManyAttemptsError as error:
            form.add_error(None, error.message)
            page = render_template("auth/signin.html", form=form)
            return page, 429, {"Retry-After": str(error.retry_after)}
        except AuthenticationError as error:
            form.add_error(None, error.message)
        else:
            sign_in(member_id, remember=bool(form.remember.data))
            return redirect(_next_page())
    if form.is_submitted():
        return render_template("auth/signin.html", form=form), INVALID
    return render_template("auth/signin.html", form=form)


@bp.post("/signout")
def signout() -> Response:
    """End every session of the member, on every device (a POST with the CSRF
    token: no sign-out by a stray link)."""
    sign_out_everywhere()
    flash("You are signed out on every device.", "info")
    return redirect(url_for("auth.signin"))
