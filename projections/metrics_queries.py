"""Momentum metrics (SPEC 5) of members, computed from the stored facts for a `now`.

Days and weeks are the member's own: their current timezone, ISO weeks Mon–Sun. An
action decays from the moment it was logged or local noon of its day, whichever is
earlier (docs/metrics.md): a day's stored weight is the noon-equivalent one
(`formulas.noon_equivalent`) and decays from noon, read in the morning with a
negative age, so this morning's actions count at once.

Speed: every stored week carries a checkpoint (`projections.metrics_checkpoints`):
the raw score at its end, the streaks ending with it and the last action day so far.
So whatever the length of a member's history, a read takes the weeks since about 28
days ago in full (and the last stored week before them), the number of actions of
the earlier weeks shown (12 in all), the timed points since 28 days ago, the latest
review at two instants and a count of marked commitments. The raw score at an
instant is the checkpoint of the last stored week before the instant's week,
decayed, plus the points of the week up to the instant; a streak is last week's
checkpoint plus the current week; the last action day is in the week's row or its
predecessor's checkpoint. `metrics_for_many` runs six statements (prepared once)
whatever the number of members, and a seventh when one of them has been quiet for
weeks.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, Connection, bindparam, case, func, literal, select

from projections.formulas import (
    SIGNALS,
    away_intervals,
    commitments_kept_percent,
    is_new_member,
    is_rising,
    momentum,
    momentum_label,
    momentum_shown,
    rut_level,
    rut_parts,
    rut_risk,
    trend,
    week_start,
    week_target,
)
from projections.metrics import MARGIN, MEMBERS_AWAY, stored_weeks
from projections.metrics_checkpoints import (
    ActiveClock,
    StoredWeek,
    away_days,
    decayed,
    noon_at,
    runs_before,
    week_end_at,
)
from projections.metrics_tables import (
    action_weeks,
    away_periods,
    members,
    outcomes,
    points,
    reviews,
)
from service.clock import zone_info

TREND = timedelta(days=28)
RISING = timedelta(days=14)
SIGNALS_WITHIN = timedelta(days=35)
COMMITMENTS_WITHIN = timedelta(weeks=8)
WEEKS_SHOWN = 12
DAY = timedelta(days=1)
_SHOWN = [timedelta(weeks=n) for n in range(WEEKS_SHOWN - 1, -1, -1)]


@dataclass(frozen=True)
class MemberMetrics:
    """A member's SPEC 5 metrics at one instant; rut parts s, b, i are each 0–1."""

    member_id: str
    momentum: int  # uncapped: the % of the target pace
    momentum_shown: int  # capped at 100
    trend: int  # momentum shown now − momentum shown 28 days ago
    weekly_target: int
    weekly_actions: tuple[tuple[date, int], ...]  # 12 × (Monday, count), this week last
    actions_this_week: int
    streak: int
    review_streak: int
    commitments_kept_percent: int | None  # reviews of the last 8 weeks; None if none
    rut_risk: int
    rut_signals: float  # s: what the latest review (35 days) says; 0.5 if none
    rut_momentum: float  # b: 1 − min(1, momentum / 100)
    rut_inactivity: float  # i: days since the last action / 21, at most 1
    rut_level: str
    rut_risk_before: int  # rut risk 14 days ago (what `rising` compares with)
    rising: bool  # risk rose by 20 or more since 14 days ago
    last_action_on: date | None
    days_since_action: int | None
    away_today: bool
    new: bool = False  # joined less than 7 days ago: rut level "new", never flagged

    @property
    def above_pace(self) -> bool:
        """Ahead of the target pace: shown as '100+'."""
        return self.momentum > self.momentum_shown

    @property
    def momentum_label(self) -> str:
        """'100+' above the target pace, else the shown number."""
        return momentum_label(self.momentum)


@dataclass(frozen=True)
class DayPoint:
    """One day of the momentum chart: momentum (uncapped) at the day's end, actions."""

    day: date
    momentum: int
    actions: int


# The statements, prepared once; `ids` is the list of members.
_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_TIMED = select(points.c.member_id, points.c.at, points.c.weight, points.c.kind).where(
    points.c.member_id.in_(_IDS), points.c.at >= bindparam("start")
)
_TOTALS = select(
    action_weeks.c.member_id,
    action_weeks.c.week,
    sum((action_weeks.c[f"n{n}"] for n in range(1, 7)), action_weeks.c.n0),
).where(
    action_weeks.c.member_id.in_(_IDS),
    action_weeks.c.week >= bindparam("since"),
    action_weeks.c.week < bindparam("until"),
)


def _latest_review(which: str) -> Any:
    """Each member's latest review within 35 days up to the instant `which`, with
    `which` as its first column (ties: all of them)."""
    r, later = reviews.c, reviews.alias("later").c
    latest = (
        select(func.max(later.at))
        .where(
            later.member_id == members.c.member_id,
            later.at <= bindparam(which),
            later.at >= bindparam(f"{which}_from"),
        )
        .scalar_subquery()
    )  # one index seek per member
    return (
        select(literal(which), r.member_id, r.review_id, *(r[s] for s in SIGNALS))
        .join(members, members.c.member_id == r.member_id)
        .where(members.c.member_id.in_(_IDS), r.at == latest)
    )


_LATEST_REVIEWS = _latest_review("now").union_all(_latest_review("before"))
_MARKED = (
    select(
        reviews.c.member_id, func.sum(case((outcomes.c.kept, 1), else_=0)), func.count()
    )
    .join(outcomes, outcomes.c.review_id == reviews.c.review_id)
    .where(
        reviews.c.member_id.in_(_IDS),
        reviews.c.at > bindparam("since"),
        reviews.c.at <= bindparam("now"),
        outcomes.c.marked_at <= bindparam("now"),
    )
    .group_by(reviews.c.member_id)
)


@dataclass
class _Facts:
    """What was read of one member: their stored weeks from the window on and the
    last one before it, the number of actions of earlier weeks, their timed points
    from the window on by local week, the latest reviews' signals, the commitments
    marked of the last 8 weeks."""

    timezone: str
    target: int
    zone: ZoneInfo
    joined_at: datetime | None = None
    away: list[tuple[date, date]] = field(default_factory=list)
    weeks: dict[date, StoredWeek] = field(default_factory=dict)
    mondays: list[date] = field(default_factory=list)  # of `weeks`, sorted
    totals: dict[date, int] = field(default_factory=dict)
    timed: dict[date, list[tuple[datetime, float, str]]] = field(default_factory=dict)
    # the latest review's id and signals within 35 days of now, of 14 days ago
    signals: dict[str, tuple[str, dict[str, int]]] = field(default_factory=dict)
    commitments: tuple[int, int] = (0, 0)  # kept, marked

    def today(self, at: datetime) -> date:
        """The member's local date at `at`."""
        return at.astimezone(self.zone).date()

    def before(self, monday: date) -> StoredWeek | None:
        """The last stored week before the week of `monday`."""
        i = bisect_left(self.mondays, monday)
        return self.weeks[self.mondays[i - 1]] if i else None

    def count(self, monday: date, today: date) -> int:
        """Actions of the week of `monday` on its days up to `today`."""
        week = self.weeks.get(monday)
        if week is None:
            return self.totals.get(monday, 0)
        return sum(week.counts[: max(0, (today - monday).days + 1)])

    def on_day(self, day: date) -> int:
        """Actions on `day`."""
        week = self.weeks.get(week_start(day))
        return 0 if week is None else week.counts[day.weekday()]

    def raw_score(self, at: datetime, clock: ActiveClock) -> float:
        """The raw score at `at`: the checkpoint of the last stored week before its
        week, decayed, plus the points of its week up to `at`."""
        monday, x = week_start(self.today(at)), at.timestamp()
        now = clock.at(x)
        raw = 0.0
        seed = self.before(monday)
        if seed is not None:
            end = clock.at(week_end_at(seed.monday, self.timezone))
            raw = decayed(seed.raw_end, end, now)
        week, today = self.weeks.get(monday), self.today(at).weekday()
        if week is not None:
            for n, count in enumerate(week.counts[: today + 1]):
                if count:  # today before noon: a negative age (noon-equivalent)
                    t = noon_at(monday + timedelta(days=n), self.timezone)
                    raw += decayed(week.weights[n], clock.at(t), now)
        for t_at, weight, _ in self.timed.get(monday, ()):
            t = t_at.timestamp()
            if t <= x:
                raw += decayed(weight, clock.at(t), now)
        return raw


def _window(now: datetime, days_back: int) -> tuple[date, datetime]:
    """The Monday from which stored weeks are read, and the instant from which timed
    points are, to cover every member's local day `days_back` days before `now`'s
    and its week (a local date is within a day of the UTC date)."""
    first = week_start(now.astimezone(UTC).date() - timedelta(days=days_back) - DAY)
    return first, datetime.combine(first, time(0), UTC) - DAY


def _load(
    conn: Connection, member_ids: Iterable[str], now: datetime, days_back: int
) -> dict[str, _Facts]:
    """Members with their away periods, their stored weeks from `days_back` days
    before now on (and the last one before), their timed points from then on (three
    statements, four if a member has been quiet for weeks)."""
    facts: dict[str, _Facts] = {}
    ids = list(dict.fromkeys(member_ids))
    found = conn.execute(MEMBERS_AWAY, {"ids": ids}).all()
    for member_id, timezone, target, joined, starts_on, ends_on in found:
        if member_id not in facts:
            facts[member_id] = _Facts(timezone, target, zone_info(timezone), joined)
        if starts_on is not None:
            facts[member_id].away.append((starts_on, ends_on))
    ids = list(facts)
    if not ids:
        return facts
    since, start = _window(now, days_back)
    for member_id, weeks in stored_weeks(conn, ids, since).items():
        f = facts[member_id]
        f.weeks = {week.monday: week for week in weeks}
        f.mondays = [week.monday for week in weeks]
    timed = conn.execute(_TIMED, {"ids": ids, "start": start}).all()
    for member_id, at, weight, kind in timed:
        f = facts[member_id]
        f.timed.setdefault(week_start(f.today(at)), []).append((at, weight, kind))
    return facts


def _load_recent(conn: Connection, facts: dict[str, _Facts], now: datetime) -> None:
    """The number of actions of the weeks shown that were not read in full, the
    signals of the latest review within 35 days of now and of 14 days ago, and the
    commitments of the last 8 weeks' reviews marked (and kept) by now (three
    statements)."""
    ids = list(facts)
    since = _window(now, 7 * (WEEKS_SHOWN - 1))[0]
    until = _window(now, TREND.days)[0] - MARGIN  # from there on: read in full
    totals = {"ids": ids, "since": since, "until": until}
    for member_id, monday, count in conn.execute(_TOTALS, totals).all():
        facts[member_id].totals[monday] = count
    instants = {
        "ids": ids,
        "now": now,
        "now_from": now - SIGNALS_WITHIN,
        "before": now - RISING,
        "before_from": now - RISING - SIGNALS_WITHIN,
    }
    for which, member_id, review_id, *rated in conn.execute(
        _LATEST_REVIEWS, instants
    ).all():
        found = facts[member_id].signals
        if which not in found or review_id > found[which][0]:  # a tie: the last id
            found[which] = (review_id, dict(zip(SIGNALS, rated, strict=True)))
    marked = {"ids": ids, "since": now - COMMITMENTS_WITHIN, "now": now}
    for member_id, kept, count in conn.execute(_MARKED, marked).all():
        facts[member_id].commitments = (int(kept), int(count))


def _streaks(f: _Facts, now: datetime, away: set[date]) -> tuple[int, int]:
    """(streak, review streak): the checkpoint of the week before, plus the current
    week once it has met its target (for the review streak: has a review). A week
    whose target is 0 (entirely away) neither extends nor breaks either streak, as
    `formulas.streak` says."""
    today = f.today(now)
    monday = week_start(today)
    run, review_run = runs_before(monday, f.weeks, away)
    reviewed = any(
        kind == "review" and at <= now for at, _, kind in f.timed.get(monday, ())
    )
    due = week_target(monday, f.target, away)
    review_due = week_target(monday, 1, away)
    return (
        run + (1 if due and f.count(monday, today) >= due else 0),
        review_run + (1 if review_due and reviewed else 0),
    )


def _last_action(f: _Facts, today: date) -> date | None:
    monday = week_start(today)
    week = f.weeks.get(monday)
    if week is not None:
        acted = [n for n in range(today.weekday() + 1) if week.counts[n]]
        if acted:
            return monday + timedelta(days=acted[-1])
    before = f.before(monday)
    return None if before is None else before.last_day


def _risk(
    f: _Facts, at: datetime, score: int, which: str
) -> tuple[int, tuple[float, float, float]]:
    """Rut risk at `at` ("now" or 14 days "before") and its parts s, b, i."""
    today = f.today(at)
    last = _last_action(f, today)
    days_since = None if last is None else (today - last).days
    signals = f.signals[which][1] if which in f.signals else None
    return rut_risk(signals, score, days_since), rut_parts(signals, score, days_since)


def _compute(member_id: str, f: _Facts, now: datetime) -> MemberMetrics:
    today = f.today(now)
    clock = ActiveClock(away_intervals(f.away, f.timezone))
    before, then, score = (
        momentum(f.raw_score(at, clock), f.target)
        for at in (now - TREND, now - RISING, now)
    )
    risk, (s, b, i) = _risk(f, now, score, "now")
    risk_before = _risk(f, now - RISING, then, "before")[0]
    current = week_start(today)
    recent = tuple(
        (monday, f.count(monday, today)) for monday in (current - n for n in _SHOWN)
    )
    away = away_days(f.away)
    streak, review_streak = _streaks(f, now, away)
    last = _last_action(f, today)
    kept, marked = f.commitments
    new = is_new_member(f.joined_at, now)
    return MemberMetrics(
        member_id=member_id,
        momentum=score,
        momentum_shown=momentum_shown(score),
        trend=trend(score, before),
        weekly_target=f.target,
        weekly_actions=recent,
        actions_this_week=recent[-1][1],
        streak=streak,
        review_streak=review_streak,
        commitments_kept_percent=commitments_kept_percent(
            [True] * kept + [False] * (marked - kept)
        ),
        rut_risk=risk,
        rut_signals=s,
        rut_momentum=b,
        rut_inactivity=i,
        rut_level="new" if new else rut_level(risk),
        rut_risk_before=risk_before,
        rising=not new and is_rising(risk, risk_before),
        last_action_on=last,
        days_since_action=None if last is None else (today - last).days,
        away_today=today in away,
        new=new,
    )


def metrics_for_many(
    conn: Connection, member_ids: Iterable[str], now: datetime
) -> dict[str, MemberMetrics]:
    """Metrics at `now` of each known member, in six statements (seven if one of
    them has been quiet for weeks), whatever their number."""
    facts = _load(conn, member_ids, now, TREND.days)
    if not facts:
        return {}
    _load_recent(conn, facts, now)
    return {m: _compute(m, f, now) for m, f in facts.items()}


def member_metrics(
    conn: Connection, member_id: str, now: datetime
) -> MemberMetrics | None:
    """A member's metrics at `now`; None for an unknown member."""
    return metrics_for_many(conn, [member_id], now).get(member_id)


def latest_signals(
    conn: Connection, member_id: str, now: datetime
) -> dict[str, int] | None:
    """The five signals of the member's latest review within 35 days up to `now`
    (what rut risk's s is computed from; a tie: the last id); None if none."""
    r = reviews.c
    row = conn.execute(
        select(*(r[s] for s in SIGNALS))
        .where(r.member_id == member_id, r.at <= now, r.at >= now - SIGNALS_WITHIN)
        .order_by(r.at.desc(), r.review_id.desc())
        .limit(1)
    ).first()
    return None if row is None else dict(zip(SIGNALS, row, strict=True))


def day_end(day: date, timezone: str) -> datetime:
    """The last instant of a local day: when a daily series point is taken."""
    return datetime.combine(day, time.max, zone_info(timezone))


def daily_series(
    conn: Connection, member_id: str, now: datetime, days: int = 90
) -> list[DayPoint]:
    """Momentum at the end of each of the last `days` local days (today: at `now`)."""
    f = _load(conn, [member_id], now, days).get(member_id)
    if f is None:
        return []
    today = f.today(now)
    clock = ActiveClock(away_intervals(f.away, f.timezone))
    span = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    return [
        DayPoint(
            day,
            momentum(f.raw_score(min(day_end(day, f.timezone), now), clock), f.target),
            f.on_day(day),
        )
        for day in span
    ]


@dataclass(frozen=True)
class ReviewFacts:
    """A review's five signals and how many of its commitments were kept or missed."""

    review_id: str
    signals: dict[str, int]
    kept: int = 0
    missed: int = 0


def review_facts(conn: Connection, review_ids: Iterable[str]) -> dict[str, ReviewFacts]:
    """Signals and marked commitments of these reviews (two statements)."""
    ids = list(dict.fromkeys(review_ids))
    r, o = reviews.c, outcomes.c
    signals = {
        row.review_id: {s: getattr(row, s) for s in SIGNALS}
        for row in conn.execute(select(reviews).where(r.review_id.in_(ids)))
    }
    marks: dict[str, list[bool]] = {}
    for review_id, kept in conn.execute(
        select(o.review_id, o.kept).where(o.review_id.in_(ids))
    ):
        marks.setdefault(review_id, []).append(bool(kept))
    return {
        rid: ReviewFacts(
            rid, sig, sum(marks.get(rid, [])), marks.get(rid, []).count(False)
        )
        for rid, sig in signals.items()
    }


def last_check_ins(
    conn: Connection, ids: Iterable[str], until: datetime
) -> dict[str, datetime]:
    """Per member, when they last recorded a review, up to `until` (one statement)."""
    r = reviews.c
    rows = conn.execute(
        select(r.member_id, func.max(r.at))
        .where(r.member_id.in_(list(ids)), r.at <= until)
        .group_by(r.member_id)
    )
    return {member_id: at for member_id, at in rows}


def away_on(conn: Connection, today: dict[str, date]) -> set[str]:
    """Those of the members (each given with their own local date) for whom that
    date is an away day (one statement)."""
    a = away_periods.c
    rows = conn.execute(
        select(a.member_id, a.starts_on, a.ends_on).where(a.member_id.in_(list(today)))
    )
    return {m for m, first, last in rows if first <= today[m] <= last}
