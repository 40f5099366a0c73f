"""Who is calling: the bearer token of `Authorization`, checked on every API call."""

from __future__ import annotations

from uuid import UUID

from flask import request

from service.errors import AuthenticationError
from web.system import current_system as system


def bearer_secret() -> str:
    """The token sent as `Authorization: Bearer <token>`; 401 (problem) if none."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise AuthenticationError("Send Authorization: Bearer <token>.")
    return secret.strip()


def caller() -> UUID:
    """The member whose token came with the request; 401 (problem) otherwise."""
    return system().app.member_for_token(bearer_secret())


def idempotency_key() -> str | None:
    """The request's Idempotency-Key header, if any."""
    key = request.headers.get("Idempotency-Key", "").strip()
    return key or None


BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
