"""How a goal is rendered, for the API and the pages alike: from the goal board read
model (its current state) or from the event-sourced state at a past time (`as_of`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from projections.goals_queries import GoalCard, MilestoneRow
from service.domain.goal import Goal

Horizon = Literal["short", "long"]
Visibility = Literal["private", "mentors", "group"]
Status = Literal["active", "paused", "achieved", "abandoned"]
Verdict = Literal["on_track", "behind", "stalled", "done", "paused", "abandoned"]
_VERDICT = (
    "The one status every page shows: done, paused or abandoned as it stands; an "
    "active goal is stalled first, else on track or behind (SPEC 5)."
)


class GoalMetricOut(BaseModel):
    """A goal's metric and its latest value."""

    name: str
    unit: str
    baseline: float
    target: float
    current: float


class GoalMilestoneOut(BaseModel):
    """One milestone of a roadmap."""

    id: UUID
    title: str
    due_on: date | None
    completed: bool
    completed_at: datetime | None


class _GoalFields(BaseModel):
    """What every rendering of a goal shows."""

    id: UUID
    owner_id: UUID
    title: str
    horizon: Horizon
    description: str
    why: str
    status: Status
    visibility: Visibility
    metric: GoalMetricOut | None
    due_on: date
    set_at: datetime
    closed_at: datetime | None
    progress: float = Field(description="Progress %, 0–100 (SPEC 5).")
    milestones_total: int
    milestones_done: int
    next_milestone: GoalMilestoneOut | None
    version: int


class GoalCardOut(_GoalFields):
    """A goal on the board: its state with the figures computed for now."""

    days_left: int
    elapsed: float = Field(description="% of the goal's time gone.")
    on_track: bool
    safety_buffer: int | None = Field(
        description="Days before falling behind at the recent rate (metric goals)."
    )
    last_activity_on: date | None
    days_since_last_action: int | None
    stalled: bool
    verdict: Verdict = Field(description=_VERDICT)


class GoalOut(_GoalFields):
    """One goal with its roadmap. Now: as on the board. With `as_of`: its state at
    that time; the figures that need the board's activity history are null."""

    days_left: int | None
    elapsed: float | None
    on_track: bool | None
    safety_buffer: int | None
    last_activity_on: date | None
    days_since_last_action: int | None
    stalled: bool | None
    verdict: Verdict | None = Field(description=_VERDICT)
    milestones: list[GoalMilestoneOut]
    as_of: datetime | None = Field(
        description="The time this state is from; null for the current state."
    )


# Rendering --------------------------------------------------------------------------


def milestone_out(m: MilestoneRow) -> GoalMilestoneOut:
    """A roadmap row as the API shows it."""
    return GoalMilestoneOut(
        id=UUID(m.milestone_id),
        title=m.title,
        due_on=m.due_on,
        completed=m.completed,
        completed_at=m.completed_at,
    )


_CARD_FIELDS = frozenset(GoalCardOut.model_fields)
_BOARD_ONLY = _CARD_FIELDS - frozenset(_GoalFields.model_fields)
"""What only the board knows: figures that need its activity history and `now`."""


def _card_fields(card: GoalCard) -> dict[str, Any]:
    fields = {k: v for k, v in vars(card).items() if k in _CARD_FIELDS}
    return fields | {
        "id": card.goal_id,
        "metric": card.metric and GoalMetricOut(**vars(card.metric)),
        "next_milestone": card.next_milestone and milestone_out(card.next_milestone),
    }


def card_out(card: GoalCard) -> GoalCardOut:
    """A board card as the API shows it."""
    return GoalCardOut(**_card_fields(card))


def goal_out(card: GoalCard, roadmap: list[MilestoneRow]) -> GoalOut:
    """A goal's current state with its roadmap."""
    return GoalOut(
        **_card_fields(card),
        milestones=[milestone_out(m) for m in roadmap],
        as_of=None,
    )


def _roadmap_key(m: dict[str, Any], position: int) -> tuple[bool, date, int]:
    # The board's order: by due date, undated last, then as added.
    return (m["due_on"] is None, m["due_on"] or date.max, position)


def goal_state_out(goal: Goal, at: datetime) -> GoalOut:
    """A goal as it was at `at`, from its event-sourced state."""
    ordered = sorted(
        (_roadmap_key(m, i), m) for i, m in enumerate(goal.milestones.values())
    )
    roadmap = [
        GoalMilestoneOut(
            id=m["id"],
            title=m["title"],
            due_on=m["due_on"],
            completed=m["completed"],
            completed_at=None,
        )
        for _, m in ordered
    ]
    metric = goal.metric and {**goal.metric, "current": goal.current_value}
    return GoalOut.model_validate(
        {
            "id": goal.id,
            "owner_id": goal.owner_id,
            "title": goal.title,
            "horizon": goal.horizon,
            "description": goal.description,
            "why": goal.why,
            "status": goal.status,
            "visibility": goal.visibility,
            "metric": metric,
            "due_on": goal.due_on,
            "set_at": goal.created_on,
            # A closed goal records no further events, so its last one closed it.
            "closed_at": goal.modified_on if goal.is_closed else None,
            "progress": goal.progress_percent(),
            "milestones_total": len(roadmap),
            "milestones_done": sum(1 for m in roadmap if m.completed),
            "next_milestone": next((m for m in roadmap if not m.completed), None),
            "version": goal.version,
            **dict.fromkeys(_BOARD_ONLY),
            "milestones": roadmap,
            "as_of": at,
        }
    )
