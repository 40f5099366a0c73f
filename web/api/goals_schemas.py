"""Request and response bodies of the goals API, and how a goal is rendered: from
the goal board read model (its current state) or from the event-sourced state at a
past time (`?as_of=`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from projections.goals_queries import GoalCard, MilestoneRow, ProgressSeries
from service.application import HistoryEntry
from service.domain.goal import Goal
from web.api.common import PageQuery

Horizon = Literal["short", "long"]
Visibility = Literal["private", "mentors", "group"]
Status = Literal["active", "paused", "achieved", "abandoned"]

# Requests ---------------------------------------------------------------------------


class GoalMetricIn(BaseModel):
    """A measurable metric: where you start (baseline) and where you aim (target)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=80, examples=["Talks given"])
    unit: str = Field("", max_length=30, examples=["talks"])
    baseline: float
    target: float = Field(description="Must differ from the baseline.")


class GoalMilestoneIn(BaseModel):
    """A step of the roadmap."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=150, examples=["Submit a talk proposal"])
    due_on: date | None = None


class GoalBody(BaseModel):
    """A new SMART goal, optionally with its first milestones."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(
        max_length=150,
        description="Specific: at least three words.",
        examples=["Give a talk at a meetup"],
    )
    horizon: Horizon
    why: str = Field(
        max_length=2000, description="How it serves a long-term aspiration."
    )
    due_on: date = Field(description="In the future (the owner's local date).")
    description: str = Field("", max_length=5000)
    metric: GoalMetricIn | None = None
    visibility: Visibility = "mentors"
    milestones: list[GoalMilestoneIn] = Field(default_factory=list, max_length=50)


class GoalPatch(BaseModel):
    """A revision: only the fields sent change (`metric: null` removes the metric);
    the reason is kept in the goal's history with the old values."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=150)
    horizon: Horizon | None = None
    why: str | None = Field(None, max_length=2000)
    due_on: date | None = None
    description: str | None = Field(None, max_length=5000)
    metric: GoalMetricIn | None = None
    visibility: Visibility | None = None
    reason: str = Field(max_length=500, description="Why the goal changes.")

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, except the reason."""
        return self.model_dump(exclude_unset=True, exclude={"reason"})


class GoalProgressBody(BaseModel):
    """A new value of the goal's metric."""

    model_config = ConfigDict(extra="forbid")

    value: float
    note: str = Field("", max_length=1000)


class GoalStatusBody(BaseModel):
    """Pause, resume, achieve (note: closing reflection) or abandon (note: the
    reason, required)."""

    model_config = ConfigDict(extra="forbid")

    change: Literal["pause", "resume", "achieve", "abandon"]
    note: str = Field("", max_length=2000)


class GoalPath(BaseModel):
    """A goal."""

    goal_id: UUID


class GoalMilestonePath(BaseModel):
    """A milestone of a goal."""

    goal_id: UUID
    milestone_id: UUID


class GoalListQuery(PageQuery):
    """Whose goals (default: mine), in which status."""

    member: UUID | None = Field(
        None,
        description="Another member: only the goals they let you see; an unknown "
        "member, or one who shows you nothing, gives an empty list.",
    )
    status: Status | None = None


class GoalQuery(BaseModel):
    """A goal now, or as it was at a time."""

    as_of: AwareDatetime | None = Field(
        None,
        description="ISO 8601 time with offset: the goal's state at that time "
        "(404 before it was set).",
    )


# Responses --------------------------------------------------------------------------


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
    milestones: list[GoalMilestoneOut]
    as_of: datetime | None = Field(
        description="The time this state is from; null for the current state."
    )


class GoalWithMilestoneOut(GoalOut):
    """The goal after adding a milestone, and the new milestone's id."""

    milestone_id: UUID


class GoalPage(BaseModel):
    """A page of goal cards: active first, then by due date."""

    items: list[GoalCardOut]
    next_cursor: str | None


class GoalEventOut(BaseModel):
    """One event of a goal's history."""

    version: int
    type: str = Field(examples=["GoalRevised"])
    time: datetime
    actor_id: UUID | None
    data: dict[str, Any]


class GoalHistoryPage(BaseModel):
    """A page of a goal's history, oldest first."""

    items: list[GoalEventOut]
    next_cursor: str | None


class GoalProgressPointOut(BaseModel):
    """A metric value on a day."""

    day: date
    value: float


class GoalProgressSeriesOut(BaseModel):
    """A metric goal's recorded values by day and its straight on-track line (from
    set date and baseline to due date and target); empty without a metric."""

    points: list[GoalProgressPointOut]
    on_track_line: list[GoalProgressPointOut] | None


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


def history_out(entry: HistoryEntry) -> GoalEventOut:
    """One history entry as the API shows it."""
    return GoalEventOut(
        version=entry.version,
        type=entry.type,
        time=entry.time,
        actor_id=entry.actor_id,
        data=entry.data,
    )


def series_out(series: ProgressSeries) -> GoalProgressSeriesOut:
    """A progress series as the API shows it."""
    return GoalProgressSeriesOut(
        points=[GoalProgressPointOut(day=d, value=v) for d, v in series.points],
        on_track_line=(
            None
            if series.line is None
            else [GoalProgressPointOut(day=d, value=v) for d, v in series.line]
        ),
    )
