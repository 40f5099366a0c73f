"""Request and response bodies of the goals API. How a goal itself is rendered
(`GoalOut`, `GoalCardOut`) is in `web.common.goals`: the pages show it too."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from projections.goals_queries import ProgressSeries
from service.application import HistoryEntry
from web.api.common import PageQuery, QueryModel
from web.common.goals import GoalCardOut, GoalOut, Horizon, Status, Visibility

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


class GoalQuery(QueryModel):
    """A goal now, or as it was at a time."""

    as_of: AwareDatetime | None = Field(
        None,
        description="ISO 8601 time with offset: the goal's state at that time "
        "(404 before it was set).",
    )


# Responses --------------------------------------------------------------------------


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
    """A metric value, or milestone progress %, on a day."""

    day: date
    value: float


class GoalProgressSeriesOut(BaseModel):
    """A goal's progress by day and its straight on-track line. With a metric: the
    recorded values, the line from (set date, baseline) to (due date, target).
    Measured by milestones: progress % after each day's last milestone addition,
    completion or reopening (0 on the set day, 100 on the day achieved), the line
    from (set date, 0) to (due date, 100). Empty with neither."""

    measure: Literal["metric", "milestones", "none"] = Field(
        description="What the values are: metric values or milestone progress %."
    )
    stepped: bool = Field(
        description="True for milestone progress: each value holds until the next "
        "point (draw a step chart), rather than a line from point to point."
    )
    points: list[GoalProgressPointOut]
    on_track_line: list[GoalProgressPointOut] | None


# Rendering --------------------------------------------------------------------------


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
        measure=series.measure,
        stepped=series.stepped,
        points=[GoalProgressPointOut(day=d, value=v) for d, v in series.points],
        on_track_line=(
            None
            if series.line is None
            else [GoalProgressPointOut(day=d, value=v) for d, v in series.line]
        ),
    )
