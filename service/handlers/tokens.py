"""Handlers for API bearer tokens."""

from __future__ import annotations

import secrets

from service import commands as c
from service.commands import Result
from service.domain.token import LIFETIME, ApiToken, token_id
from service.errors import NotFoundError
from service.uow import Handlers, UnitOfWork


def issue_token(uow: UnitOfWork, cmd: c.IssueToken) -> Result:
    """Check the password and issue a token valid for 30 days."""
    member_id = uow.app.authenticate(cmd.email, cmd.password)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        id=token_id(secret),
        member_id=member_id,
        expires_at=uow.now + LIFETIME,
        actor_id=member_id,
    )
    uow.add(token)
    uow.primary = token
    return Result(
        token.id,
        token.version,
        {"token": secret, "expires_at": token.expires_at, "member_id": member_id},
    )


def revoke_token(uow: UnitOfWork, cmd: c.RevokeToken) -> Result:
    """A member revokes one of their own tokens."""
    token = uow.find(ApiToken, cmd.token_id)
    if token is None or token.member_id != cmd.actor_id:
        raise NotFoundError("No such token.")
    token.revoke(cmd.actor_id)
    uow.primary = token
    return Result(token.id, token.version)


HANDLERS: Handlers = {
    c.IssueToken: issue_token,
    c.RevokeToken: revoke_token,
}
"""The command this module handles → its handler (wired by the composition root)."""
