"""Request bodies of `/me` (the account itself is answered as `schemas.MemberOut`).

The choices below repeat the domain's (service.domain.member) so that the OpenAPI
document lists them; a unit test keeps the two equal. Ranges (hours, weekday,
weekly target) are only documented here: the domain checks them, in its own words.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from web.api.schemas import AwayPeriodOut

Digest = Literal["off", "daily", "weekly"]
Reminder = Literal[
    "review_due", "milestone_due", "inactivity", "buddy_quiet", "requests_waiting"
]
AwayReason = Literal["holiday", "sick_leave", "other"]


def _may_leave_out(
    description: str | None = None,
    *,
    between: tuple[int, int] | None = None,
    **constraints: Any,
) -> Any:
    """A PATCH field: left out, it stays as it is; `null` is refused (send "" to
    clear a text). Typed Any so that a non-null field may default to None, which
    the OpenAPI document does not show. `between` documents a whole number's range
    (the domain checks it)."""

    def schema(field: dict[str, Any]) -> None:
        field.pop("default", None)
        if between is not None:
            field.update(minimum=between[0], maximum=between[1])

    return Field(None, description=description, json_schema_extra=schema, **constraints)


def _hour(description: str) -> Any:
    """A local hour (0–23), or null."""
    return Field(
        None,
        description=description,
        json_schema_extra={"minimum": 0, "maximum": 23},
    )


class PreferencesPatch(BaseModel):
    """Changes to the notification preferences: only the keys sent change."""

    model_config = ConfigDict(extra="forbid")

    digest: Digest = _may_leave_out("How often the member's own digest comes.")
    mentor_digest: Digest = _may_leave_out(
        "How often the digest of one's mentees comes (only while mentoring)."
    )
    group_digest: Digest = _may_leave_out(
        "How often the digest of the groups one facilitates comes."
    )
    digest_weekday: StrictInt = _may_leave_out(
        "Day of weekly digests: 0 = Monday … 6 = Sunday.", between=(0, 6)
    )
    digest_hour: StrictInt = _may_leave_out(
        "Local hour the digests are sent.", between=(0, 23)
    )
    review_weekday: StrictInt = _may_leave_out(
        "The weekly review day (its reminder, the calendar feed): 0 = Monday.",
        between=(0, 6),
    )
    reminders: list[Reminder] = _may_leave_out(
        "The reminders to send (the others are not sent).", max_length=10
    )
    quiet_start: StrictInt | None = _hour(
        "Local hour quiet hours begin. Give both ends, or both null for none."
    )
    quiet_end: StrictInt | None = _hour("Local hour quiet hours end.")


class AccountPatch(BaseModel):
    """Changes to the account: only the fields sent change. All of them are checked
    before anything is written, so one bad field changes nothing."""

    model_config = ConfigDict(extra="forbid")

    display_name: str = _may_leave_out(max_length=80)
    timezone: str = _may_leave_out("IANA timezone, e.g. Europe/Paris.", max_length=64)
    headline: str = _may_leave_out(max_length=200)
    aspirations: str = _may_leave_out("Long-term aspirations.", max_length=5000)
    passions: str = _may_leave_out(max_length=5000)
    strengths: str = _may_leave_out(max_length=5000)
    weekly_target: StrictInt = _may_leave_out(
        "Actions per week to aim for.", between=(1, 50)
    )
    preferences: PreferencesPatch = _may_leave_out(
        "Notification preferences to change."
    )

    def sent(self) -> dict[str, Any]:
        """The fields the client sent (in `preferences`, the keys it sent)."""
        return self.model_dump(exclude_unset=True)


class AwayPeriodBody(BaseModel):
    """Days away, first and last day included, in the member's timezone."""

    model_config = ConfigDict(extra="forbid")

    starts_on: date
    ends_on: date = Field(description="The last day away, within a year of the first.")
    reason: AwayReason = "holiday"


class AwayPeriodPath(BaseModel):
    """One of the caller's away periods."""

    period_id: UUID


class AwayPeriodWritten(AwayPeriodOut):
    """The away period just set, and the account's new version."""

    version: int


class PasswordBody(BaseModel):
    """The current password and a new one."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=1024)
    new_password: str = Field(description="At least 10 characters.", max_length=1024)
