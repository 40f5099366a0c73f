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

This module holds the projection (`Metrics`, a `BatchedProjection` of
`projections.batching`: its `HANDLERS` and `load`) and its database reads and writes.
The tables are in `projections.metrics_tables`; what a checkpoint holds, and the
maths that computes it from the previous one, in `projections.metrics_checkpoints`
(no database access).

The model applies a batch at a time, as the journal and the goal board do. `load`
brings in the rows the batch's events read or change, one query per table, by the
keys found in the events: the members (of member events, those who log actions and
the owners of edited actions: an action's lead is taken in its member's timezone),
the actions edited or retracted, the owners of goals that score a point, the points
of reopened milestones, the away periods cancelled, the reviews amended and the
reviews of erased members (their outcomes go too). The handlers (keyed by the
domain's event classes) change those rows in memory, in log order, into a
`MetricsBatch`: a `Batch` of the tables that also carries the batch's weekly
tallies — (member, Monday) -> the noon-equivalent weight and the number of actions
per weekday that the batch adds or takes away — and, per member it touched, the
earliest day it touched. An erasure purges the member's rows (in memory now, in the
database first thing when the batch is written) and drops what was pending for them.
`MetricsBatch.write` sends the facts in bulk (deletes, one upsert per table), then
adds the tallies to the weeks and recomputes the checkpoints of the members touched,
each from the week it touched on, once per batch: an action from its day, a timed
point from its instant, an away period from its first day, a new timezone (it moves
every noon and week boundary) or weekly target (every streak) from the first week.
The weeks (and the members' clocks and timed points) are read with a few statements
per group of members — those touched recently together, those touched from the
first week together, anyone else touched far back alone — and written in bulk too
(deletes, one upsert).

A replay into fresh tables (a blue/green rebuild, `Metrics.replay_batch`) adds each
batch's tallies to the weeks without reading them (`batching.merge_rows`) and leaves
the checkpoints for `Metrics.replayed`, which computes every member's once, from
their first week (`recompute_all`).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from eventsourcing.persistence import Notification
from sqlalchemy import BindParameter, Connection, bindparam, delete, func, select

from projections.batching import (
    Batch,
    BatchedProjection,
    Handlers,
    Rows,
    merge_rows,
)
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
from service.domain.action import Action
from service.domain.goal import Goal
from service.domain.member import DEFAULT_WEEKLY_TARGET, Member
from service.domain.review import Review

FROM_THE_START = date.min  # a Monday: recompute every week of the member

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
MARGIN = timedelta(weeks=2)
RECENT_DAYS = 56  # members touched this close to the latest are read together


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


# --- The batch -----------------------------------------------------------------------

# Weekly tallies change by (member, Monday) -> ([weight per weekday], [count per
# weekday]); the checkpoints of the members touched change from a day on.
Tally = dict[tuple[str, date], tuple[list[float], list[int]]]
Dirty = dict[str, date]
FACTS = (members, away_periods, goal_owners, actions, points, reviews, outcomes)


class MetricsBatch(Batch):
    """The facts' rows a batch touches (`Batch`), the action weeks it purges, and
    what it changes in the weeks: `tally` and `dirty` (from which day on each member
    touched has its checkpoints recomputed). A batch of a replay into fresh tables
    (`replaying`) adds its tallies to the weeks and leaves the checkpoints for
    `Metrics.replayed`."""

    def __init__(self, *, replaying: bool = False) -> None:
        super().__init__((*FACTS, action_weeks))
        self.tally: Tally = {}
        self.dirty: Dirty = {}
        self.replaying = replaying

    def touched(self, member_id: str, day: date) -> None:
        """The member's checkpoints change from the week of `day` on."""
        dirty = self.dirty
        dirty[member_id] = min(day, dirty.get(member_id, day))

    def touched_at(self, member_id: str, at: datetime) -> None:
        """The member's checkpoints change from the week of the instant `at` on (in
        any timezone its local date is at most a day before its UTC date)."""
        self.touched(member_id, at.astimezone(UTC).date() - timedelta(days=1))

    def count_action(
        self, member_id: str, day: date, weight: float, lead: float, sign: int
    ) -> None:
        """Add an action (sign 1) to its week, or take one away (sign −1): its
        noon-equivalent weight and its count."""
        weights, counts = self.tally.setdefault(
            (member_id, week_start(day)), ([0.0] * 7, [0] * 7)
        )
        weights[day.weekday()] += sign * noon_equivalent(weight, lead)
        counts[day.weekday()] += sign
        self.touched(member_id, day)

    def forget(self, member_id: str) -> None:
        """Drop what was pending for an erased member (their rows are purged)."""
        for key in [k for k in self.tally if k[0] == member_id]:
            del self.tally[key]
        self.dirty.pop(member_id, None)

    def write(self, conn: Connection) -> None:
        """The facts (and the purges of weeks) in bulk, then the weeks of the members
        touched, their checkpoints recomputed from what is now stored."""
        super().write(conn)
        if self.replaying:
            rows = [
                _tally_row(m, monday, *change)
                for (m, monday), change in self.tally.items()
            ]
            merge_rows(conn, action_weeks, rows, ADD_TALLIES)
        elif self.dirty:
            weeks = Batch([action_weeks])
            _write_weeks(conn, self.tally, self.dirty, weeks[action_weeks])
            weeks.write(conn)


TALLIES = tuple(f"w{n}" for n in range(7)) + tuple(f"n{n}" for n in range(7))
"""The columns of a week that batches add to (the rest is its checkpoint)."""
ADD_TALLIES = dict.fromkeys(TALLIES, operator.add)


def _tally_row(
    member_id: str, monday: date, weights: list[float], counts: list[int]
) -> dict[str, Any]:
    """A week's row with a batch's tally and no checkpoint yet."""
    return _week_row(
        member_id,
        StoredWeek.empty(monday)._replace(weights=tuple(weights), counts=tuple(counts)),
    )


def recompute_all(conn: Connection, group: int = 500) -> None:
    """Every member's checkpoints from their first week, `group` members at a
    time (after a replay that only added tallies); the weeks of members this model
    does not know go."""
    known = conn.execute(select(members.c.member_id).order_by(members.c.member_id))
    ids = list(known.scalars())
    for start in range(0, len(ids), group):
        chosen = ids[start : start + group]
        weeks = Batch([action_weeks])
        dirty = dict.fromkeys(chosen, FROM_THE_START)
        _write_weeks(conn, {}, dirty, weeks[action_weeks])
        weeks.write(conn)
    unknown = ~action_weeks.c.member_id.in_(select(members.c.member_id))
    conn.execute(delete(action_weeks).where(unknown))


def _write_weeks(conn: Connection, tally: Tally, dirty: Dirty, out: Rows) -> None:
    """Add the batch's tallies to the weeks and recompute the checkpoints of the
    members it touched, each from the week it touched on, into `out`: in bulk for
    the usual recent changes and for the members touched from the start (a new
    timezone or target), alone for a member touched far back otherwise. A member
    this model does not know has no weeks."""
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
    recent = {m for m, monday in since.items() if (newest - monday).days <= RECENT_DAYS}
    whole = {m for m, monday in since.items() if monday == FROM_THE_START} - recent
    groups = [sorted(recent), sorted(whole)]
    groups += [[m] for m in sorted(set(since) - recent - whole)]
    for group in [g for g in groups if g]:
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
            _write_member(m, since[m], member, weeks[m], changes, timed[m], out)


def _write_member(
    member_id: str,
    since: date,
    member: MemberClock,
    rows: list[StoredWeek],
    tally: dict[date, tuple[list[float], list[int]]],
    timed: list[tuple[datetime, float, str]],
    out: Rows,
) -> None:
    """The member's weeks from the week `since` on, in order, with their tallies
    added: a row for each week with a point, its checkpoint recomputed (written if
    it changed); no row for a week without one."""
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
                out.delete((member_id, monday))
            continue
        new = next_week(before, weeks[monday], by_week.get(monday, []), member, known)
        if new != stored.get(monday):
            out.insert(**_week_row(member_id, new))
        known[monday] = before = new


def _week_row(member_id: str, week: StoredWeek) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "week": week.monday,
        **{f"w{n}": w for n, w in enumerate(week.weights)},
        **{f"n{n}": c for n, c in enumerate(week.counts)},
        "raw_end": week.raw_end,
        "run": week.run,
        "review_run": week.review_run,
        "last_day": week.last_day,
    }


# --- The projection ------------------------------------------------------------------

HANDLERS = Handlers[MetricsBatch]()
"""The handler of each event class: (batch, event, log position)."""
MEMBER_EVENTS = (
    Member.Registered,
    Member.ProfileUpdated,
    Member.WeeklyTargetSet,
    Member.Erased,
)
GOAL_POINTS = (Goal.MilestoneCompleted, Goal.GoalAchieved)
ACTION_CHANGES = (Action.ActionEdited, Action.ActionRetracted)


class Metrics(BatchedProjection[MetricsBatch]):
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
    handlers = HANDLERS

    def new_batch(self) -> MetricsBatch:
        return MetricsBatch()

    def replay_batch(
        self, conn: Connection, events: Sequence[tuple[Notification, Any]]
    ) -> None:
        """Into fresh tables: the facts, and the weeks' tallies added in bulk
        without reading them; the checkpoints wait for `replayed`. (Recomputing
        the checkpoints of every member a batch touches, batch after batch, was
        the largest part of a rebuild at a million events.)"""
        self._fold(conn, events, lambda: MetricsBatch(replaying=True))

    def replayed(self, conn: Connection) -> None:
        recompute_all(conn)

    def load(
        self, conn: Connection, batch: MetricsBatch, events: Sequence[Any]
    ) -> None:
        _load(conn, batch, events)


def _load(conn: Connection, b: MetricsBatch, events: Sequence[Any]) -> None:
    """The rows the events read or change, by the keys found in them, one query per
    table: actions first (an edit reads its member's timezone), then members, goal
    owners, points, away periods and reviews (by id, and by member for erasures:
    their reviews' outcomes go too)."""
    member_ids: set[str] = set()
    erased: set[str] = set()
    goal_ids: set[str] = set()
    action_ids: set[str] = set()
    point_keys: set[str] = set()
    period_ids: set[str] = set()
    review_ids: set[str] = set()
    for e in events:
        kind = type(e)
        origin = str(e.originator_id)
        if kind is Action.ActionLogged:
            member_ids.add(str(e.owner_id))
        elif kind in ACTION_CHANGES:
            action_ids.add(origin)
        elif kind in MEMBER_EVENTS:
            member_ids.add(origin)
            if kind is Member.Erased:
                erased.add(origin)
        elif kind is Member.AwayPeriodCancelled:
            period_ids.add(str(e.period_id))
        elif kind in GOAL_POINTS:
            goal_ids.add(origin)
        elif kind is Goal.MilestoneReopened:
            point_keys.add(f"{origin}/{e.milestone_id}")
        elif kind is Review.ReviewAmended:
            review_ids.add(origin)
    b.load(conn, actions, action_id=action_ids)
    loaded = b[actions]
    for action_id in action_ids:
        row = loaded.get(action_id)
        if row is not None:
            member_ids.add(row["member_id"])
    b.load(conn, members, member_id=member_ids)
    b.load(conn, goal_owners, goal_id=goal_ids)
    b.load(conn, points, key=point_keys)
    b.load(conn, away_periods, period_id=period_ids)
    b.load(conn, reviews, review_id=review_ids, member_id=erased)


def _action_weight(win: bool) -> float:
    return WEIGHTS["win"] if win else WEIGHTS["action"]


def _lead(b: MetricsBatch, member_id: str, logged: datetime, day: date) -> float:
    """The lead of an action of `day` logged at `logged` (`formulas.noon_lead`) in
    the member's timezone now; 0 for an earlier day (no timezone read) or a member
    this model does not know."""
    utc_day = logged.astimezone(UTC).date()
    if not utc_day - timedelta(days=1) <= day <= utc_day + timedelta(days=1):
        return 0.0  # a local date is within a day of the UTC date
    member = b[members].get(member_id)
    return 0.0 if member is None else noon_lead(logged, day, member["timezone"])


@HANDLERS.on(Member.Registered)
def _registered(b: MetricsBatch, e: Member.Registered, _pos: int) -> None:
    b[members].insert(
        member_id=str(e.originator_id),
        timezone=e.timezone,
        weekly_target=DEFAULT_WEEKLY_TARGET,
        joined_at=e.timestamp,
    )


@HANDLERS.on(Member.ProfileUpdated)
def _profile_updated(b: MetricsBatch, e: Member.ProfileUpdated, _pos: int) -> None:
    member_id = str(e.originator_id)
    member = b[members].get(member_id)
    if member is not None and member["timezone"] != e.timezone:
        b[members].update(member_id, timezone=e.timezone)
        b.touched(member_id, FROM_THE_START)  # every noon and every week boundary


@HANDLERS.on(Member.WeeklyTargetSet)
def _weekly_target_set(b: MetricsBatch, e: Member.WeeklyTargetSet, _pos: int) -> None:
    member_id = str(e.originator_id)
    member = b[members].get(member_id)
    if member is not None and member["weekly_target"] != e.actions_per_week:
        b[members].update(member_id, weekly_target=e.actions_per_week)
        b.touched(member_id, FROM_THE_START)  # every streak


@HANDLERS.on(Member.AwayPeriodSet)
def _away_period_set(b: MetricsBatch, e: Member.AwayPeriodSet, _pos: int) -> None:
    b[away_periods].insert(
        period_id=str(e.period_id),
        member_id=str(e.originator_id),
        starts_on=e.starts_on,
        ends_on=e.ends_on,
    )
    b.touched(str(e.originator_id), e.starts_on)


@HANDLERS.on(Member.AwayPeriodCancelled)
def _away_period_cancelled(
    b: MetricsBatch, e: Member.AwayPeriodCancelled, _pos: int
) -> None:
    period_id = str(e.period_id)
    found = b[away_periods].get(period_id)
    if found is None:
        return
    b[away_periods].delete(period_id)
    b.touched(found["member_id"], found["starts_on"])


@HANDLERS.on(Member.Erased)
def _erased(b: MetricsBatch, e: Member.Erased, _pos: int) -> None:
    """Purge every row of the member, and what the batch held for them."""
    member = [str(e.originator_id)]
    b.forget(member[0])
    theirs = [row["review_id"] for row in b[reviews].where("member_id", member[0])]
    b[outcomes].purge("review_id", theirs)
    for table in (away_periods, actions, action_weeks, points, reviews):
        b[table].purge("member_id", member)
    b[goal_owners].purge("owner_id", member)
    b[members].delete(member[0])


@HANDLERS.on(Goal.GoalSet)
def _goal_set(b: MetricsBatch, e: Goal.GoalSet, _pos: int) -> None:
    b[goal_owners].insert(goal_id=str(e.originator_id), owner_id=str(e.owner_id))


def _point(b: MetricsBatch, member_id: str, key: str, kind: str, at: datetime) -> None:
    b[points].insert(
        key=key, member_id=member_id, kind=kind, weight=WEIGHTS[kind], at=at
    )
    b.touched_at(member_id, at)


def _goal_point(
    b: MetricsBatch,
    e: Goal.MilestoneCompleted | Goal.GoalAchieved,
    key: str,
    kind: str,
) -> None:
    """A point for the goal's owner, read from this model's own goal table."""
    goal = b[goal_owners].get(str(e.originator_id))
    if goal is not None:
        _point(b, goal["owner_id"], key, kind, e.timestamp)


@HANDLERS.on(Goal.MilestoneCompleted)
def _milestone_completed(
    b: MetricsBatch, e: Goal.MilestoneCompleted, _pos: int
) -> None:
    _goal_point(b, e, f"{e.originator_id}/{e.milestone_id}", "milestone")


@HANDLERS.on(Goal.MilestoneReopened)
def _milestone_reopened(b: MetricsBatch, e: Goal.MilestoneReopened, _pos: int) -> None:
    # A reopened milestone no longer counts (SPEC 5 is silent; it is not done).
    key = f"{e.originator_id}/{e.milestone_id}"
    found = b[points].get(key)
    if found is None:
        return
    b[points].delete(key)
    b.touched_at(found["member_id"], found["at"])


@HANDLERS.on(Goal.GoalAchieved)
def _goal_achieved(b: MetricsBatch, e: Goal.GoalAchieved, _pos: int) -> None:
    _goal_point(b, e, f"{e.originator_id}/achieved", "achieved")


@HANDLERS.on(Action.ActionLogged)
def _action_logged(b: MetricsBatch, e: Action.ActionLogged, _pos: int) -> None:
    member_id, weight = str(e.owner_id), _action_weight(e.win)
    lead = _lead(b, member_id, e.timestamp, e.occurred_on)
    b[actions].insert(
        action_id=str(e.originator_id),
        member_id=member_id,
        day=e.occurred_on,
        weight=weight,
        lead=lead,
        logged_at=e.timestamp,
    )
    b.count_action(member_id, e.occurred_on, weight, lead, 1)


@HANDLERS.on(Action.ActionEdited)
def _action_edited(b: MetricsBatch, e: Action.ActionEdited, _pos: int) -> None:
    """A new weight keeps the lead; a new day takes the lead it would have had if
    the action had been logged for that day at its original logging instant (in the
    member's timezone at the edit)."""
    if "occurred_on" not in e.changes and "win" not in e.changes:
        return
    action_id = str(e.originator_id)
    old = b[actions].get(action_id)
    if old is None:
        return
    member_id, old_day, old_weight, old_lead = (
        old["member_id"],
        old["day"],
        old["weight"],
        old["lead"],
    )
    day = e.changes.get("occurred_on", old_day)
    weight = _action_weight(e.changes["win"]) if "win" in e.changes else old_weight
    lead = old_lead
    if day != old_day:
        lead = _lead(b, member_id, old["logged_at"], day)
    b.count_action(member_id, old_day, old_weight, old_lead, -1)
    b.count_action(member_id, day, weight, lead, 1)
    b[actions].update(action_id, day=day, weight=weight, lead=lead)


@HANDLERS.on(Action.ActionRetracted)
def _action_retracted(b: MetricsBatch, e: Action.ActionRetracted, _pos: int) -> None:
    action_id = str(e.originator_id)
    old = b[actions].get(action_id)
    if old is None:
        return
    b.count_action(old["member_id"], old["day"], old["weight"], old["lead"], -1)
    b[actions].delete(action_id)


@HANDLERS.on(Review.ReviewRecorded)
def _review_recorded(b: MetricsBatch, e: Review.ReviewRecorded, _pos: int) -> None:
    review_id, owner = str(e.originator_id), str(e.owner_id)
    _point(b, owner, review_id, "review", e.timestamp)
    b[reviews].insert(review_id=review_id, member_id=owner, at=e.timestamp, **e.signals)


@HANDLERS.on(Review.ReviewAmended)
def _review_amended(b: MetricsBatch, e: Review.ReviewAmended, _pos: int) -> None:
    if "signals" in e.changes:
        b[reviews].update(str(e.originator_id), **e.changes["signals"])


@HANDLERS.on(Review.CommitmentKept, Review.CommitmentMissed)
def _commitment_marked(
    b: MetricsBatch, e: Review.CommitmentKept | Review.CommitmentMissed, _pos: int
) -> None:
    b[outcomes].insert(
        review_id=str(e.originator_id),
        commitment_id=str(e.commitment_id),
        kept=type(e) is Review.CommitmentKept,
        marked_at=e.timestamp,
    )
