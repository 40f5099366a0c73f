"""Request and response bodies of the mentoring API (mentorships, mentees)."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from projections import journal_queries as jq
from web.api.common import PageQuery

MentorshipStatus = Literal["proposed", "accepted", "declined", "ended"]
RutLevel = Literal["low", "medium", "high", "new"]  # new: first grace week


class MentorshipBody(BaseModel):
    """An invitation to mentor you."""

    model_config = ConfigDict(extra="forbid")

    mentor_email: str = Field(
        max_length=254,
        description="Whom you invite; they may not have an account yet.",
        examples=["max@example.com"],
    )
    message: str = Field("", max_length=1000, description="A note to them.")


class MentorshipPath(BaseModel):
    """A mentorship."""

    mentorship_id: UUID


class MentorshipOut(BaseModel):
    """A mentorship as one side sees it."""

    id: UUID
    role: Literal["mentee", "mentor"] = Field(description="Your side of it.")
    status: MentorshipStatus
    mentee_id: UUID
    mentee_name: str | None
    mentor_email: str = Field(description="The address the invitation went to.")
    mentor_id: UUID | None = Field(description="Set once the invitation is accepted.")
    mentor_name: str | None


class MentorshipWritten(MentorshipOut):
    """A mentorship after a write, with the aggregate's new version."""

    version: int


class MentorshipPage(BaseModel):
    """A page of mentorships."""

    items: list[MentorshipOut]
    next_cursor: str | None


class MenteeOut(BaseModel):
    """One mentee on the triage list, with why they are where they are."""

    member_id: UUID
    display_name: str
    momentum: int = Field(description="0–100 (SPEC 5).")
    momentum_trend: int = Field(
        description="Shown momentum now minus shown momentum 28 days ago."
    )
    rut_risk: int = Field(description="0–100 (SPEC 5).")
    rut_level: RutLevel
    rut_risk_change: int | None = Field(description="Rut risk now minus 14 days ago.")
    rising: bool = Field(description="Rut risk rose by 20 or more in 14 days.")
    actions_this_week: int
    weekly_target: int
    streak: int = Field(
        description="ISO weeks in a row with the (pro-rated) target met."
    )
    last_action_on: date | None
    days_since_action: int | None
    stalled_goals: int = Field(description="Stalled goals you may see.")
    away_today: bool
    reasons: list[str] = Field(description="Why they are where they are, in words.")


class MenteePage(BaseModel):
    """A page of the triage list, neediest first."""

    items: list[MenteeOut]
    next_cursor: str | None


class MenteePath(BaseModel):
    """A mentee."""

    mentee_id: UUID


class MenteeTimelineQuery(PageQuery):
    """Which kinds of entry; a page of them."""

    kind: str | None = Field(
        None,
        description="An entry kind or a group of kinds.",
        json_schema_extra={"enum": list(jq.KIND_FILTERS)},
    )
