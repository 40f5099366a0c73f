"""The metrics as computed before the checkpoints (projections/metrics_queries.py
at ee4254a): from the facts alone, reading 20 half-lives of history. Kept as the
reference the checkpointed queries must equal (test_metrics_checkpoints.py).

Changed from the original only where the tables grew: the weeks are read by their
action columns (the checkpoint columns come after them); and where the rule changed:
a day's stored weight is noon-equivalent (an action decays from its logging or its
day's noon, whichever is earlier), read before noon with a negative age.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from projections.formulas import (
    HALF_LIFE,
    SIGNALS,
    active_time,
    away_intervals,
    commitments_kept_percent,
    decay,
    is_new_member,
    is_rising,
    local_noon,
    momentum,
    momentum_shown,
    raw_scores_at,
    rut_level,
    rut_parts,
    rut_risk,
    streak,
    trend,
    week_start,
    weekly_counts,
)
from projections.metrics_tables import (
    action_weeks,
    actions,
    away_periods,
    members,
    outcomes,
    points,
    reviews,
)

HISTORY = 20 * HALF_LIFE
TREND = timedelta(days=28)
RISING = timedelta(days=14)
SIGNALS_WITHIN = timedelta(days=35)
COMMITMENTS_WITHIN = timedelta(weeks=8)
WEEK = timedelta(weeks=1)


@dataclass(frozen=True)
class MemberMetrics:
    """A member's SPEC 5 metrics at one instant; rut parts s, b, i are each 0–1."""

    member_id: str
    momentum: int  # uncapped
    momentum_shown: int  # capped at 100
    trend: int  # momentum now − momentum 28 days ago
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
    new: bool = False


@dataclass(frozen=True)
class DayPoint:
    """One day of the momentum chart: momentum (uncapped) at the day's end, actions."""

    day: date
    momentum: int
    actions: int


@dataclass
class _Review:
    at: datetime
    signals: dict[str, int]
    outcomes: list[tuple[bool, datetime]] = field(default_factory=list)


@dataclass
class _Facts:
    """What was read of one member; `days` holds action days from the window on."""

    timezone: str
    target: int
    joined_at: datetime | None = None
    away: list[tuple[date, date]] = field(default_factory=list)
    days: dict[date, tuple[float, int]] = field(default_factory=dict)
    weeks: dict[date, tuple[int, ...]] = field(default_factory=dict)  # per weekday
    last_before: date | None = None  # the last action day before the window
    old_weeks: dict[date, int] = field(default_factory=dict)  # read for long streaks
    points: list[tuple[datetime, float]] = field(default_factory=list)
    review_ats: list[datetime] = field(default_factory=list)
    reviews: list[_Review] = field(default_factory=list)

    def today(self, at: datetime) -> date:
        """The member's local date at `at`."""
        return at.astimezone(ZoneInfo(self.timezone)).date()

    def away_days(self) -> set[date]:
        """Every away day."""
        return {
            start + timedelta(days=n)
            for start, end in self.away
            for n in range((end - start).days + 1)
        }


@dataclass(frozen=True)
class _Window:
    cutoff: datetime  # instants from here on are read
    since: date  # a Monday: action weeks from here on are read


def _window(facts: Iterable[_Facts], earliest: datetime) -> _Window:
    away = max(
        (sum((end - start).days + 1 for start, end in f.away) for f in facts),
        default=0,
    )
    cutoff = earliest - HISTORY - timedelta(days=away + 1)
    return _Window(cutoff, week_start(cutoff.date() - timedelta(days=2)))


def _load(
    conn: Connection, member_ids: Iterable[str], earliest: datetime
) -> tuple[dict[str, _Facts], _Window]:
    """Members, away periods, action weeks and timed points (four statements)."""
    ids = list(dict.fromkeys(member_ids))
    rows = conn.execute(select(members).where(members.c.member_id.in_(ids))).all()
    facts = {
        r.member_id: _Facts(r.timezone, r.weekly_target, r.joined_at) for r in rows
    }
    ids = list(facts)
    away = select(away_periods).where(away_periods.c.member_id.in_(ids))
    for r in conn.execute(away).all():
        facts[r.member_id].away.append((r.starts_on, r.ends_on))
    window = _window(facts.values(), earliest)
    a = action_weeks.c
    weeks = select(
        a.member_id,
        a.week,
        *(a[f"w{n}"] for n in range(7)),
        *(a[f"n{n}"] for n in range(7)),
    ).where(a.member_id.in_(ids), a.week >= window.since)
    for member_id, monday, *sums in conn.execute(weeks).all():
        f = facts[member_id]
        f.weeks[monday] = tuple(sums[7:])
        for n, (weight, count) in enumerate(zip(sums[:7], sums[7:], strict=True)):
            if count:
                f.days[monday + timedelta(days=n)] = (weight, count)
    p = points.c
    timed = select(p.member_id, p.at, p.weight, p.kind).where(
        p.member_id.in_(ids), p.at >= window.cutoff
    )
    for member_id, at, weight, kind in conn.execute(timed).all():
        facts[member_id].points.append((at, weight))
        if kind == "review":
            facts[member_id].review_ats.append(at)
    return facts, window


def _load_recent(
    conn: Connection, facts: dict[str, _Facts], window: _Window, now: datetime
) -> None:
    """Reviews of the last 8 weeks, and the last action day before the window of
    members with none in it (on or before the earliest day asked about)."""
    ids = list(facts)
    idle = [
        member_id
        for member_id, f in facts.items()
        if not any(day <= f.today(now - RISING) for day in f.days)
    ]
    if idle:
        last = (
            select(actions.c.member_id, func.max(actions.c.day))
            .where(actions.c.member_id.in_(idle), actions.c.day < window.since)
            .group_by(actions.c.member_id)
        )
        for member_id, day in conn.execute(last).all():
            facts[member_id].last_before = day
    recent = (
        select(reviews, outcomes.c.kept, outcomes.c.marked_at)
        .outerjoin(outcomes, outcomes.c.review_id == reviews.c.review_id)
        .where(
            reviews.c.member_id.in_(ids),
            reviews.c.at > now - COMMITMENTS_WITHIN,
            reviews.c.at <= now,
        )
    )
    seen: dict[str, _Review] = {}
    for r in conn.execute(recent).all():
        if r.review_id not in seen:
            seen[r.review_id] = _Review(r.at, {s: getattr(r, s) for s in SIGNALS})
            facts[r.member_id].reviews.append(seen[r.review_id])
        if r.kept is not None:
            seen[r.review_id].outcomes.append((r.kept, r.marked_at))


def _action_weeks(f: _Facts, today: date) -> dict[date, int]:
    counts = dict(f.old_weeks)
    for monday, per_day in f.weeks.items():
        if monday <= today:
            counts[monday] = sum(per_day[: (today - monday).days + 1])
    return counts


def _review_weeks(f: _Facts, now: datetime) -> dict[date, int]:
    counts: dict[date, int] = {}
    for at in f.review_ats:
        if at <= now:
            monday = week_start(f.today(at))
            counts[monday] = counts.get(monday, 0) + 1
    return counts


def _streak(
    counts: dict[date, int], first: date, today: date, needed: int, away: set[date]
) -> int | None:
    """The streak from weeks read since `first`; None if it may reach further back."""
    sentinel = first - WEEK  # an unread week, as a week streak() does not skip:
    while all(sentinel + timedelta(days=n) in away for n in range(7)):
        sentinel -= WEEK
    known = {week: n for week, n in counts.items() if week >= first}
    length = streak({**known, sentinel: 0}, today, needed, away)
    if length + len(away) // 7 < (week_start(today) - first).days // 7:
        return length  # broke well after `first`
    longest = streak({**known, sentinel: needed}, today, needed, away)
    return length if longest == length else None


def _known_streaks(
    f: _Facts, window: _Window, now: datetime
) -> tuple[int | None, int | None]:
    """(streak, review streak) from the weeks read; None where more are needed."""
    today, away = f.today(now), f.away_days()
    first_review = week_start(f.today(window.cutoff)) + WEEK
    return (
        _streak(_action_weeks(f, today), window.since, today, f.target, away),
        _streak(_review_weeks(f, now), first_review, today, 1, away),
    )


def _load_older(
    conn: Connection,
    facts: dict[str, _Facts],
    window: _Window,
    long_actions: list[str],
    long_reviews: list[str],
) -> None:
    """Action weeks and reviews before the window, of members with long streaks."""
    if long_actions:
        a = action_weeks.c
        total = a.n0 + a.n1 + a.n2 + a.n3 + a.n4 + a.n5 + a.n6
        weeks = select(a.member_id, a.week, total).where(
            a.member_id.in_(long_actions), a.week < window.since
        )
        for member_id, monday, count in conn.execute(weeks).all():
            facts[member_id].old_weeks[monday] = count
    if long_reviews:
        r = reviews.c
        older = select(r.member_id, r.at).where(
            r.member_id.in_(long_reviews), r.at < window.cutoff
        )
        for member_id, at in conn.execute(older).all():
            facts[member_id].review_ats.append(at)


def _streaks(
    conn: Connection, facts: dict[str, _Facts], window: _Window, now: datetime
) -> dict[str, tuple[int, int]]:
    """(streak, review streak) of each member; reads older weeks only if needed."""
    found = {m: _known_streaks(f, window, now) for m, f in facts.items()}
    long_actions = [m for m, (known, _) in found.items() if known is None]
    long_reviews = [m for m, (_, known) in found.items() if known is None]
    _load_older(conn, facts, window, long_actions, long_reviews)
    result = {}
    for member_id, (actions_streak, reviews_streak) in found.items():
        f = facts[member_id]
        today, away = f.today(now), f.away_days()
        if actions_streak is None:
            actions_streak = streak(_action_weeks(f, today), today, f.target, away)
        if reviews_streak is None:
            reviews_streak = streak(_review_weeks(f, now), today, 1, away)
        result[member_id] = (actions_streak, reviews_streak)
    return result


def _last_action(f: _Facts, today: date) -> date | None:
    return max((d for d in f.days if d <= today), default=f.last_before)


def _signals_at(f: _Facts, at: datetime) -> dict[str, int] | None:
    recent = [r for r in f.reviews if at - SIGNALS_WITHIN <= r.at <= at]
    return max(recent, key=lambda r: r.at).signals if recent else None


def _risk(
    f: _Facts, at: datetime, score: int
) -> tuple[int, tuple[float, float, float]]:
    """Rut risk at `at` and its parts s, b, i."""
    today = f.today(at)
    last = _last_action(f, today)
    days_since = None if last is None else (today - last).days
    signals = _signals_at(f, at)
    return rut_risk(signals, score, days_since), rut_parts(signals, score, days_since)


def _momenta(f: _Facts, instants: list[datetime]) -> list[int]:
    """Momentum at each instant (one sweep over the points)."""
    noon = [(local_noon(d, f.timezone), w) for d, (w, _) in f.days.items()]
    away = away_intervals(f.away, f.timezone)
    raws = raw_scores_at(f.points + noon, instants, away)
    for n, at in enumerate(instants):  # today before noon: a negative age
        day = f.today(at)
        noon = local_noon(day, f.timezone)
        if day in f.days and noon > at:
            raws[n] += f.days[day][0] / decay(active_time(at, noon, away))
    return [momentum(raw, f.target) for raw in raws]


def _compute(
    member_id: str, f: _Facts, now: datetime, streaks: tuple[int, int]
) -> MemberMetrics:
    today = f.today(now)
    before, then, score = _momenta(f, [now - TREND, now - RISING, now])
    risk, (s, b, i) = _risk(f, now, score)
    risk_before = _risk(f, now - RISING, then)[0]
    weeks = _action_weeks(f, today)
    twelve = today - timedelta(weeks=12)
    mondays = (m for m, n in weeks.items() if m > twelve for _ in range(n))
    recent = weekly_counts(mondays, today)
    last = _last_action(f, today)
    kept = [k for r in f.reviews for k, marked in r.outcomes if marked <= now]
    new = is_new_member(f.joined_at, now)
    return MemberMetrics(
        member_id=member_id,
        momentum=score,
        momentum_shown=momentum_shown(score),
        trend=trend(score, before),
        weekly_target=f.target,
        weekly_actions=tuple(recent),
        actions_this_week=recent[-1][1],
        streak=streaks[0],
        review_streak=streaks[1],
        commitments_kept_percent=commitments_kept_percent(kept),
        rut_risk=risk,
        rut_signals=s,
        rut_momentum=b,
        rut_inactivity=i,
        rut_level="new" if new else rut_level(risk),
        rut_risk_before=risk_before,
        rising=not new and is_rising(risk, risk_before),
        last_action_on=last,
        days_since_action=None if last is None else (today - last).days,
        away_today=today in f.away_days(),
        new=new,
    )


def metrics_for_many(
    conn: Connection, member_ids: Iterable[str], now: datetime
) -> dict[str, MemberMetrics]:
    """Metrics at `now` of each known member, in a constant number of statements."""
    facts, window = _load(conn, member_ids, now - TREND)
    if not facts:
        return {}
    _load_recent(conn, facts, window, now)
    streaks = _streaks(conn, facts, window, now)
    return {m: _compute(m, f, now, streaks[m]) for m, f in facts.items()}


def member_metrics(
    conn: Connection, member_id: str, now: datetime
) -> MemberMetrics | None:
    """A member's metrics at `now`; None for an unknown member."""
    return metrics_for_many(conn, [member_id], now).get(member_id)


def day_end(day: date, timezone: str) -> datetime:
    """The last instant of a local day: when a daily series point is taken."""
    return datetime.combine(day, time.max, ZoneInfo(timezone))


def daily_series(
    conn: Connection, member_id: str, now: datetime, days: int = 90
) -> list[DayPoint]:
    """Momentum at the end of each of the last `days` local days (today: at `now`)."""
    facts, _ = _load(conn, [member_id], now - timedelta(days=days + 1))
    f = facts.get(member_id)
    if f is None:
        return []
    today = f.today(now)
    span = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    scores = _momenta(f, [min(day_end(d, f.timezone), now) for d in span])
    return [
        DayPoint(day, score, f.days.get(day, (0.0, 0))[1])
        for day, score in zip(span, scores, strict=True)
    ]
