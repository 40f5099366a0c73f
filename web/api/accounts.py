"""Accounts: registration and bearer tokens (the account itself: web.api.me)."""

from __future__ import annotations

from typing import Any

from service import commands as c
from service.domain.token import token_id
from web.api.common import ERRORS, blueprint
from web.api.schemas import MemberOut, Problem, RegisterBody, TokenBody, TokenOut
from web.auth import BEARER, bearer_secret, caller, idempotency_key, password_attempt
from web.system import current_system as system

api = blueprint("accounts", __name__, __doc__ or "", signed_in=False)


@api.post("/auth/register", responses={201: MemberOut, **ERRORS})
def register(body: RegisterBody) -> tuple[dict[str, Any], int]:
    """Create an account (password of at least 10 characters)."""
    result = system().write(
        c.RegisterMember(body.email, body.password, body.display_name, body.timezone),
        idempotency_key(),
    )
    member = system().app.get_member(result.id)
    return MemberOut.of(member).model_dump(mode="json"), 201


@api.post("/auth/tokens", responses={201: TokenOut, 429: Problem, **ERRORS})
def issue_token(body: TokenBody) -> tuple[dict[str, Any], int]:
    """Exchange email and password for a bearer token valid for 30 days.

    Idempotency-Key is ignored here: a replay would have to store the secret.
    Throttled per account and client address and per client address (429 with
    Retry-After), and per account with a growing delay from addresses the account
    has not signed in from (429 with Retry-After)."""
    with password_attempt(body.email):
        result = system().write(c.IssueToken(body.email, body.password))
    return TokenOut(**result.extra).model_dump(mode="json"), 201


@api.delete("/auth/tokens/current", responses={204: None, **ERRORS}, security=BEARER)
def revoke_token() -> tuple[str, int]:
    """Revoke the token this request was sent with."""
    member = caller()
    system().write(c.RevokeToken(member, token_id(bearer_secret())))
    return "", 204
