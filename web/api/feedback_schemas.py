"""Request and response bodies of the feedback API (feedback, cheers, suggestions)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from web.api.common import PageQuery
from web.common.goals import GoalMilestoneOut

ItemKind = Literal["goal", "action", "review"]


class FeedbackBody(BaseModel):
    """Written feedback on an item you may see."""

    model_config = ConfigDict(extra="forbid")

    item_kind: ItemKind
    item_id: UUID
    text: str = Field(max_length=5000, examples=["Great progress on the talk!"])


class CheerBody(BaseModel):
    """A cheer for someone else's item you may see (once per item)."""

    model_config = ConfigDict(extra="forbid")

    item_kind: ItemKind
    item_id: UUID


class FeedbackPath(BaseModel):
    """A piece of feedback."""

    feedback_id: UUID


class FeedbackListQuery(PageQuery):
    """The item whose feedback to list."""

    item_kind: ItemKind
    item_id: UUID


class FeedbackOut(BaseModel):
    """Written feedback on an item (visible to whoever can see the item)."""

    id: UUID
    item_kind: ItemKind
    item_id: UUID
    author_id: UUID
    author_name: str | None
    text: str
    at: datetime


class FeedbackWritten(FeedbackOut):
    """Feedback just given, with the aggregate's version."""

    version: int


class FeedbackPage(BaseModel):
    """A page of feedback on one item, oldest first."""

    items: list[FeedbackOut]
    next_cursor: str | None


class CheerOut(BaseModel):
    """A cheer given."""

    id: UUID
    item_kind: ItemKind
    item_id: UUID
    version: int


class SuggestionBody(BaseModel):
    """A mentor's suggestion of a milestone or an action for a mentee's goal."""

    model_config = ConfigDict(extra="forbid")

    goal_id: UUID
    kind: Literal["milestone", "action"]
    title: str = Field(max_length=150, examples=["Ask two colleagues for a review"])
    note: str = Field("", max_length=2000)
    due_on: date | None = None


class SuggestionPath(BaseModel):
    """A suggestion."""

    suggestion_id: UUID


class SuggestionOut(BaseModel):
    """A suggestion with its answer; once accepted, the milestone it became."""

    id: UUID
    goal_id: UUID
    mentor_id: UUID
    mentee_id: UUID
    kind: Literal["milestone", "action"]
    title: str
    note: str
    due_on: date | None
    status: Literal["pending", "accepted", "declined"]
    milestone: GoalMilestoneOut | None = Field(
        description="The goal's new milestone, once accepted."
    )
    version: int
