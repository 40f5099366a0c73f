"""Momentum metrics read model (SPEC 4, 5): the projection that keeps the facts the
metrics are computed from, and per member and ISO week a checkpoint that makes
reading them cheap.

The facts — each member's timezone and target, away periods, the weighted points
(actions by their local day, tallied per ISO week with their noon-equivalent weights:
an action decays from when it was logged or its day's noon, whichever is earlier;
reviews, completed milestones and achieved goals by their instant), review signals
and commitment outcomes — do not depend on the time of reading:
`projections.metrics_queries` computes momentum, streaks and rut risk for a given
`now`, so an idle member's momentum falls with no new event.

This module holds the projection (`Metrics`: its `@on` handlers and `apply_batch`)
and its database reads and writes. The tables are in `projections.metrics_tables`;
what a checkpoint holds, and the maths that computes it from the previous one, in
`projections.metrics_checkpoints` (no database access).

A change recomputes the checkpoints from the week it touches on, once per batch: an
action from its day, a timed point from its instant, an away period from its first
day, a new timezone (it moves every noon and week boundary) or weekly target (every
streak) from the first week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from eventsourcing.persistence import Notification
from sqlalchemy import (
    BindParameter,
    Connection,
    bindparam,
    delete,
    func,
    select,
    update,
)

from projections.base import Projection, on
from projections.batching import HeldInserts
from projections.formulas import WEIGHTS, noon_equivalent, noon_lead, week_start
from projections.metrics_checkpoints import MemberClock, StoredWeek, next_week
from projections.metrics_tables import (
    action_weeks,
    actions,
    away_periods,
    goal_owners,
    members,
    outcomes,
    points,
    reviews,
)
from service.domain.member import DEFAULT_WEEKLY_TARGET

FROM_THE_START = date.min  # a Monday: recompute every week of the member


def _action_weight(win: bool) -> float:
    return WEIGHTS["win"] if win else WEIGHTS["action"]


def _timezones(
    conn: Connection, events: Sequence[tuple[Notification, Any]]
) -> dict[str, str | None]:
    """The timezones of the members who log actions in a batch, in one statement
    (a lead is taken in the member's timezone); None for a member not known yet."""
    ids = sorted(
        {
            str(e.owner_id)
            for _, e in events
            if type(e).__qualname__ == "Action.ActionLogged"
        }
    )
    if not ids:
        return {}
    zones: dict[str, str | None] = dict.fromkeys(ids)
    found = select(members.c.member_id, members.c.timezone)
    for member_id, timezone in conn.execute(
        found.where(members.c.member_id.in_(_IDS)), {"ids": ids}
    ).all():
        zones[member_id] = timezone
    return zones


def _lead(conn: Connection, member_id: str, logged: datetime, day: date) -> float:
    """The lead of an action of `day` logged at `logged` (`formulas.noon_lead`) in
    the member's timezone now; 0 for an earlier day (no timezone read) or a member
    this model does not know."""
    utc_day = logged.astimezone(UTC).date()
    if not utc_day - timedelta(days=1) <= day <= utc_day + timedelta(days=1):
        return 0.0  # a local date is within a day of the UTC date
    zones: dict[str, str | None] = conn.info[_ZONES]
    if member_id not in zones:
        zones[member_id] = conn.execute(
            select(members.c.timezone).where(members.c.member_id == member_id)
        ).scalar()
    timezone = zones[member_id]
    return 0.0 if timezone is None else noon_lead(logged, day, timezone)


# Weekly tallies change by (member, Monday) -> ([weight per weekday], [count per
# weekday]); a batch of events adds up its changes and writes them once at its end,
# with the checkpoints of the members it touched, each from the earliest day touched.
Tally = dict[tuple[str, date], tuple[list[float], list[int]]]
Dirty = dict[str, date]
_TALLY = "metrics.tally"  # keys of the batch's tally and dirty members in `info`
_DIRTY = "metrics.dirty"
_ZONES = "metrics.zones"  # and of the members' timezones read in the batch
_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_ALL_WEEKS = select(action_weeks).where(action_weeks.c.member_id.in_(_IDS))
_WEEKS_SINCE = _ALL_WEEKS.where(action_weeks.c.week >= bindparam("since"))
_earlier = action_weeks.alias("earlier")
_LAST_WEEK_BEFORE = (
    select(action_weeks)
    .join(members, members.c.member_id == action_weeks.c.member_id)
    .where(
        members.c.member_id.in_(_IDS),
        action_weeks.c.week
        == select(func.max(_earlier.c.week))
        .where(
            _earlier.c.member_id == members.c.member_id,
            _earlier.c.week < bindparam("since"),
        )
        .scalar_subquery(),  # one index seek per member
    )
)
_POINTS = select(points.c.member_id, points.c.at, points.c.weight, points.c.kind).where(
    points.c.member_id.in_(_IDS)
)
_POINTS_SINCE = _POINTS.where(points.c.at >= bindparam("start"))
# Members `ids` with their timezone, target, when they joined and away periods (one
# row for each period).
MEMBERS_AWAY = (
    select(
        members.c.member_id,
        members.c.timezone,
        members.c.weekly_target,
        members.c.joined_at,
        away_periods.c.starts_on,
        away_periods.c.ends_on,
    )
    .outerjoin(away_periods, away_periods.c.member_id == members.c.member_id)
    .where(members.c.member_id.in_(_IDS))
)
_WEEK_KEY = (
    action_weeks.c.member_id == bindparam("m"),
    action_weeks.c.week == bindparam("monday"),
)
_VALUES = [c.name for c in action_weeks.columns if not c.primary_key]
_SET_WEEK = (
    update(action_weeks)
    .where(*_WEEK_KEY)
    .values({action_weeks.c[name]: bindparam(f"new_{name}") for name in _VALUES})
)
_DROP_WEEK = delete(action_weeks).where(*_WEEK_KEY)
MARGIN = timedelta(weeks=2)


def stored_weeks(
    conn: Connection, member_ids: list[str], since: date
) -> dict[str, list[StoredWeek]]:
    """The members' stored weeks from the Monday `since` on and at least the last
    one before it (its checkpoint sums up the earlier ones), in order.

    Read from two weeks before `since`: a second statement fetches the last week
    before those only for the members who have none in them (quiet members)."""
    found: dict[str, list[StoredWeek]] = {m: [] for m in member_ids}
    if since == FROM_THE_START:
        rows = list(conn.execute(_ALL_WEEKS, {"ids": member_ids}).all())
    else:
        start = since - MARGIN
        params = {"ids": member_ids, "since": start}
        rows = list(conn.execute(_WEEKS_SINCE, params).all())
        quiet = set(member_ids).difference(row[0] for row in rows if row[1] < since)
        if quiet:
            params = {"ids": sorted(quiet), "since": start}
            rows += conn.execute(_LAST_WEEK_BEFORE, params).all()
    for row in rows:
        member_id, week = StoredWeek.of(row)
        found[member_id].append(week)
    for weeks in found.values():
        weeks.sort()
    return found


def _touched(conn: Connection, member_id: str, day: date) -> None:
    """The member's checkpoints change from the week of `day` on."""
    dirty: Dirty = conn.info[_DIRTY]
    dirty[member_id] = min(day, dirty.get(member_id, day))


def _touched_at(conn: Connection, member_id: str, at: datetime) -> None:
    """The member's checkpoints change from the week of the instant `at` on (in any
    timezone its local date is at most a day before its UTC date)."""
    _touched(conn, member_id, at.astimezone(UTC).date() - timedelta(days=1))


def _count_action(
    conn: Connection, member_id: str, day: date, weight: float, lead: float, sign: int
) -> None:
    """Add an action (sign 1) to its week, or take one away (sign −1): its
    noon-equivalent weight and its count."""
    tally: Tally = conn.info[_TALLY]
    weights, counts = tally.setdefault(
        (member_id, week_start(day)), ([0.0] * 7, [0] * 7)
    )
    weights[day.weekday()] += sign * noon_equivalent(weight, lead)
    counts[day.weekday()] += sign
    _touched(conn, member_id, day)


@dataclass
class _Writes:
    """Week rows to insert, update and delete, sent once per batch."""

    inserts: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    deletes: list[dict[str, Any]]

    def save(self, member_id: str, old: StoredWeek | None, new: StoredWeek) -> None:
        values = {
            **{f"w{n}": w for n, w in enumerate(new.weights)},
            **{f"n{n}": c for n, c in enumerate(new.counts)},
            "raw_end": new.raw_end,
            "run": new.run,
            "review_run": new.review_run,
            "last_day": new.last_day,
        }
        if old is None:
            self.inserts.append({"member_id": member_id, "week": new.monday, **values})
        elif old != new:
            key = {"m": member_id, "monday": new.monday}
            self.updates.append(key | {f"new_{k}": v for k, v in values.items()})

    def send(self, conn: Connection) -> None:
        if self.deletes:
            conn.execute(_DROP_WEEK, self.deletes)
        if self.updates:
            conn.execute(_SET_WEEK, self.updates)
        if self.inserts:
            conn.execute(action_weeks.insert(), self.inserts)


def _write_weeks(conn: Connection, tally: Tally, dirty: Dirty) -> None:
    """Add the batch's tallies to the weeks and recompute the checkpoints of the
    members it touched, each from the week it touched on: in bulk for the usual
    recent changes, alone for a member touched far back (every week, after a new
    timezone or target). A member this model does not know has no weeks."""
    targets: dict[str, tuple[str, int]] = {}
    periods: dict[str, list[tuple[date, date]]] = {}
    found = conn.execute(MEMBERS_AWAY, {"ids": list(dirty)}).all()
    for member_id, timezone, target, _joined, starts_on, ends_on in found:
        targets[member_id] = (timezone, target)
        periods.setdefault(member_id, [])
        if starts_on is not None:
            periods[member_id].append((starts_on, ends_on))
    since = {m: week_start(dirty[m]) for m in targets}
    tallies: dict[str, dict[date, tuple[list[float], list[int]]]] = {}
    for (member_id, monday), change in tally.items():
        tallies.setdefault(member_id, {})[monday] = change
    if not since:
        return
    newest = max(since.values())
    recent = {m for m, monday in since.items() if (newest - monday).days <= 56}
    writes = _Writes([], [], [])
    for group in [sorted(recent)] + [[m] for m in sorted(set(since) - recent)]:
        low = min(since[m] for m in group)
        weeks = stored_weeks(conn, group, low)
        timed: dict[str, list[tuple[datetime, float, str]]] = {m: [] for m in group}
        if low > FROM_THE_START:
            start = datetime.combine(low, time(0), UTC) - timedelta(days=1)
            points_read = conn.execute(_POINTS_SINCE, {"ids": group, "start": start})
        else:
            points_read = conn.execute(_POINTS, {"ids": group})
        for member_id, at, weight, kind in points_read.all():
            timed[member_id].append((at, weight, kind))
        for m in group:
            member = MemberClock.of(*targets[m], periods[m])
            changes = tallies.get(m, {})
            _write_member(m, since[m], member, weeks[m], changes, timed[m], writes)
    writes.send(conn)


def _write_member(
    member_id: str,
    since: date,
    member: MemberClock,
    rows: list[StoredWeek],
    tally: dict[date, tuple[list[float], list[int]]],
    timed: list[tuple[datetime, float, str]],
    writes: _Writes,
) -> None:
    """The member's weeks from the week `since` on, in order, with their tallies
    added: a row for each week with a point, its checkpoint recomputed; no row for
    a week without one."""
    before, stored = None, {}
    for week in rows:
        if week.monday < since:
            before = week
        else:
            stored[week.monday] = week
    weeks = dict(stored)
    for monday, (weights, counts) in tally.items():
        old = weeks.get(monday) or StoredWeek.empty(monday)
        weeks[monday] = old._replace(
            weights=tuple(a + b for a, b in zip(old.weights, weights, strict=True)),
            counts=tuple(a + b for a, b in zip(old.counts, counts, strict=True)),
        )
    by_week: dict[date, list[tuple[datetime, float, str]]] = {}
    for at, weight, kind in timed:
        monday = week_start(at.astimezone(member.zone).date())
        if monday >= since:
            by_week.setdefault(monday, []).append((at, weight, kind))
            weeks.setdefault(monday, StoredWeek.empty(monday))
    known = {} if before is None else {before.monday: before}
    for monday in sorted(weeks):
        if monday not in by_week and not any(weeks[monday].counts):
            if monday in stored:
                writes.deletes.append({"m": member_id, "monday": monday})
            continue
        new = next_week(before, weeks[monday], by_week.get(monday, []), member, known)
        writes.save(member_id, stored.get(monday), new)
        known[monday] = before = new


def _action_row(conn: Connection, action_id: str) -> Any:
    """The stored action; None once its owner was erased."""
    return conn.execute(select(actions).where(actions.c.action_id == action_id)).first()


class Metrics(Projection):
    """Keeps the facts behind each member's momentum metrics, and the checkpoints."""

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

    def apply(self, conn: Connection, event: Any, notification: Notification) -> None:
        """One event on its own: a batch of one."""
        self.apply_batch(conn, [(notification, event)])

    def apply_batch(
        self, conn: Connection, events: Sequence[tuple[Notification, Any]]
    ) -> None:
        """Apply events in order, single-row inserts sent together (`HeldInserts`),
        the weekly tallies of actions written once for the whole batch, then the
        checkpoints of the members it touched recomputed once."""
        tally: Tally = {}
        dirty: Dirty = {}
        conn.info[_TALLY], conn.info[_DIRTY] = tally, dirty
        conn.info[_ZONES] = _timezones(conn, events)
        held = HeldInserts(conn)
        try:
            for notification, event in events:
                Projection.apply(self, cast(Connection, held), event, notification)
            held.flush()
            _write_weeks(conn, tally, dirty)
        finally:
            del conn.info[_TALLY], conn.info[_DIRTY], conn.info[_ZONES]

    @on("Member.Registered")
    def _registered(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.info[_ZONES][str(e.originator_id)] = e.timezone
        conn.execute(
            members.insert(),
            {
                "member_id": str(e.originator_id),
                "timezone": e.timezone,
                "weekly_target": DEFAULT_WEEKLY_TARGET,
                "joined_at": e.timestamp,
            },
        )

    @on("Member.ProfileUpdated")
    def _profile_updated(self, conn: Connection, e: Any, _pos: int) -> None:
        member = members.c.member_id == str(e.originator_id)
        conn.info[_ZONES].pop(str(e.originator_id), None)
        moved = conn.execute(
            update(members)
            .where(member, members.c.timezone != e.timezone)
            .values(timezone=e.timezone)
        )
        if moved.rowcount:  # every noon and every week boundary moved
            _touched(conn, str(e.originator_id), FROM_THE_START)

    @on("Member.WeeklyTargetSet")
    def _weekly_target_set(self, conn: Connection, e: Any, _pos: int) -> None:
        member = members.c.member_id == str(e.originator_id)
        changed = conn.execute(
            update(members)
            .where(member, members.c.weekly_target != e.actions_per_week)
            .values(weekly_target=e.actions_per_week)
        )
        if changed.rowcount:  # every streak
            _touched(conn, str(e.originator_id), FROM_THE_START)

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
        _touched(conn, str(e.originator_id), e.starts_on)

    @on("Member.AwayPeriodCancelled")
    def _away_period_cancelled(self, conn: Connection, e: Any, _pos: int) -> None:
        period = away_periods.c.period_id == str(e.period_id)
        found = conn.execute(select(away_periods).where(period)).first()
        if found is None:
            return
        conn.execute(delete(away_periods).where(period))
        _touched(conn, found.member_id, found.starts_on)

    @on("Member.Erased")
    def _erased(self, conn: Connection, e: Any, _pos: int) -> None:
        member_id = str(e.originator_id)
        for key in [k for k in conn.info[_TALLY] if k[0] == member_id]:
            del conn.info[_TALLY][key]  # their rows go now, with what was pending
        conn.info[_DIRTY].pop(member_id, None)
        conn.info[_ZONES].pop(member_id, None)
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
    def _point(
        conn: Connection, member_id: str, key: str, kind: str, at: datetime
    ) -> None:
        conn.execute(
            points.insert(),
            {
                "key": key,
                "member_id": member_id,
                "kind": kind,
                "weight": WEIGHTS[kind],
                "at": at,
            },
        )
        _touched_at(conn, member_id, at)

    def _goal_point(self, conn: Connection, e: Any, key: str, kind: str) -> None:
        """A point for the goal's owner, read from this model's own goal table."""
        owner = conn.execute(
            select(goal_owners.c.owner_id).where(
                goal_owners.c.goal_id == str(e.originator_id)
            )
        ).scalar()
        if owner is not None:
            self._point(conn, owner, key, kind, e.timestamp)

    @on("Goal.MilestoneCompleted")
    def _milestone_completed(self, conn: Connection, e: Any, _pos: int) -> None:
        key = f"{e.originator_id}/{e.milestone_id}"
        self._goal_point(conn, e, key, "milestone")

    @on("Goal.MilestoneReopened")
    def _milestone_reopened(self, conn: Connection, e: Any, _pos: int) -> None:
        # A reopened milestone no longer counts (SPEC 5 is silent; it is not done).
        key = points.c.key == f"{e.originator_id}/{e.milestone_id}"
        found = conn.execute(select(points.c.member_id, points.c.at).where(key)).first()
        if found is None:
            return
        conn.execute(delete(points).where(key))
        _touched_at(conn, found.member_id, found.at)

    @on("Goal.GoalAchieved")
    def _goal_achieved(self, conn: Connection, e: Any, _pos: int) -> None:
        self._goal_point(conn, e, f"{e.originator_id}/achieved", "achieved")

    @on("Action.ActionLogged")
    def _action_logged(self, conn: Connection, e: Any, _pos: int) -> None:
        member_id, weight = str(e.owner_id), _action_weight(e.win)
        lead = _lead(conn, member_id, e.timestamp, e.occurred_on)
        conn.execute(
            actions.insert(),
            {
                "action_id": str(e.originator_id),
                "member_id": member_id,
                "day": e.occurred_on,
                "weight": weight,
                "lead": lead,
                "logged_at": e.timestamp,
            },
        )
        _count_action(conn, member_id, e.occurred_on, weight, lead, 1)

    @on("Action.ActionEdited")
    def _action_edited(self, conn: Connection, e: Any, _pos: int) -> None:
        """A new weight keeps the lead; a new day takes the lead it would have had
        if the action had been logged for that day at its original logging instant
        (in the member's timezone at the edit)."""
        if "occurred_on" not in e.changes and "win" not in e.changes:
            return
        old = _action_row(conn, str(e.originator_id))
        if old is None:
            return
        day = e.changes.get("occurred_on", old.day)
        weight = _action_weight(e.changes["win"]) if "win" in e.changes else old.weight
        lead = old.lead
        if day != old.day:
            lead = _lead(conn, old.member_id, old.logged_at, day)
        _count_action(conn, old.member_id, old.day, old.weight, old.lead, -1)
        _count_action(conn, old.member_id, day, weight, lead, 1)
        conn.execute(
            update(actions)
            .where(actions.c.action_id == old.action_id)
            .values(day=day, weight=weight, lead=lead)
        )

    @on("Action.ActionRetracted")
    def _action_retracted(self, conn: Connection, e: Any, _pos: int) -> None:
        old = _action_row(conn, str(e.originator_id))
        if old is None:
            return
        _count_action(conn, old.member_id, old.day, old.weight, old.lead, -1)
        conn.execute(delete(actions).where(actions.c.action_id == old.action_id))

    @on("Review.ReviewRecorded")
    def _review_recorded(self, conn: Connection, e: Any, _pos: int) -> None:
        review_id, owner = str(e.originator_id), str(e.owner_id)
        self._point(conn, owner, review_id, "review", e.timestamp)
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
