"""Accounts: registration, bearer tokens, and the caller's own account (`/me`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel

from service import commands as c
from service.domain.member import Member
from service.domain.token import token_id
from web.api.schemas import MemberOut, Problem, RegisterBody, TokenBody, TokenOut
from web.auth import BEARER, bearer_secret, caller, idempotency_key
from web.system import current_system as system

api = APIBlueprint(
    "accounts", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="accounts")]
)
ERRORS: dict[str | int, type[BaseModel] | dict[Any, Any] | None] = {
    401: Problem,
    409: Problem,
    422: Problem,
}


def member_out(member: Member) -> dict[str, Any]:
    """The member as `MemberOut` JSON."""
    return MemberOut(
        id=member.id,
        email=member.email,
        display_name=member.display_name,
        timezone=member.timezone,
        headline=member.headline,
        aspirations=member.aspirations,
        passions=member.passions,
        strengths=member.strengths,
        weekly_target=member.weekly_target,
        roles=sorted(member.roles),
        version=member.version,
    ).model_dump(mode="json")


@api.post("/auth/register", responses={201: MemberOut, **ERRORS})
def register(body: RegisterBody) -> tuple[dict[str, Any], int]:
    """Create an account (password of at least 10 characters)."""
    result = system().write(
        c.RegisterMember(body.email, body.password, body.display_name, body.timezone),
        idempotency_key(),
    )
    return member_out(system().app.get_member(result.id)), 201


@api.post("/auth/tokens", responses={201: TokenOut, **ERRORS})
def issue_token(body: TokenBody) -> tuple[dict[str, Any], int]:
    """Exchange email and password for a bearer token valid for 30 days.

    Idempotency-Key is ignored here: a replay would have to store the secret."""
    result = system().write(c.IssueToken(body.email, body.password))
    return TokenOut(**result.extra).model_dump(mode="json"), 201


@api.delete("/auth/tokens/current", responses={204: None, **ERRORS}, security=BEARER)
def revoke_token() -> tuple[str, int]:
    """Revoke the token this request was sent with."""
    member = caller()
    system().write(c.RevokeToken(member, token_id(bearer_secret())))
    return "", 204


@api.get("/me", responses={200: MemberOut, **ERRORS}, security=BEARER)
def me() -> dict[str, Any]:
    """The caller's account and settings."""
    member_id: UUID = caller()
    return member_out(system().app.get_member(member_id))
