"""A review as the API returns it and the pages show it (`review_out`)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from web.system import current_system as system


class ReviewSignals(BaseModel):
    """The five signals, each 1–5 where 5 means thriving."""

    model_config = ConfigDict(extra="forbid")

    motivation: StrictInt = Field(ge=1, le=5)
    focus: StrictInt = Field(ge=1, le=5)
    learning: StrictInt = Field(ge=1, le=5)
    recognition: StrictInt = Field(ge=1, le=5)
    satisfaction: StrictInt = Field(ge=1, le=5)


class CommitmentOut(BaseModel):
    """A commitment; `kept` is null while it is open to be marked."""

    id: UUID
    if_when: str
    then: str
    kept: bool | None


class ReviewOut(BaseModel):
    """A review as its owner wrote it (and as mentors it is shown to see it)."""

    id: UUID
    owner_id: UUID
    period: str
    recorded_at: datetime
    signals: ReviewSignals
    went_well: str
    stuck_on: str
    lessons: str
    commitments: list[CommitmentOut]
    open_commitments: int = Field(description="Commitments not marked yet.")
    visibility: str
    version: int


def review_out(viewer: UUID, review_id: UUID) -> ReviewOut:
    """The review if `viewer` may see it; NotFoundError (404) otherwise."""
    review = system().app.visible_review(viewer, review_id)
    commitments = [
        CommitmentOut(
            id=x["id"],
            if_when=x["if_when"],
            then=x["then"],
            kept=review.outcomes.get(str(x["id"])),
        )
        for x in review.commitments
    ]
    return ReviewOut(
        id=review.id,
        owner_id=review.owner_id,
        period=review.period,
        recorded_at=review.created_on,
        signals=ReviewSignals(**review.signals),
        went_well=review.went_well,
        stuck_on=review.stuck_on,
        lessons=review.lessons,
        commitments=commitments,
        open_commitments=sum(x.kept is None for x in commitments),
        visibility=review.visibility,
        version=review.version,
    )
