"""Who is calling: the bearer token of `Authorization`, checked on every API call."""

from __future__ import annotations

from contextlib import AbstractContextManager
from uuid import UUID

from flask import g, request

from service.errors import AuthenticationError, ValidationError
from web.system import current_system as system
from web.throttle import Attempt, current_throttle


def bearer_secret() -> str:
    """The token sent as `Authorization: Bearer <token>`; 401 (problem) if none."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise AuthenticationError("Send Authorization: Bearer <token>.")
    return secret.strip()


def caller() -> UUID:
    """The member whose token came with the request; 401 (problem) otherwise."""
    found: UUID | None = g.get("momentum_caller")
    if found is None:
        found = g.momentum_caller = system().app.member_for_token(bearer_secret())
    return found


def password_attempt(email: str) -> AbstractContextManager[Attempt]:
    """One check of the password of account `email` from this request's client
    address, throttled as sign-ins are (`web.throttle`: 429 when over a limit)."""
    return current_throttle().attempt(email, request.remote_addr or "")


def own_password_attempt(member_id: UUID) -> AbstractContextManager[Attempt]:
    """A signed-in member confirming with their current password (password change,
    account deletion): throttled as signing in to their account is."""
    return password_attempt(system().app.get_member(member_id).email)


def require_caller() -> None:
    """Before a signed-in area's views: 401 without a valid token, before the
    request body is even validated (so a bad body without a token is a 401)."""
    caller()


def idempotency_key() -> str | None:
    """The request's Idempotency-Key header, if any."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise ValidationError(
            f"Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY} characters.",
            "Idempotency-Key",
        )
    return key or None


MAX_IDEMPOTENCY_KEY = 200


BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
