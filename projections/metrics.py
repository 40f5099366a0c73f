"""Momentum metrics read model (SPEC 4, 5): the facts the metrics are computed from.

The tables hold facts only — each member's timezone and target, away periods, the
weighted points (actions by their local day, also tallied per ISO week; reviews,
completed milestones and achieved goals by their instant), review signals and
commitment outcomes. Nothing here depends on the time of reading:
`projections.metrics_queries` computes momentum, streaks and rut risk for a given
`now`, so an idle member's momentum falls with no new event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from eventsourcing.persistence import Notification
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
    bindparam,
    delete,
    literal,
    select,
    update,
)

from projections.base import Projection, UTCDateTime, on
from projections.batching import HeldInserts
from projections.db import metadata
from projections.formulas import SIGNALS, WEIGHTS, week_start
from service.domain.member import DEFAULT_WEEKLY_TARGET

members = Table(
    "rm_metrics_members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("timezone", String(64), nullable=False),
    Column("weekly_target", Integer, nullable=False),
)

away_periods = Table(
    "rm_metrics_away_periods",
    metadata,
    Column("period_id", String(36), primary_key=True),
    Column("member_id", String(36), nullable=False, index=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
)

goal_owners = Table(
    "rm_metrics_goal_owners",
    metadata,
    Column("goal_id", String(36), primary_key=True),
    Column("owner_id", String(36), nullable=False, index=True),
)

# Each action, to know what an edit or retraction takes away from its week.
actions = Table(
    "rm_metrics_actions",
    metadata,
    Column("action_id", String(36), primary_key=True),
    Column("member_id", String(36), nullable=False),
    Column("day", Date, nullable=False),
    Column("weight", Float, nullable=False),
    Index("ix_rm_metrics_actions_member_day", "member_id", "day"),
)

# Per member and ISO week (its Monday): the summed weight `w<n>` and number `n<n>` of
# the actions on weekday n (0 Monday … 6 Sunday), so queries read one row per week.
# Actions count at local noon of their day, in the member's timezone at query time.
action_weeks = Table(
    "rm_metrics_action_weeks",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("week", Date, primary_key=True),
    *(Column(f"w{n}", Float, nullable=False, default=0.0) for n in range(7)),
    *(Column(f"n{n}", Integer, nullable=False, default=0) for n in range(7)),
)

# Reviews, completed milestones and achieved goals count at their instant.
points = Table(
    "rm_metrics_points",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("member_id", String(36), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("weight", Float, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_rm_metrics_points_member_at", "member_id", "at"),
)

reviews = Table(
    "rm_metrics_reviews",
    metadata,
    Column("review_id", String(36), primary_key=True),
    Column("member_id", String(36), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    *(Column(name, Integer, nullable=False) for name in SIGNALS),
    Index("ix_rm_metrics_reviews_member_at", "member_id", "at"),
)

# A commitment's outcome belongs to the review whose commitment it was.
outcomes = Table(
    "rm_metrics_outcomes",
    metadata,
    Column("review_id", String(36), primary_key=True),
    Column("commitment_id", String(36), primary_key=True),
    Column("kept", Boolean, nullable=False),
    Column("marked_at", UTCDateTime(), nullable=False),
)


def _action_weight(win: bool) -> float:
    return WEIGHTS["win"] if win else WEIGHTS["action"]


# Weekly tallies change by (member, Monday) -> ([weight per weekday], [count per
# weekday]); a batch of events adds up its changes and writes them once at its end.
Tally = dict[tuple[str, date], tuple[list[float], list[int]]]
_TALLY = "metrics.tally"  # key of the batch's tally in `Connection.info`
_ADD_TO_WEEK = (
    update(action_weeks)
    .where(
        action_weeks.c.member_id == bindparam("m"),
        action_weeks.c.week == bindparam("monday"),
    )
    .values(
        {
            action_weeks.c[f"{kind}{n}"]: action_weeks.c[f"{kind}{n}"]
            + bindparam(f"d{kind}{n}")
            for kind in "wn"
            for n in range(7)
        }
    )
)


def _count_action(conn: Connection, member_id: str, day: date, weight: float) -> None:
    """Add an action (weight > 0) to its week, or take one away (weight < 0)."""
    batch: Tally | None = conn.info.get(_TALLY)
    tally = {} if batch is None else batch
    weights, counts = tally.setdefault(
        (member_id, week_start(day)), ([0.0] * 7, [0] * 7)
    )
    weights[day.weekday()] += weight
    counts[day.weekday()] += 1 if weight > 0 else -1
    if batch is None:
        _write_tally(conn, tally)


def _write_tally(conn: Connection, tally: Tally) -> None:
    """Add the tally's changes to the stored weeks (three statements at most)."""
    if not tally:
        return
    stored = conn.execute(
        select(action_weeks.c.member_id, action_weeks.c.week).where(
            action_weeks.c.member_id.in_({m for m, _ in tally}),
            action_weeks.c.week.in_({monday for _, monday in tally}),
        )
    )
    known = {(m, monday) for m, monday in stored}
    changes, new = [], []
    for (member_id, monday), (weights, counts) in tally.items():
        if (member_id, monday) in known:
            values = {f"dw{n}": w for n, w in enumerate(weights)}
            values |= {f"dn{n}": c for n, c in enumerate(counts)}
            changes.append({"m": member_id, "monday": monday, **values})
        else:
            values = {f"w{n}": w for n, w in enumerate(weights)}
            values |= {f"n{n}": c for n, c in enumerate(counts)}
            new.append({"member_id": member_id, "week": monday, **values})
    if changes:
        conn.execute(_ADD_TO_WEEK, changes)
    if new:
        conn.execute(action_weeks.insert(), new)


def _action_row(conn: Connection, action_id: str) -> Any:
    """The stored action; None once its owner was erased."""
    return conn.execute(select(actions).where(actions.c.action_id == action_id)).first()


class Metrics(Projection):
    """Keeps the facts behind each member's momentum metrics."""

    name = "metrics"
    tables = (
        members,
        away_periods,
        goal_owners,
        actions,
        action_weeks,
        points,
        reviews,
        outcomes,
    )

    def apply_batch(
        self, conn: Connection, events: Sequence[tuple[Notification, Any]]
    ) -> None:
        """Apply events in order, single-row inserts sent together (`HeldInserts`)
        and the weekly tallies of actions written once for the whole batch."""
        tally: Tally = {}
        conn.info[_TALLY] = tally
        held = HeldInserts(conn)
        try:
            for notification, event in events:
                self.apply(cast(Connection, held), event, notification)
            held.flush()
            _write_tally(conn, tally)
        finally:
            del conn.info[_TALLY]

    @on("Member.Registered")
    def _registered(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            members.insert(),
            {
                "member_id": str(e.originator_id),
                "timezone": e.timezone,
                "weekly_target": DEFAULT_WEEKLY_TARGET,
            },
        )

    @on("Member.ProfileUpdated")
    def _profile_updated(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            update(members)
            .where(members.c.member_id == str(e.originator_id))
            .values(timezone=e.timezone)
        )

    @on("Member.WeeklyTargetSet")
    def _weekly_target_set(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            update(members)
            .where(members.c.member_id == str(e.originator_id))
            .values(weekly_target=e.actions_per_week)
        )

    @on("Member.AwayPeriodSet")
    def _away_period_set(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            away_periods.insert(),
            {
                "period_id": str(e.period_id),
                "member_id": str(e.originator_id),
                "starts_on": e.starts_on,
                "ends_on": e.ends_on,
            },
        )

    @on("Member.AwayPeriodCancelled")
    def _away_period_cancelled(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            delete(away_periods).where(away_periods.c.period_id == str(e.period_id))
        )

    @on("Member.Erased")
    def _erased(self, conn: Connection, e: Any, _pos: int) -> None:
        member_id = str(e.originator_id)
        for key in [k for k in conn.info.get(_TALLY, {}) if k[0] == member_id]:
            del conn.info[_TALLY][key]  # their rows go now, with what was pending
        theirs = select(reviews.c.review_id).where(reviews.c.member_id == member_id)
        conn.execute(delete(outcomes).where(outcomes.c.review_id.in_(theirs)))
        for table in (away_periods, actions, action_weeks, points, reviews, members):
            conn.execute(delete(table).where(table.c.member_id == member_id))
        conn.execute(delete(goal_owners).where(goal_owners.c.owner_id == member_id))

    @on("Goal.GoalSet")
    def _goal_set(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            goal_owners.insert(),
            {"goal_id": str(e.originator_id), "owner_id": str(e.owner_id)},
        )

    @staticmethod
    def _goal_point(conn: Connection, e: Any, key: str, kind: str) -> None:
        """A point for the goal's owner, read from this model's own goal table."""
        owner = select(
            literal(key),
            goal_owners.c.owner_id,
            literal(kind),
            literal(WEIGHTS[kind]),
            literal(e.timestamp, UTCDateTime()),
        ).where(goal_owners.c.goal_id == str(e.originator_id))
        columns = ["key", "member_id", "kind", "weight", "at"]
        conn.execute(points.insert().from_select(columns, owner))

    @on("Goal.MilestoneCompleted")
    def _milestone_completed(self, conn: Connection, e: Any, _pos: int) -> None:
        key = f"{e.originator_id}/{e.milestone_id}"
        self._goal_point(conn, e, key, "milestone")

    @on("Goal.MilestoneReopened")
    def _milestone_reopened(self, conn: Connection, e: Any, _pos: int) -> None:
        # A reopened milestone no longer counts (SPEC 5 is silent; it is not done).
        key = f"{e.originator_id}/{e.milestone_id}"
        conn.execute(delete(points).where(points.c.key == key))

    @on("Goal.GoalAchieved")
    def _goal_achieved(self, conn: Connection, e: Any, _pos: int) -> None:
        self._goal_point(conn, e, f"{e.originator_id}/achieved", "achieved")

    @on("Action.ActionLogged")
    def _action_logged(self, conn: Connection, e: Any, _pos: int) -> None:
        member_id, weight = str(e.owner_id), _action_weight(e.win)
        conn.execute(
            actions.insert(),
            {
                "action_id": str(e.originator_id),
                "member_id": member_id,
                "day": e.occurred_on,
                "weight": weight,
            },
        )
        _count_action(conn, member_id, e.occurred_on, weight)

    @on("Action.ActionEdited")
    def _action_edited(self, conn: Connection, e: Any, _pos: int) -> None:
        if "occurred_on" not in e.changes and "win" not in e.changes:
            return
        old = _action_row(conn, str(e.originator_id))
        if old is None:
            return
        day = e.changes.get("occurred_on", old.day)
        weight = _action_weight(e.changes["win"]) if "win" in e.changes else old.weight
        _count_action(conn, old.member_id, old.day, -old.weight)
        _count_action(conn, old.member_id, day, weight)
        conn.execute(
            update(actions)
            .where(actions.c.action_id == old.action_id)
            .values(day=day, weight=weight)
        )

    @on("Action.ActionRetracted")
    def _action_retracted(self, conn: Connection, e: Any, _pos: int) -> None:
        old = _action_row(conn, str(e.originator_id))
        if old is None:
            return
        _count_action(conn, old.member_id, old.day, -old.weight)
        conn.execute(delete(actions).where(actions.c.action_id == old.action_id))

    @on("Review.ReviewRecorded")
    def _review_recorded(self, conn: Connection, e: Any, _pos: int) -> None:
        review_id, owner = str(e.originator_id), str(e.owner_id)
        conn.execute(
            points.insert(),
            {
                "key": review_id,
                "member_id": owner,
                "kind": "review",
                "weight": WEIGHTS["review"],
                "at": e.timestamp,
            },
        )
        conn.execute(
            reviews.insert(),
            {
                "review_id": review_id,
                "member_id": owner,
                "at": e.timestamp,
                **e.signals,
            },
        )

    @on("Review.ReviewAmended")
    def _review_amended(self, conn: Connection, e: Any, _pos: int) -> None:
        if "signals" in e.changes:
            conn.execute(
                update(reviews)
                .where(reviews.c.review_id == str(e.originator_id))
                .values(**e.changes["signals"])
            )

    @on("Review.CommitmentKept", "Review.CommitmentMissed")
    def _commitment_marked(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            outcomes.insert(),
            {
                "review_id": str(e.originator_id),
                "commitment_id": str(e.commitment_id),
                "kept": type(e).__qualname__ == "Review.CommitmentKept",
                "marked_at": e.timestamp,
            },
        )
