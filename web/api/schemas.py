"""Request and response bodies of the API (pydantic): the OpenAPI document is
generated from these, and requests are validated against them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from service.domain.member import Member


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


class NotificationPreferencesOut(BaseModel):
    """When digests come and which reminders are sent (hours are the member's own)."""

    digest: str = Field(description="The member's own digest: off, daily or weekly.")
    mentor_digest: str = Field(
        description="The digest of one's mentees (sent only while mentoring)."
    )
    group_digest: str = Field(
        description="The digest of the groups one facilitates (sent only then)."
    )
    digest_weekday: int = Field(
        description="Day of weekly digests: 0 = Monday … 6 = Sunday."
    )
    digest_hour: int = Field(description="Local hour (0–23) the digests are sent.")
    review_weekday: int = Field(
        description="The weekly review day: 0 = Monday … 6 = Sunday."
    )
    reminders: list[str] = Field(description="The kinds of reminder that are sent.")
    quiet_start: int | None = Field(
        description="Local hour quiet hours begin (nothing is sent); null: none."
    )
    quiet_end: int | None = Field(description="Local hour quiet hours end.")


class AwayPeriodOut(BaseModel):
    """Days away (holiday, sick leave): momentum does not decay, streaks hold."""

    id: UUID
    starts_on: date
    ends_on: date = Field(description="The last day away (inclusive).")
    reason: str


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
    preferences: NotificationPreferencesOut
    away_periods: list[AwayPeriodOut] = Field(description="Oldest first.")
    roles: list[str]
    version: int

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        """The member's current state (the password hash stays inside)."""
        periods = [
            AwayPeriodOut(id=UUID(key), **period)
            for key, period in member.away_periods.items()
        ]
        return cls(
            id=member.id,
            email=member.email,
            display_name=member.display_name,
            timezone=member.timezone,
            headline=member.headline,
            aspirations=member.aspirations,
            passions=member.passions,
            strengths=member.strengths,
            weekly_target=member.weekly_target,
            preferences=NotificationPreferencesOut(**member.preferences),
            away_periods=sorted(periods, key=lambda p: (p.starts_on, str(p.id))),
            roles=sorted(member.roles),
            version=member.version,
        )


class Problem(BaseModel):
    """An RFC 9457 problem document (served as application/problem+json)."""

    model_config = ConfigDict(  # type: ignore[typeddict-unknown-key]
        openapi_extra={
            "content": {
                "application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}
                }
            }
        }
    )

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: dict[str, str] | None = None
    current_version: int | None = None
