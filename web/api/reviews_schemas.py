"""Request and response bodies of the reviews area (a review itself, `ReviewOut`,
is in `web.common.reviews`: the pages show it too)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool
from pydantic.config import JsonDict

from service.domain.base import VISIBILITIES
from service.domain.review import MAX_COMMITMENTS, PERIODS
from web.api.actions import NO_NUL
from web.common.reviews import ReviewSignals

_VISIBILITY: JsonDict = {"enum": list(VISIBILITIES)}
_MAYBE_VISIBILITY: JsonDict = {"enum": [*VISIBILITIES, None]}
_TEXT = 5000


class CommitmentBody(BaseModel):
    """A next step as an implementation intention: if/when …, then I will …"""

    model_config = ConfigDict(extra="forbid")

    if_when: str = Field(
        max_length=300, pattern=NO_NUL, examples=["When I open my laptop on Monday"]
    )
    then: str = Field(
        max_length=300, pattern=NO_NUL, examples=["I will apply to one stretch role"]
    )


class CommitmentOutcomeBody(BaseModel):
    """Whether a commitment of an earlier review of yours was kept."""

    model_config = ConfigDict(extra="forbid")

    review_id: UUID
    commitment_id: UUID
    kept: StrictBool


class ReviewBody(BaseModel):
    """A check-in: the five signals, reflection and next steps."""

    model_config = ConfigDict(extra="forbid")

    period: str = Field("weekly", json_schema_extra={"enum": list(PERIODS)})
    signals: ReviewSignals
    went_well: str = Field("", max_length=_TEXT, pattern=NO_NUL)
    stuck_on: str = Field("", max_length=_TEXT, pattern=NO_NUL)
    lessons: str = Field(
        "", max_length=_TEXT, pattern=NO_NUL, description="Lessons from setbacks."
    )
    commitments: list[CommitmentBody] = Field(
        default_factory=list, max_length=MAX_COMMITMENTS
    )
    visibility: str = Field("mentors", json_schema_extra=_VISIBILITY)
    outcomes: list[CommitmentOutcomeBody] = Field(
        default_factory=list,
        description="The previous review's commitments, marked kept or missed.",
    )


class ReviewChanges(BaseModel):
    """What to amend; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    signals: ReviewSignals | None = None
    went_well: str | None = Field(None, max_length=_TEXT, pattern=NO_NUL)
    stuck_on: str | None = Field(None, max_length=_TEXT, pattern=NO_NUL)
    lessons: str | None = Field(None, max_length=_TEXT, pattern=NO_NUL)
    visibility: str | None = Field(None, json_schema_extra=_MAYBE_VISIBILITY)


class CommitmentMarkBody(BaseModel):
    """Was the commitment kept?"""

    model_config = ConfigDict(extra="forbid")

    kept: StrictBool


class ReviewPath(BaseModel):
    review_id: UUID


class CommitmentPath(BaseModel):
    review_id: UUID
    commitment_id: UUID


class ReviewListItem(BaseModel):
    """A review in the list: its signals and the journal's summary of it."""

    id: UUID
    entry_id: int = Field(description="Its journal entry.")
    title: str
    day: date
    at: datetime
    signals: ReviewSignals | None = Field(
        description="Null only while the metrics read model catches up."
    )
    summary: str = Field(description="What went well, shortened.")
    visibility: str
    commitments_kept: int
    commitments_missed: int
    feedback_count: int
    cheer_count: int


class ReviewPage(BaseModel):
    """A page of your reviews, newest first."""

    items: list[ReviewListItem]
    next_cursor: str | None
