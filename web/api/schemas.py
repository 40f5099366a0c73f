"""Request and response bodies of the API (pydantic): the OpenAPI document is
generated from these, and requests are validated against them."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class RegisterBody(BaseModel):
    """A new account."""

    email: str = Field(max_length=254, examples=["ann@example.com"])
    password: str = Field(description="At least 10 characters.", max_length=1024)
    display_name: str = Field(max_length=80)
    timezone: str = Field("UTC", description="IANA timezone, e.g. Europe/Paris.")


class TokenBody(BaseModel):
    """Credentials for a bearer token."""

    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class TokenOut(BaseModel):
    """A bearer token (shown once; only its hash is kept)."""

    token: str
    expires_at: datetime
    member_id: UUID


class MemberOut(BaseModel):
    """A member's own account and settings."""

    id: UUID
    email: str
    display_name: str
    timezone: str
    headline: str
    aspirations: str
    passions: str
    strengths: str
    weekly_target: int
    roles: list[str]
    version: int


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: dict[str, str] | None = None
    current_version: int | None = None
