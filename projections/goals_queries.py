"""Goal board queries: cards with progress %, on track, safety buffer, next milestone,
days since the last action and the stalled flag, all computed for a given `now`.

Every query that takes a `viewer_id` shows only what SPEC 9 lets that viewer see; a
goal the viewer may not see is reported exactly like a missing one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Row, and_, func, select

from projections import formulas
from projections.goals import (
    goal_actions,
    goal_members,
    goals,
    milestone_steps,
    progress,
)
from projections.goals import milestones as roadmap
from projections.relations import visible_levels
from service.clock import local_date
from service.domain.goal import CLOSED, progress_percent

RATE_WINDOW = timedelta(days=28)


@dataclass(frozen=True)
class Metric:
    """A goal's measurable metric and its latest value."""

    name: str
    unit: str
    baseline: float
    target: float
    current: float


@dataclass(frozen=True)
class MilestoneRow:
    """One milestone of a goal's roadmap."""

    milestone_id: str
    goal_id: str
    title: str
    due_on: date | None
    completed: bool
    completed_at: datetime | None
    order: int


@dataclass(frozen=True)
class GoalCard:
    """A goal as the board shows it at `today` (the owner's local date of `now`)."""

    goal_id: str
    owner_id: str
    title: str
    horizon: str
    description: str
    why: str
    status: str
    visibility: str
    metric: Metric | None
    due_on: date
    set_at: datetime
    set_on: date
    closed_at: datetime | None
    milestones_total: int
    milestones_done: int
    version: int
    today: date
    days_left: int
    progress: float
    elapsed: float
    on_track: bool
    safety_buffer: int | None
    next_milestone: MilestoneRow | None
    last_activity_on: date | None
    days_since_last_action: int | None
    stalled: bool
    verdict: str  # one of formulas.GOAL_VERDICTS: what every page shows


@dataclass(frozen=True)
class ProgressSeries:
    """A goal's progress by day and its straight on-track line.

    `measure` "metric": the recorded values, from (set, baseline) to (due, target).
    "milestones": progress % as milestones were added, completed and reopened (the
    value after a day's last change; a step chart), from (set, 0) to (due, 100).
    "none": no metric and no milestones, nothing to draw."""

    points: tuple[tuple[date, float], ...]
    line: tuple[tuple[date, float], tuple[date, float]] | None
    measure: Literal["metric", "milestones", "none"] = "metric"

    @property
    def stepped(self) -> bool:
        """Milestone progress moves in steps; a metric is drawn point to point."""
        return self.measure == "milestones"


@dataclass(frozen=True)
class UpcomingMilestone:
    """An open milestone of an active goal, due soon."""

    goal_id: str
    goal_title: str
    goal_visibility: str
    milestone: MilestoneRow
    days_until: int


# The card fields that are copied from the stored row as they are.
_STORED = frozenset(f.name for f in fields(GoalCard)) & frozenset(goals.c.keys())


def _goal_rows() -> Any:
    return select(goals, goal_members.c.timezone).outerjoin(
        goal_members, goal_members.c.member_id == goals.c.owner_id
    )


def _milestone(row: Row[Any]) -> MilestoneRow:
    return MilestoneRow(
        milestone_id=row.milestone_id,
        goal_id=row.goal_id,
        title=row.title,
        due_on=row.due_on,
        completed=row.completed,
        completed_at=row.completed_at,
        order=row.position,
    )


def _roadmap_key(m: MilestoneRow) -> tuple[bool, date, int]:
    return (m.due_on is None, m.due_on or date.max, m.order)


def _last_actions(conn: Connection, ids: Sequence[str]) -> dict[str, date]:
    rows = conn.execute(
        select(goal_actions.c.goal_id, func.max(goal_actions.c.occurred_on))
        .where(goal_actions.c.goal_id.in_(ids), goal_actions.c.retracted.is_(False))
        .group_by(goal_actions.c.goal_id)
    )
    return {goal_id: day for goal_id, day in rows}


def _next_milestones(conn: Connection, ids: Sequence[str]) -> dict[str, MilestoneRow]:
    rows = conn.execute(
        select(roadmap).where(
            roadmap.c.goal_id.in_(ids), roadmap.c.completed.is_(False)
        )
    )
    found: dict[str, MilestoneRow] = {}
    for m in map(_milestone, rows):
        if m.goal_id not in found or _roadmap_key(m) < _roadmap_key(found[m.goal_id]):
            found[m.goal_id] = m
    return found


def _values_on(conn: Connection, ids: Sequence[str], day: date) -> dict[str, float]:
    """Each goal's last recorded value on or before `day`."""
    last = (
        select(progress.c.goal_id, func.max(progress.c.day).label("day"))
        .where(progress.c.goal_id.in_(ids), progress.c.day <= day)
        .group_by(progress.c.goal_id)
        .subquery()
    )
    rows = conn.execute(
        select(progress.c.goal_id, progress.c.value).join(
            last,
            (last.c.goal_id == progress.c.goal_id) & (last.c.day == progress.c.day),
        )
    )
    return {goal_id: value for goal_id, value in rows}


def _cards(conn: Connection, rows: Sequence[Row[Any]], now: datetime) -> list[GoalCard]:
    """Cards for goals of one owner (they share a timezone, so a 28-day cutoff)."""
    if not rows:
        return []
    ids = [r.goal_id for r in rows]
    today = local_date(now, rows[0].timezone or "UTC")
    last_actions = _last_actions(conn, ids)
    next_ones = _next_milestones(conn, ids)
    earlier = _values_on(conn, ids, today - RATE_WINDOW)
    return [
        _card(r, today, last_actions.get(r.goal_id), next_ones.get(r.goal_id), earlier)
        for r in rows
    ]


def _metric(row: Row[Any]) -> Metric | None:
    if row.metric_name is None:
        return None
    return Metric(
        row.metric_name, row.metric_unit, row.baseline, row.target, row.current_value
    )


def _buffer(
    row: Row[Any], metric: Metric | None, today: date, earlier: dict[str, float]
) -> int | None:
    if metric is None or row.status in CLOSED:
        return None
    line = formulas.MetricLine(row.set_on, row.due_on, metric.baseline, metric.target)
    before = earlier.get(row.goal_id, metric.baseline)
    return formulas.safety_buffer(line, metric.current, before, today)


def _card(
    row: Row[Any],
    today: date,
    last_action: date | None,
    next_milestone: MilestoneRow | None,
    earlier: dict[str, float],
) -> GoalCard:
    metric = _metric(row)
    pct = progress_percent(
        row.status,
        {"baseline": row.baseline, "target": row.target} if metric else None,
        row.current_value,
        row.milestones_done,
        row.milestones_total,
    )
    # A closed goal is judged as it stood on the day it closed.
    as_of = today
    if row.closed_at is not None:
        as_of = min(today, local_date(row.closed_at, row.timezone or "UTC"))
    last = max((d for d in (last_action, row.last_progress_on) if d), default=None)
    stalled = formulas.is_stalled(row.status, last, row.set_on, row.due_on, pct, today)
    on_track = formulas.on_track(pct, row.set_on, row.due_on, as_of)
    return GoalCard(
        **{k: v for k, v in row._mapping.items() if k in _STORED},
        metric=metric,
        today=today,
        days_left=(row.due_on - today).days,
        progress=pct,
        elapsed=formulas.elapsed_percent(row.set_on, row.due_on, as_of),
        on_track=on_track,
        safety_buffer=_buffer(row, metric, today, earlier),
        next_milestone=next_milestone,
        last_activity_on=last,
        days_since_last_action=None if last is None else max(0, (today - last).days),
        stalled=stalled,
        verdict=formulas.goal_verdict(row.status, stalled, on_track),
    )


def _board_key(card: GoalCard) -> tuple[bool, date, datetime]:
    return (card.status != "active", card.due_on, card.set_at)


def goal_board(
    conn: Connection,
    viewer_id: str,
    owner_id: str,
    now: datetime,
    *,
    status: str | None = None,
) -> list[GoalCard]:
    """The owner's goals the viewer may see: active first, then by due date."""
    levels = visible_levels(conn, viewer_id, owner_id)
    if not levels:
        return []
    query = _goal_rows().where(
        goals.c.owner_id == owner_id, goals.c.visibility.in_(sorted(levels))
    )
    if status is not None:
        query = query.where(goals.c.status == status)
    return sorted(_cards(conn, conn.execute(query).all(), now), key=_board_key)


def _visible_row(conn: Connection, viewer_id: str, goal_id: str) -> Row[Any] | None:
    row = conn.execute(_goal_rows().where(goals.c.goal_id == goal_id)).first()
    if row is None or row.visibility not in visible_levels(
        conn, viewer_id, row.owner_id
    ):
        return None
    return row


def goal_card(
    conn: Connection, viewer_id: str, goal_id: str, now: datetime
) -> GoalCard | None:
    """One goal's card, or None if it is missing or the viewer may not see it."""
    row = _visible_row(conn, viewer_id, goal_id)
    return None if row is None else _cards(conn, [row], now)[0]


def milestones(conn: Connection, viewer_id: str, goal_id: str) -> list[MilestoneRow]:
    """A goal's roadmap by due date (undated last), then as added; empty if the
    goal is missing or not visible to the viewer."""
    if _visible_row(conn, viewer_id, goal_id) is None:
        return []
    rows = conn.execute(select(roadmap).where(roadmap.c.goal_id == goal_id))
    return sorted(map(_milestone, rows), key=_roadmap_key)


def progress_series(
    conn: Connection, viewer_id: str, goal_id: str
) -> ProgressSeries | None:
    """Recorded metric values by day and the on-track line (None if not visible)."""
    row = _visible_row(conn, viewer_id, goal_id)
    if row is None:
        return None
    if row.metric_name is None and row.milestones_total:
        return ProgressSeries(
            points=_milestone_points(conn, row),
            line=((row.set_on, 0.0), (row.due_on, 100.0)),
            measure="milestones",
        )
    if row.metric_name is None:
        return ProgressSeries(points=(), line=None, measure="none")
    points = conn.execute(
        select(progress.c.day, progress.c.value)
        .where(progress.c.goal_id == goal_id)
        .order_by(progress.c.day)
    )
    return ProgressSeries(
        points=tuple((day, value) for day, value in points),
        line=((row.set_on, row.baseline), (row.due_on, row.target)),
    )


def _milestone_points(
    conn: Connection, row: Row[Any]
) -> tuple[tuple[date, float], ...]:
    """Milestone progress % by the owner's day: 0 on the set day, then the value
    after each day's last change, and 100 on the day the goal was achieved."""
    tz = row.timezone or "UTC"
    steps = conn.execute(
        select(milestone_steps.c.at, milestone_steps.c.done, milestone_steps.c.total)
        .where(milestone_steps.c.goal_id == row.goal_id)
        .order_by(milestone_steps.c.version)
    )
    by_day: dict[date, float] = {row.set_on: 0.0}
    for at, done, total in steps:
        by_day[local_date(at, tz)] = 100.0 * done / total if total else 0.0
    if row.status == "achieved" and row.closed_at is not None:
        by_day[local_date(row.closed_at, tz)] = 100.0
    return tuple(sorted(by_day.items()))


def stalled_goals(conn: Connection, owner_id: str, now: datetime) -> list[GoalCard]:
    """The owner's stalled active goals (all visibilities: for the owner's nudges)."""
    board = goal_board(conn, owner_id, owner_id, now, status="active")
    return [card for card in board if card.stalled]


def upcoming_milestones(
    conn: Connection, owner_id: str, now: datetime, days: int = 14
) -> list[UpcomingMilestone]:
    """Open milestones of the owner's active goals due from today to `days` ahead."""
    tz = conn.execute(
        select(goal_members.c.timezone).where(goal_members.c.member_id == owner_id)
    ).scalar()
    today = local_date(now, tz or "UTC")
    rows = conn.execute(
        select(roadmap, goals.c.title.label("goal_title"), goals.c.visibility)
        .join(goals, goals.c.goal_id == roadmap.c.goal_id)
        .where(
            goals.c.owner_id == owner_id,
            goals.c.status == "active",
            roadmap.c.completed.is_(False),
            roadmap.c.due_on >= today,
            roadmap.c.due_on <= today + timedelta(days=days),
        )
        .order_by(roadmap.c.due_on, roadmap.c.position)
    )
    return [
        UpcomingMilestone(
            goal_id=r.goal_id,
            goal_title=r.goal_title,
            goal_visibility=r.visibility,
            milestone=_milestone(r),
            days_until=(r.due_on - today).days,
        )
        for r in rows
    ]


def stalled_goals_for_many(
    conn: Connection, owner_ids: Iterable[str], now: datetime
) -> dict[str, list[GoalCard]]:
    """`stalled_goals` of each owner (all visibilities), in a few statements
    whatever the number of owners; owners with none stalled are left out."""
    ids = sorted(set(owner_ids))
    if not ids:
        return {}
    rows = conn.execute(
        _goal_rows().where(goals.c.owner_id.in_(ids), goals.c.status == "active")
    ).all()
    if not rows:
        return {}
    # Stalled depends on the last action only: find those goals first, then read
    # milestones and earlier metric values for them alone.
    last_actions = _last_actions(conn, [r.goal_id for r in rows])
    stalled: list[tuple[Row[Any], date]] = []
    for row in rows:
        today = local_date(now, row.timezone or "UTC")
        last = last_actions.get(row.goal_id)
        if _card(row, today, last, None, {}).stalled:
            stalled.append((row, today))
    found: dict[str, list[GoalCard]] = {}
    for card in _stalled_cards(conn, stalled, last_actions):
        found.setdefault(card.owner_id, []).append(card)
    return {owner: sorted(cards, key=_board_key) for owner, cards in found.items()}


def _stalled_cards(
    conn: Connection,
    stalled: Sequence[tuple[Row[Any], date]],
    last_actions: dict[str, date],
) -> list[GoalCard]:
    """Full cards of these goals (each with its owner's today), in order."""
    ids = [row.goal_id for row, _ in stalled]
    next_ones = _next_milestones(conn, ids) if ids else {}
    earlier: dict[str, float] = {}
    metric_ids_by_day: dict[date, list[str]] = {}
    for row, today in stalled:
        if row.metric_name is not None:
            metric_ids_by_day.setdefault(today, []).append(row.goal_id)
    for today, metric_ids in metric_ids_by_day.items():  # one per local date in use
        earlier.update(_values_on(conn, metric_ids, today - RATE_WINDOW))
    return [
        _card(
            row,
            today,
            last_actions.get(row.goal_id),
            next_ones.get(row.goal_id),
            earlier,
        )
        for row, today in stalled
    ]


def milestone_by_id(
    conn: Connection, viewer_id: str, milestone_id: str
) -> MilestoneRow | None:
    """One milestone, or None if it is missing or its goal is not visible to the
    viewer."""
    row = conn.execute(
        select(roadmap).where(roadmap.c.milestone_id == milestone_id)
    ).first()
    if row is None or _visible_row(conn, viewer_id, row.goal_id) is None:
        return None
    return _milestone(row)


# What digests and reminders read (notify.facts), for many owners at once: each
# function runs the same one or two statements whatever the number of owners.


@dataclass(frozen=True)
class DueItem:
    """An open milestone or an active goal falling due."""

    member_id: str
    goal_id: str
    goal_title: str
    title: str  # the milestone's, or the goal's own for its due date
    kind: str  # "milestone" or "goal"
    due_on: date
    item_id: str  # the milestone's id, or the goal's


@dataclass(frozen=True)
class StalledGoal:
    """An active goal with no action or progress for 14 days, or due soon and
    under half done (SPEC 5)."""

    member_id: str
    goal_id: str
    title: str
    visibility: str
    due_on: date
    progress: float
    days_quiet: int  # since the last action or progress (or since it was set)


def due_between(
    conn: Connection, owner_ids: Collection[str], first: date, last: date
) -> dict[str, list[DueItem]]:
    """Per owner, open milestones of active goals and active goals themselves due
    from `first` to `last`, soonest first."""
    goal, milestone = goals.c, roadmap.c
    active = and_(goal.owner_id.in_(owner_ids), goal.status == "active")
    due_milestones = conn.execute(
        select(
            goal.owner_id,
            goal.goal_id,
            goal.title,
            milestone.title,
            milestone.due_on,
            milestone.milestone_id,
        )
        .join(goals, goal.goal_id == milestone.goal_id)
        .where(
            active,
            milestone.completed.is_(False),
            milestone.due_on >= first,
            milestone.due_on <= last,
        )
    )
    due_goals = conn.execute(
        select(
            goal.owner_id,
            goal.goal_id,
            goal.title,
            goal.title.label("own_title"),
            goal.due_on,
            goal.goal_id.label("item_id"),
        ).where(active, goal.due_on >= first, goal.due_on <= last)
    )
    found: dict[str, list[DueItem]] = defaultdict(list)
    for kind, rows in (("milestone", due_milestones), ("goal", due_goals)):
        for owner, goal_id, goal_title, title, due_on, item_id in rows:
            found[owner].append(
                DueItem(owner, goal_id, goal_title, title, kind, due_on, item_id)
            )
    for dues in found.values():
        dues.sort(key=lambda d: (d.due_on, d.kind != "milestone", d.title))
    return found


def stalled_by_owner(
    conn: Connection, timezones: Mapping[str, str], now: datetime
) -> dict[str, list[StalledGoal]]:
    """Per owner (given with their timezone), their stalled goals at `now`, by due
    date; the same rule as the goal board's `stalled` flag."""
    goal, acted = goals.c, goal_actions.c
    active = and_(goal.owner_id.in_(list(timezones)), goal.status == "active")
    last_action = (
        select(acted.goal_id, func.max(acted.occurred_on).label("day"))
        .where(
            acted.goal_id.in_(select(goal.goal_id).where(active)),
            acted.retracted.is_(False),
        )
        .group_by(acted.goal_id)
        .subquery()
    )
    rows = conn.execute(
        select(goals, last_action.c.day.label("last_action_on"))
        .outerjoin(last_action, last_action.c.goal_id == goal.goal_id)
        .where(active)
        .order_by(goal.due_on, goal.set_at)
    )
    found: dict[str, list[StalledGoal]] = defaultdict(list)
    for r in rows:
        today = local_date(now, timezones[r.owner_id])
        metric = None
        if r.metric_name is not None:
            metric = {"baseline": r.baseline, "target": r.target}
        pct = progress_percent(
            r.status, metric, r.current_value, r.milestones_done, r.milestones_total
        )
        days = (r.last_action_on, r.last_progress_on)
        last = max((d for d in days if d is not None), default=None)
        if formulas.is_stalled(r.status, last, r.set_on, r.due_on, pct, today):
            quiet = max(0, (today - (last or r.set_on)).days)
            found[r.owner_id].append(
                StalledGoal(
                    r.owner_id, r.goal_id, r.title, r.visibility, r.due_on, pct, quiet
                )
            )
    return found
