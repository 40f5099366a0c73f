"""Goal board read model: each goal's current state, milestones, metric history and
the actions linked to it. Time-dependent figures (progress %, on track, safety buffer,
stalled) are computed at read time in `projections.goals_queries`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from projections.base import Projection, UTCDateTime, on
from projections.db import metadata
from service.clock import local_date

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
    Index("ix_rm_goals_actions_goal", "goal_id", "retracted", "occurred_on"),
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


class GoalBoard(Projection):
    """Keeps goals, their milestones, metric values and linked actions current."""

    name = "goals"
    tables = (goal_members, goals, milestones, progress, milestone_steps, goal_actions)

    # Members: only their timezone, to turn instants into the owner's days.

    @on("Member.Registered")
    def _member_registered(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            goal_members.insert().values(
                member_id=str(e.originator_id), timezone=e.timezone
            )
        )

    @on("Member.ProfileUpdated")
    def _member_profile_updated(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            update(goal_members)
            .where(goal_members.c.member_id == str(e.originator_id))
            .values(timezone=e.timezone)
        )

    @on("Member.Erased")
    def _member_erased(self, conn: Connection, e: Any, _pos: int) -> None:
        member_id = str(e.originator_id)
        owned = select(goals.c.goal_id).where(goals.c.owner_id == member_id)
        conn.execute(delete(milestones).where(milestones.c.goal_id.in_(owned)))
        conn.execute(delete(progress).where(progress.c.goal_id.in_(owned)))
        conn.execute(
            delete(milestone_steps).where(milestone_steps.c.goal_id.in_(owned))
        )
        conn.execute(delete(goals).where(goals.c.owner_id == member_id))
        conn.execute(delete(goal_actions).where(goal_actions.c.owner_id == member_id))
        conn.execute(delete(goal_members).where(goal_members.c.member_id == member_id))

    def _timezone(self, conn: Connection, owner_id: str) -> str:
        tz = conn.execute(
            select(goal_members.c.timezone).where(goal_members.c.member_id == owner_id)
        ).scalar()
        return tz or "UTC"

    # Goals.

    @on("Goal.GoalSet")
    def _goal_set(self, conn: Connection, e: Any, _pos: int) -> None:
        owner_id = str(e.owner_id)
        conn.execute(
            goals.insert().values(
                goal_id=str(e.originator_id),
                owner_id=owner_id,
                title=e.title,
                horizon=e.horizon,
                description=e.description,
                why=e.why,
                status="active",
                visibility=e.visibility,
                **_metric_values(e.metric),
                due_on=e.due_on,
                set_at=e.timestamp,
                set_on=local_date(e.timestamp, self._timezone(conn, owner_id)),
                milestones_total=0,
                milestones_done=0,
                closed_at=None,
                version=e.originator_version,
            )
        )

    def _update_goal(self, conn: Connection, e: Any, **values: Any) -> None:
        conn.execute(
            update(goals)
            .where(goals.c.goal_id == str(e.originator_id))
            .values(version=e.originator_version, **values)
        )

    @on("Goal.GoalRevised")
    def _goal_revised(self, conn: Connection, e: Any, _pos: int) -> None:
        values = {k: v for k, v in e.changes.items() if k in REVISED_COLUMNS}
        if "metric" in e.changes:
            # The domain restarts a changed metric at its baseline; the old values
            # measured something else, so they leave the chart and the 28-day rate.
            values.update(_metric_values(e.changes["metric"]))
            conn.execute(
                delete(progress).where(progress.c.goal_id == str(e.originator_id))
            )
        self._update_goal(conn, e, **values)

    @on("Goal.GoalPaused")
    def _goal_paused(self, conn: Connection, e: Any, _pos: int) -> None:
        self._update_goal(conn, e, status="paused")

    @on("Goal.GoalResumed")
    def _goal_resumed(self, conn: Connection, e: Any, _pos: int) -> None:
        self._update_goal(conn, e, status="active")

    @on("Goal.GoalAchieved")
    def _goal_achieved(self, conn: Connection, e: Any, _pos: int) -> None:
        self._update_goal(conn, e, status="achieved", closed_at=e.timestamp)

    @on("Goal.GoalAbandoned")
    def _goal_abandoned(self, conn: Connection, e: Any, _pos: int) -> None:
        self._update_goal(conn, e, status="abandoned", closed_at=e.timestamp)

    @on("Goal.ProgressRecorded")
    def _progress_recorded(self, conn: Connection, e: Any, _pos: int) -> None:
        goal_id = str(e.originator_id)
        tz = conn.execute(
            select(goal_members.c.timezone)
            .join(goals, goals.c.owner_id == goal_members.c.member_id)
            .where(goals.c.goal_id == goal_id)
        ).scalar()
        day = local_date(e.timestamp, tz or "UTC")
        insert = (
            postgresql.insert(progress)
            if conn.dialect.name == "postgresql"
            else sqlite.insert(progress)
        )
        row = insert.values(goal_id=goal_id, day=day, value=e.value)
        conn.execute(
            row.on_conflict_do_update(
                index_elements=[progress.c.goal_id, progress.c.day],
                set_={"value": row.excluded.value},
            )
        )
        self._update_goal(conn, e, current_value=e.value, last_progress_on=day)

    # Milestones (a mentor's accepted suggestion arrives as the goal's own
    # MilestoneAdded, so Suggestion events are not counted here).

    @on("Goal.MilestoneAdded")
    def _milestone_added(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            milestones.insert().values(
                milestone_id=str(e.milestone_id),
                goal_id=str(e.originator_id),
                title=e.title,
                due_on=e.due_on,
                completed=False,
                completed_at=None,
                position=e.originator_version,
            )
        )
        self._update_goal(conn, e, milestones_total=goals.c.milestones_total + 1)
        self._step(conn, e)

    def _step(self, conn: Connection, e: Any) -> None:
        """Append the goal's milestones done and total as they now stand."""
        conn.execute(
            milestone_steps.insert().from_select(
                ["goal_id", "version", "at", "done", "total"],
                select(
                    goals.c.goal_id,
                    literal(e.originator_version, Integer),
                    literal(e.timestamp, UTCDateTime()),
                    goals.c.milestones_done,
                    goals.c.milestones_total,
                ).where(goals.c.goal_id == str(e.originator_id)),
            )
        )

    def _mark_milestone(self, conn: Connection, e: Any, done: bool) -> None:
        conn.execute(
            update(milestones)
            .where(milestones.c.milestone_id == str(e.milestone_id))
            .values(completed=done, completed_at=e.timestamp if done else None)
        )
        change = 1 if done else -1
        self._update_goal(conn, e, milestones_done=goals.c.milestones_done + change)
        self._step(conn, e)

    @on("Goal.MilestoneCompleted")
    def _milestone_completed(self, conn: Connection, e: Any, _pos: int) -> None:
        self._mark_milestone(conn, e, True)

    @on("Goal.MilestoneReopened")
    def _milestone_reopened(self, conn: Connection, e: Any, _pos: int) -> None:
        self._mark_milestone(conn, e, False)

    # Actions: which goal each is on and which day, so "last action" stays exact
    # through edits and retractions.

    @on("Action.ActionLogged")
    def _action_logged(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            goal_actions.insert().values(
                action_id=str(e.originator_id),
                owner_id=str(e.owner_id),
                goal_id=str(e.goal_id) if e.goal_id else None,
                occurred_on=e.occurred_on,
                retracted=False,
            )
        )

    @on("Action.ActionEdited")
    def _action_edited(self, conn: Connection, e: Any, _pos: int) -> None:
        values: dict[str, Any] = {}
        if "goal_id" in e.changes:
            goal_id = e.changes["goal_id"]
            values["goal_id"] = str(goal_id) if goal_id else None
        if "occurred_on" in e.changes:
            values["occurred_on"] = e.changes["occurred_on"]
        if values:
            conn.execute(
                update(goal_actions)
                .where(goal_actions.c.action_id == str(e.originator_id))
                .values(**values)
            )

    @on("Action.ActionRetracted")
    def _action_retracted(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            update(goal_actions)
            .where(goal_actions.c.action_id == str(e.originator_id))
            .values(retracted=True)
        )
