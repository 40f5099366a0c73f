"""Who is looking at a page: Flask-Login over the member aggregate.

The session cookie holds `<member id>.<fingerprint>`, where the fingerprint is an
HMAC of the member's current password hash and session generation
(`Member.sessions_ended`), checked on every request. Signing out records
`Member.SessionsEnded` (the generation goes up), so every session of the member
ends, on every device, including copies of the cookie; changing the password ends
every other session (the changing browser is signed in again); an erased member is
signed out on their next request (the loader finds no member).

The loader reads the member through the application's per-process `auth_cache`
(`service.auth_cache`), not the event store: a sign-out everywhere, a password
change or an erasure is seen by the next request after it committed, in every
process.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from uuid import UUID

from flask import Blueprint, Flask, current_app, flash, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from werkzeug.wrappers import Response

from service import commands as c
from service.auth_cache import MemberView
from service.errors import NotFoundError
from web.system import current_system as system

login_manager = LoginManager()


class SignedIn(UserMixin):  # type: ignore[misc]
    """The signed-in member as the pages need them."""

    def __init__(self, member: MemberView) -> None:
        self.member_id: UUID = member.id
        self.display_name: str = member.display_name
        self.email: str = member.email
        self.timezone: str = member.timezone
        self.roles: frozenset[str] = member.roles
        self._session_id = f"{member.id}.{fingerprint(member)}"

    def get_id(self) -> str:
        """What the session cookie remembers (see the module docstring)."""
        return self._session_id

    @property
    def is_admin(self) -> bool:
        """Whether the operator made this member an admin."""
        return "admin" in self.roles


def fingerprint(member: MemberView) -> str:
    """A short keyed digest of the password hash and the session generation (never
    the hash itself). Generation 0 digests the hash alone, as sessions started
    before generations existed did, so those stay signed in."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    generation = member.sessions_ended
    message = (
        f"{generation}:{member.password_hash}" if generation else member.password_hash
    )
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:20]


def load_signed_in(session_id: str) -> SignedIn | None:
    """The member a session cookie names, if it still stands for them."""
    raw_id, _, print_ = session_id.partition(".")
    try:
        member = system().app.member_view(UUID(raw_id))
    except (ValueError, NotFoundError):
        return None
    if not hmac.compare_digest(print_, fingerprint(member)):
        return None
    return SignedIn(member)


def sign_in(member_id: UUID, *, remember: bool = False) -> None:
    """Start a session for the member (after their password was checked)."""
    login_user(SignedIn(system().app.member_view(member_id)), remember=remember)


def sign_out_everywhere() -> None:
    """End every session of the signed-in member (this one and any copy of it, on
    any device), then this browser's."""
    if current_user.is_authenticated:
        system().app.handle(c.EndSessions(me()))
    logout_user()


def me() -> UUID:
    """The signed-in member's id (views behind `signed_in_only` only)."""
    return cast(SignedIn, current_user).member_id


def viewer() -> SignedIn:
    """The signed-in member (views behind `signed_in_only` only)."""
    return cast(SignedIn, current_user._get_current_object())


def require_sign_in() -> Response | None:
    """Before a signed-in blueprint's views: to the sign-in page, then back."""
    if current_user.is_authenticated:
        return None
    flash("Please sign in to see that page.", "info")
    return redirect(url_for("auth.signin", next=request.full_path.rstrip("?")))


def page_blueprint(
    name: str,
    import_name: str,
    *,
    url_prefix: str | None = None,
    signed_in: bool = True,
) -> Blueprint:
    """The blueprint of one page area; `signed_in` areas send visitors to sign in."""
    bp = Blueprint(name, import_name, url_prefix=url_prefix)
    if signed_in:
        bp.before_request(require_sign_in)
    return bp


F = TypeVar("F", bound=Callable[..., Any])


def admin_only(view: F) -> F:
    """A view only admins reach; for anyone else the page does not exist (404)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        system().app.require_role(me(), "admin")
        return view(*args, **kwargs)

    return cast(F, wrapper)


def init_app(app: Flask) -> None:
    """Sessions through Flask-Login."""
    login_manager.init_app(app)
    login_manager.user_loader(load_signed_in)
    login_manager.login_view = "auth.signin"
    login_manager.session_protection = "basic"
