"""Settings: profile, aspirations, target, notification preferences, a preview of
my digests, away periods, password, export of my data and deletion of my account.

The same commands as the API's `/me` routes (`web.api.me`, `web.api.privacy`): the
settings form is one `UpdateSettings` (see `settings_forms`), and each of the other
sections is its own form and command. The digest preview is the API's
(`web.common.digests`); its HTML is served as /dev/mail serves an email's HTML
part, on its own URL under that page's policy.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import (
    Response,
    abort,
    flash,
    json,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import logout_user
from werkzeug.wrappers import Response as BaseResponse

from projections.privacy import export_document
from service import commands as c
from service.domain.member import Member
from service.errors import AuthenticationError, TooManyAttemptsError
from web.auth import own_password_attempt
from web.common.digests import digest_previews, preferred_period
from web.pages.calendar import ResetCalendarForm, feed_url
from web.pages.dev_mail import EMAIL_HTML_POLICY
from web.pages.forms import INVALID, PageForm, submit, text_of
from web.pages.session import me, page_blueprint, sign_in
from web.pages.settings_forms import (
    AWAY_LABELS,
    FIELDS,
    AwayPeriodForm,
    CancelAwayForm,
    DeleteAccountForm,
    PasswordForm,
    SettingsForm,
    initial,
    settings_command,
)
from web.system import current_system as system

bp = page_blueprint("settings", __name__)

Page = str | BaseResponse | tuple[str, int]


def _too_many(page: Page, error: TooManyAttemptsError) -> BaseResponse:
    """`page` as a 429 that says when to try again."""
    response = make_response(page, 429)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _member() -> Member:
    """The signed-in member's account as it is now."""
    return system().app.get_member(me())


def _page(status: int = 200, **forms: PageForm | str) -> Page:
    """The settings page; the forms not given are fresh (not bound to this POST)."""
    member = _member()
    periods = sorted(
        ((UUID(key), period) for key, period in member.away_periods.items()),
        key=lambda item: (item[1]["starts_on"], str(item[0])),
    )
    context: dict[str, Any] = {
        "member": member,
        "periods": periods,
        "away_labels": AWAY_LABELS,
        "settings_form": SettingsForm(formdata=None, data=initial(member)),
        "away_form": AwayPeriodForm(formdata=None),
        "password_form": PasswordForm(formdata=None),
        "calendar_form": ResetCalendarForm(formdata=None),
        "calendar_url": feed_url(member),
        "digest_off": member.preferences.get("digest") == "off",
        "digests": digest_previews(me(), preferred_period(member.preferences)),
        "cancel_error": "",
    }
    context.update(forms)
    page = render_template("settings/index.html", **context)
    return (page, status) if status != 200 else page


@bp.get("/settings")
def index() -> Page:
    """Every setting of my account, each section with its form."""
    return _page()


@bp.post("/settings")
def save() -> Page:
    """Save the profile, aspirations, target and notification preferences."""
    member = _member()
    form = SettingsForm(data=initial(member))
    reminders_sent = "reminders" in request.form
    if not reminders_sent:  # a form without the checkboxes leaves them as they are
        form.reminders.data = list(member.preferences["reminders"])
    if form.validate_on_submit():
        command = settings_command(form, member, reminders_sent)
        if command is None:
            flash("Nothing changed.", "info")
            return redirect(url_for("settings.index"))
        if submit(form, command, fields=FIELDS) is not None:
            flash("Your settings are saved.", "success")
            return redirect(url_for("settings.index"))
    return _page(INVALID, settings_form=form)


@bp.get("/settings/digests/<any(member, mentor, group):kind>.html")
def digest_html(kind: str) -> Response:
    """My digest of `kind` as its email's HTML part; 404 for a kind I do not get."""
    period = preferred_period(_member().preferences)
    found = digest_previews(me(), period, only=kind)
    if not found:
        abort(404)
    html = found[0].shown.html
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = EMAIL_HTML_POLICY
    return response


@bp.post("/settings/away")
def add_away() -> Page:
    """Mark days away: momentum does not decay and streaks do not break."""
    form = AwayPeriodForm()
    if form.validate_on_submit():
        assert form.starts_on.data is not None and form.ends_on.data is not None
        command = c.SetAwayPeriod(
            me(), form.starts_on.data, form.ends_on.data, text_of(form.reason)
        )
        if submit(form, command) is not None:
            flash("Your days away are set.", "success")
            return redirect(url_for("settings.index", _anchor="away"))
    return _page(INVALID, away_form=form)


@bp.post("/settings/away/<uuid:period_id>/cancel")
def cancel_away(period_id: UUID) -> Page:
    """Cancel an away period."""
    form = CancelAwayForm()
    if submit(form, c.CancelAwayPeriod(me(), period_id)) is not None:
        flash("The away period is cancelled.", "success")
        return redirect(url_for("settings.index", _anchor="away"))
    errors = [*form.form_errors, *(m for f in form for m in f.errors)]
    return _page(INVALID, cancel_error=" ".join(str(m) for m in errors))


@bp.post("/settings/password")
def change_password() -> Page:
    """Change the password; this browser stays signed in, every other session
    ends (their fingerprint no longer matches). A wrong current password counts
    as a failed sign-in (`web.throttle`)."""
    form = PasswordForm()
    if form.validate_on_submit():
        command = c.ChangePassword(
            me(), form.current_password.data or "", form.new_password.data or ""
        )
        try:
            with own_password_attempt(me()) as attempt:
                result = submit(form, command)
                if result is None:
                    attempt.inconclusive()
        except TooManyAttemptsError as error:
            form.add_error("current_password", error.message)
            return _too_many(_page(password_form=form), error)
        except AuthenticationError as error:
            form.add_error("current_password", error.message)
        else:
            if result is not None:
                sign_in(me())
                flash(
                    "Your password is changed; other sessions are signed out.",
                    "success",
                )
                return redirect(url_for("settings.index"))
    return _page(INVALID, password_form=form)


@bp.post("/settings/calendar/reset")
def reset_calendar() -> Page:
    """A new secret calendar feed URL; the old one stops working at once."""
    form = ResetCalendarForm()
    if form.validate_on_submit() and submit(form, c.ResetCalendarFeed(me())):
        flash(
            "Your calendar feed has a new address; the old one no longer works.",
            "success",
        )
        return redirect(url_for("settings.index", _anchor="calendar"))
    return _page(INVALID, calendar_form=form)


@bp.get("/settings/export")
def export() -> Response:
    """All of my data as a JSON file (the same document as GET /api/v1/me/export)."""
    running = system()
    with running.read() as conn:
        document = export_document(running.app, conn, me(), running.now())
    day = running.now().date().isoformat()
    return Response(
        json.dumps(document),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="momentum-export-{day}.json"'
        },
    )


@bp.route("/settings/delete", methods=["GET", "POST"])
def delete() -> Page:
    """Delete my account for good, after confirming with my password (a wrong one
    counts as a failed sign-in, `web.throttle`)."""
    form = DeleteAccountForm()
    if not form.is_submitted():
        return render_template("settings/delete.html", form=form)
    if form.validate_on_submit():
        try:
            with own_password_attempt(me()) as attempt:
                result = submit(form, c.EraseMember(me(), form.password.data or ""))
                if result is None:
                    attempt.inconclusive()
        except TooManyAttemptsError as error:
            form.add_error("password", error.message)
            return _too_many(render_template("settings/delete.html", form=form), error)
        except AuthenticationError as error:
            form.add_error("password", error.message)
        else:
            if result is not None:
                logout_user()
                return render_template("settings/goodbye.html")
    return render_template("settings/delete.html", form=form), INVALID
