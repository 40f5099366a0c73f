"""Goal board read model: each goal's current state, milestones, metric history and
the actions linked to it. Time-dependent figures (progress %, on track, safety buffer,
stalled) are computed at read time in `projections.goals_queries`.

The goal board applies a batch at a time (`projections.batching.Batch`, as the
journal does): `apply_batch` loads the rows the batch's events touch, one query per
table, then each handler changes those rows in memory, in log order (so it sees the
goals, members and milestones added earlier in the batch), and the changes are
written in bulk at the end. Metric values and milestone steps are only ever added or
purged, so they are never loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    Integer,
    String,
    Table,
    Text,
)

from projections.base import UTCDateTime, keeps_timezones
from projections.batching import Batch, BatchedProjection, Handlers
from projections.db import metadata, readers_index
from service.clock import local_date
from service.domain.action import Action
from service.domain.goal import Goal
from service.domain.member import Member

goal_members = Table(
    "rm_goals_members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("timezone", String(64), nullable=False),
)

goals = Table(
    "rm_goals",
    metadata,
    Column("goal_id", String(36), primary_key=True),
    Column("owner_id", String(36), nullable=False, index=True),
    Column("title", String(150), nullable=False),
    Column("horizon", String(8), nullable=False),
    Column("description", Text, nullable=False),
    Column("why", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("visibility", String(16), nullable=False),
    Column("metric_name", String(80), nullable=True),
    Column("metric_unit", String(30), nullable=True),
    Column("baseline", Float, nullable=True),
    Column("target", Float, nullable=True),
    Column("current_value", Float, nullable=True),
    Column("last_progress_on", Date, nullable=True),
    Column("due_on", Date, nullable=False),
    Column("set_at", UTCDateTime(), nullable=False),
    Column("set_on", Date, nullable=False),
    Column("milestones_total", Integer, nullable=False),
    Column("milestones_done", Integer, nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("version", Integer, nullable=False),
)

milestones = Table(
    "rm_goals_milestones",
    metadata,
    Column("milestone_id", String(36), primary_key=True),
    Column("goal_id", String(36), nullable=False, index=True),
    Column("title", String(150), nullable=False),
    Column("due_on", Date, nullable=True),
    Column("completed", Boolean, nullable=False),
    Column("completed_at", UTCDateTime(), nullable=True),
    Column("position", Integer, nullable=False),
)

progress = Table(
    "rm_goals_progress",
    metadata,
    Column("goal_id", String(36), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("value", Float, nullable=False),
)

milestone_steps = Table(
    "rm_goals_milestone_steps",
    metadata,
    Column("goal_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("done", Integer, nullable=False),
    Column("total", Integer, nullable=False),
)
"""Each milestone addition, completion and reopening: the goal's done and total
right after it, for the stepped progress chart (days are the owner's, at read time)."""

goal_actions = Table(
    "rm_goals_actions",
    metadata,
    Column("action_id", String(36), primary_key=True),
    Column("owner_id", String(36), nullable=False, index=True),
    Column("goal_id", String(36), nullable=True),
    Column("occurred_on", Date, nullable=False),
    Column("retracted", Boolean, nullable=False),
    readers_index(  # a goal's actions by day, for readers; the handlers use the ids
        "ix_rm_goals_actions_goal", "goal_id", "retracted", "occurred_on"
    ),
)

REVISED_COLUMNS = ("title", "horizon", "description", "why", "due_on", "visibility")


def _metric_values(metric: dict[str, Any] | None) -> dict[str, Any]:
    """Columns for a goal's metric; a new metric starts at its baseline."""
    if not metric:
        return dict.fromkeys(
            ("metric_name", "metric_unit", "baseline", "target", "current_value")
        )
    return {
        "metric_name": metric["name"],
        "metric_unit": metric.get("unit") or "",
        "baseline": metric["baseline"],
        "target": metric["target"],
        "current_value": metric["baseline"],
    }


HANDLERS = Handlers[Batch]()
"""The handler of each event class: (batch, event, log position)."""
MEMBER_EVENTS = (Member.Registered, Member.ProfileUpdated, Member.Erased)
GOAL_EVENTS = (
    Goal.GoalSet,
    Goal.GoalRevised,
    Goal.GoalPaused,
    Goal.GoalResumed,
    Goal.GoalAchieved,
    Goal.GoalAbandoned,
    Goal.ProgressRecorded,
    Goal.MilestoneAdded,
    Goal.MilestoneCompleted,
    Goal.MilestoneReopened,
)


class GoalBoard(BatchedProjection[Batch]):
    """Keeps goals, their milestones, metric values and linked actions current."""

    name = "goals"
    tables = (goal_members, goals, milestones, progress, milestone_steps, goal_actions)
    handlers = HANDLERS

    def load(self, conn: Connection, batch: Batch, events: Sequence[Any]) -> None:
        _load(conn, batch, events)


def _load(conn: Connection, batch: Batch, events: Sequence[Any]) -> None:
    """The rows the events read or change, by the keys found in them: goals (by id,
    and by owner for erasures), then members (theirs and the goals' owners),
    milestones and actions; one query per table."""
    goal_ids: set[str] = set()
    erased: set[str] = set()
    member_ids: set[str] = set()
    milestone_ids: set[str] = set()
    action_ids: set[str] = set()
    for e in events:
        kind = type(e)
        origin = str(e.originator_id)
        if kind in MEMBER_EVENTS:
            member_ids.add(origin)
            if kind is Member.Erased:
                erased.add(origin)
        elif kind in GOAL_EVENTS:
            goal_ids.add(origin)
            if kind is Goal.GoalSet:
                member_ids.add(str(e.owner_id))
            elif kind in (Goal.MilestoneCompleted, Goal.MilestoneReopened):
                milestone_ids.add(str(e.milestone_id))
        elif kind in (Action.ActionEdited, Action.ActionRetracted):
            action_ids.add(origin)
    batch.load(conn, goals, goal_id=goal_ids, owner_id=erased)
    loaded = batch[goals]
    for goal_id in goal_ids:
        row = loaded.get(goal_id)
        if row is not None:
            member_ids.add(row["owner_id"])
    batch.load(conn, goal_members, member_id=member_ids)
    batch.load(conn, milestones, milestone_id=milestone_ids)
    batch.load(conn, goal_actions, action_id=action_ids)


def _timezone(b: Batch, member_id: str | None) -> str:
    """The member's timezone (UTC if the member is not known)."""
    row = None if member_id is None else b[goal_members].get(member_id)
    return str(row["timezone"] or "UTC") if row is not None else "UTC"


# Members: only their timezone, to turn instants into the owner's days.


keeps_timezones(HANDLERS, goal_members)


@HANDLERS.on(Member.Erased)
def _member_erased(b: Batch, e: Member.Erased, _pos: int) -> None:
    member_id = str(e.originator_id)
    owned = [row["goal_id"] for row in b[goals].where("owner_id", member_id)]
    for table in (milestones, progress, milestone_steps):
        b[table].purge("goal_id", owned)
    b[goals].purge("owner_id", [member_id])
    b[goal_actions].purge("owner_id", [member_id])
    b[goal_members].delete(member_id)


# Goals.


@HANDLERS.on(Goal.GoalSet)
def _goal_set(b: Batch, e: Goal.GoalSet, _pos: int) -> None:
    owner_id = str(e.owner_id)
    b[goals].insert(
        goal_id=str(e.originator_id),
        owner_id=owner_id,
        title=e.title,
        horizon=e.horizon,
        description=e.description,
        why=e.why,
        status="active",
        visibility=e.visibility,
        **_metric_values(e.metric),
        last_progress_on=None,
        due_on=e.due_on,
        set_at=e.timestamp,
        set_on=local_date(e.timestamp, _timezone(b, owner_id)),
        milestones_total=0,
        milestones_done=0,
        closed_at=None,
        version=e.originator_version,
    )


def _update_goal(b: Batch, e: Any, **values: Any) -> dict[str, Any] | None:
    """Change the event's goal and take its version; the goal as it now stands (None,
    and nothing changed, if there is no such goal)."""
    goal_id = str(e.originator_id)
    b[goals].update(goal_id, version=e.originator_version, **values)
    return b[goals].get(goal_id)


@HANDLERS.on(Goal.GoalRevised)
def _goal_revised(b: Batch, e: Goal.GoalRevised, _pos: int) -> None:
    values = {k: v for k, v in e.changes.items() if k in REVISED_COLUMNS}
    if "metric" in e.changes:
        # The domain restarts a changed metric at its baseline; the old values
        # measured something else, so they leave the chart and the 28-day rate.
        values.update(_metric_values(e.changes["metric"]))
        b[progress].purge("goal_id", [str(e.originator_id)])
    _update_goal(b, e, **values)


@HANDLERS.on(Goal.GoalPaused)
def _goal_paused(b: Batch, e: Goal.GoalPaused, _pos: int) -> None:
    _update_goal(b, e, status="paused")


@HANDLERS.on(Goal.GoalResumed)
def _goal_resumed(b: Batch, e: Goal.GoalResumed, _pos: int) -> None:
    _update_goal(b, e, status="active")


@HANDLERS.on(Goal.GoalAchieved)
def _goal_achieved(b: Batch, e: Goal.GoalAchieved, _pos: int) -> None:
    _update_goal(b, e, status="achieved", closed_at=e.timestamp)


@HANDLERS.on(Goal.GoalAbandoned)
def _goal_abandoned(b: Batch, e: Goal.GoalAbandoned, _pos: int) -> None:
    _update_goal(b, e, status="abandoned", closed_at=e.timestamp)


@HANDLERS.on(Goal.ProgressRecorded)
def _progress_recorded(b: Batch, e: Goal.ProgressRecorded, _pos: int) -> None:
    goal_id = str(e.originator_id)
    goal = b[goals].get(goal_id)
    owner_id = None if goal is None else goal["owner_id"]
    day = local_date(e.timestamp, _timezone(b, owner_id))
    b[progress].insert(goal_id=goal_id, day=day, value=e.value)  # the day's last
    _update_goal(b, e, current_value=e.value, last_progress_on=day)


# Milestones (a mentor's accepted suggestion arrives as the goal's own
# MilestoneAdded, so Suggestion events are not counted here).


@HANDLERS.on(Goal.MilestoneAdded)
def _milestone_added(b: Batch, e: Goal.MilestoneAdded, _pos: int) -> None:
    goal_id = str(e.originator_id)
    b[milestones].insert(
        milestone_id=str(e.milestone_id),
        goal_id=goal_id,
        title=e.title,
        due_on=e.due_on,
        completed=False,
        completed_at=None,
        position=e.originator_version,
    )
    goal = b[goals].get(goal_id)
    if goal is not None:
        goal = _update_goal(b, e, milestones_total=goal["milestones_total"] + 1)
    _step(b, e, goal)


def _step(b: Batch, e: Any, goal: dict[str, Any] | None) -> None:
    """Append the goal's milestones done and total as they now stand."""
    if goal is not None:
        b[milestone_steps].insert(
            goal_id=goal["goal_id"],
            version=e.originator_version,
            at=e.timestamp,
            done=goal["milestones_done"],
            total=goal["milestones_total"],
        )


@HANDLERS.on(Goal.MilestoneCompleted, Goal.MilestoneReopened)
def _mark_milestone(
    b: Batch, e: Goal.MilestoneCompleted | Goal.MilestoneReopened, _pos: int
) -> None:
    done = type(e) is Goal.MilestoneCompleted
    b[milestones].update(
        str(e.milestone_id), completed=done, completed_at=e.timestamp if done else None
    )
    goal = b[goals].get(str(e.originator_id))
    if goal is not None:
        change = 1 if done else -1
        goal = _update_goal(b, e, milestones_done=goal["milestones_done"] + change)
    _step(b, e, goal)


# Actions: which goal each is on and which day, so "last action" stays exact
# through edits and retractions.


@HANDLERS.on(Action.ActionLogged)
def _action_logged(b: Batch, e: Action.ActionLogged, _pos: int) -> None:
    b[goal_actions].insert(
        action_id=str(e.originator_id),
        owner_id=str(e.owner_id),
        goal_id=str(e.goal_id) if e.goal_id else None,
        occurred_on=e.occurred_on,
        retracted=False,
    )


@HANDLERS.on(Action.ActionEdited)
def _action_edited(b: Batch, e: Action.ActionEdited, _pos: int) -> None:
    values: dict[str, Any] = {}
    if "goal_id" in e.changes:
        goal_id = e.changes["goal_id"]
        values["goal_id"] = str(goal_id) if goal_id else None
    if "occurred_on" in e.changes:
        values["occurred_on"] = e.changes["occurred_on"]
    if values:
        b[goal_actions].update(str(e.originator_id), **values)


@HANDLERS.on(Action.ActionRetracted)
def _action_retracted(b: Batch, e: Action.ActionRetracted, _pos: int) -> None:
    b[goal_actions].update(str(e.originator_id), retracted=True)
