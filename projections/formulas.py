"""The metrics of SPEC 5 as pure functions of plain values (no database, no clock).

Times are timezone-aware datetimes; "days" and "weeks" are the member's own, so
callers convert dates with the member's timezone (`local_noon`, `away_intervals`).

The functions are total over what the domain accepts (dates within its window,
finite numbers within ±1e12, however close a target lies to its baseline): no date
overflow, no division by zero, no NaN or infinity out. The crashes that reach
furthest also hold beyond it: an away period ending on the last representable day,
metric values whose differences overflow.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.clock import zone_info

HALF_LIFE = timedelta(days=14)
WEIGHTS: Mapping[str, float] = {
    "action": 1.0,
    "win": 1.5,
    "review": 1.0,
    "milestone": 2.0,
    "achieved": 3.0,
}
SIGNALS = ("motivation", "focus", "learning", "recognition", "satisfaction")


@dataclass(frozen=True)
class Interval:
    """A span of time [start, end) during which the decay clock stops."""

    start: datetime
    end: datetime


def local_noon(day: date, timezone: str) -> datetime:
    """Noon of `day` in the member's timezone: an action of that day decays from
    then, or from when it was logged if that was earlier (`noon_lead`)."""
    return datetime.combine(day, time(12), zone_info(timezone))


def noon_lead(logged: datetime, day: date, timezone: str) -> float:
    """How many seconds before local noon of `day` an action logged at `logged` for
    that day starts to decay: noon − logged when it was logged on that very day (its
    local date in `timezone`) before noon, else 0 (logged at or after noon, or for an
    earlier day). Real elapsed seconds, as by the wall clock: away days do not stop
    this count (docs/metrics.md, "When an action counts")."""
    zone = zone_info(timezone)
    if logged.astimezone(zone).date() != day:
        return 0.0
    noon = local_noon(day, timezone)
    return max(0.0, (noon.astimezone(UTC) - logged.astimezone(UTC)).total_seconds())


NOON_QUANTUM = 2.0**-32
"""Noon-equivalent weights are multiples of this: sums and differences of them (below
2^21) are exact in floating point, so a day's total does not depend on the order in
which its actions were added and taken away (an incremental build equals a rebuild,
bit for bit). The rounding is below 10^-9 of an action."""


def noon_equivalent(weight: float, lead_seconds: float) -> float:
    """The weight that, decaying from noon, equals `weight` decaying from
    `lead_seconds` before noon at every instant: w · 0.5^(lead / H).

    Decay is exponential, so an action whose decay starts `lead` before its day's
    noon is the same, at every instant, as this weight decaying from noon — before
    noon too, read with a negative age (w_eq · 0.5^((x − noon)/H) = w · 0.5^((x −
    logged)/H)). Rounded to a multiple of `NOON_QUANTUM`; `weight` itself when the
    lead is 0 (or not positive)."""
    if not lead_seconds > 0:
        return float(weight)
    exact = weight * float(0.5 ** (lead_seconds / HALF_LIFE.total_seconds()))
    return round(exact / NOON_QUANTUM) * NOON_QUANTUM


def away_intervals(
    periods: Iterable[tuple[date, date]], timezone: str
) -> list[Interval]:
    """Away periods (inclusive local dates) as instants, merged and sorted."""
    zone = zone_info(timezone)
    spans = sorted(
        (datetime.combine(start, time(0), zone), _day_after(end, zone))
        for start, end in periods
    )
    merged: list[Interval] = []
    for start, end in spans:
        if merged and start <= merged[-1].end:
            last = merged.pop()
            merged.append(Interval(last.start, max(last.end, end)))
        else:
            merged.append(Interval(start, end))
    return merged


def _day_after(day: date, zone: ZoneInfo) -> datetime:
    """Midnight ending `day` (the last day has no next one: its last instant)."""
    if day == date.max:
        return datetime.combine(day, time.max, zone)
    return datetime.combine(day + timedelta(days=1), time(0), zone)


def active_time(start: datetime, end: datetime, away: Sequence[Interval]) -> timedelta:
    """Time between `start` and `end` (start ≤ end) minus the away time within it.

    Real elapsed time: instants are compared in UTC, so a DST change counts as the
    hour it really adds or removes, whatever timezone the datetimes are written in.
    """
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    total = end - start
    for span in away:
        overlap = min(end, span.end.astimezone(UTC)) - max(
            start, span.start.astimezone(UTC)
        )
        if overlap > timedelta(0):
            total -= overlap
    return total


def decay(elapsed: timedelta) -> float:
    """The factor 0.5 ^ (elapsed / H)."""
    return float(0.5 ** (elapsed / HALF_LIFE))


def raw_score(
    points: Iterable[tuple[datetime, float]],
    now: datetime,
    away: Sequence[Interval] = (),
) -> float:
    """Σ w · 0.5^((now − t)/H) over points with t ≤ now, the clock stopped when away."""
    return sum(w * decay(active_time(t, now, away)) for t, w in points if t <= now)


def raw_scores_at(
    points: Iterable[tuple[datetime, float]],
    checkpoints: Sequence[datetime],
    away: Sequence[Interval] = (),
) -> list[float]:
    """`raw_score` at each checkpoint (any order), by one sweep over the points.

    The decay between two instants depends only on the active time between them, so
    the score is carried from one instant to the next (raw ← raw · decay + w): O((P +
    C) log(P + C) + A) instead of O(P · C · A). Away intervals are taken as their union
    (`away_intervals` already merges them).
    """
    timeline = sorted(
        [(t.timestamp(), 0, w) for t, w in points]
        + [(c.timestamp(), 1, float(n)) for n, c in enumerate(checkpoints)]
    )  # at equal instants points sort first: a point at `now` counts
    clock = _ActiveClock(away)
    half_life = HALF_LIFE.total_seconds()
    scores = [0.0] * len(checkpoints)
    raw, last = 0.0, None
    for instant, is_checkpoint, value in timeline:
        active = clock.at(instant)
        if last is not None:
            raw *= 0.5 ** ((active - last) / half_life)
        last = active
        if is_checkpoint:
            scores[int(value)] = raw
        else:
            raw += value
    return scores


class _ActiveClock:
    """Seconds of active (not away) time since the epoch, read at rising instants."""

    def __init__(self, away: Sequence[Interval]) -> None:
        merged: list[Interval] = []
        for span in sorted(away, key=lambda s: s.start.timestamp()):
            if merged and span.start <= merged[-1].end:
                merged[-1] = Interval(merged[-1].start, max(merged[-1].end, span.end))
            else:
                merged.append(span)
        self._spans = [(s.start.timestamp(), s.end.timestamp()) for s in merged]
        self._next = 0  # first span not wholly before the last instant read
        self._away_before = 0.0  # away seconds in the spans before `_next`

    def at(self, instant: float) -> float:
        """Active seconds up to `instant` (never earlier than the previous call)."""
        spans = self._spans
        while self._next < len(spans) and spans[self._next][1] <= instant:
            start, end = spans[self._next]
            self._away_before += end - start
            self._next += 1
        partial = 0.0
        if self._next < len(spans):
            partial = max(0.0, instant - spans[self._next][0])
        return instant - self._away_before - partial


def momentum(raw: float, weekly_target: int) -> int:
    """Raw score normalised so that steadily meeting the target converges to 100."""
    per_day = max(1, weekly_target) / 7  # the domain keeps the target 1–50
    steady = per_day * (HALF_LIFE / timedelta(days=1)) / math.log(2)
    score = 100 * raw / steady
    return round(score) if math.isfinite(score) else 0


SHOWN_MAX = 100  # momentum is shown capped: 100 is exactly the target pace
GRACE = timedelta(days=7)  # a member's first week: "new", never flagged


def momentum_shown(score: int) -> int:
    """The momentum shown on a 0–100 scale (the uncapped score is the % of pace)."""
    return max(0, min(SHOWN_MAX, score))


def momentum_label(score: int) -> str:
    """The momentum as shown: '100+' above the target pace, else the number."""
    return f"{SHOWN_MAX}+" if score > SHOWN_MAX else str(momentum_shown(score))


def trend(score_now: int, score_before: int) -> int:
    """Shown momentum now − shown momentum then: the two ends of the chart."""
    return momentum_shown(score_now) - momentum_shown(score_before)


def is_new_member(joined_at: datetime | None, now: datetime) -> bool:
    """Joined less than 7 days before `now` (the first grace week)."""
    return joined_at is not None and now - joined_at < GRACE


def week_start(day: date) -> date:
    """The Monday of the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


def weekly_counts(
    days: Iterable[date], today: date, weeks: int = 12
) -> list[tuple[date, int]]:
    """(Monday, count) of the last `weeks` ISO weeks, oldest first, this week last."""
    current = week_start(today)
    starts = [current - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    counts = dict.fromkeys(starts, 0)
    for day in days:
        monday = week_start(day)
        if monday in counts:
            counts[monday] += 1
    return list(counts.items())


def _week_entirely_away(monday: date, away_days: frozenset[date] | set[date]) -> bool:
    return all(monday + timedelta(days=i) in away_days for i in range(7))


def week_target(
    monday: date, weekly_target: int, away_days: frozenset[date] | set[date]
) -> int:
    """The target of the ISO week of `monday`, pro-rated by its days not away and
    rounded up: T · present / 7 (0 for a week entirely away)."""
    present = sum(1 for i in range(7) if monday + timedelta(days=i) not in away_days)
    return -(-max(1, weekly_target) * present // 7)


def streak(
    counts: Mapping[date, int],
    today: date,
    needed: int,
    away_days: frozenset[date] | set[date] = frozenset(),
) -> int:
    """Consecutive ISO weeks that met their target (`needed` pro-rated by the days
    not away, `week_target`), ending with the last complete week.

    The current week counts once it has met its target; a week entirely away
    neither breaks nor extends the streak.
    """
    current = week_start(today)
    due = week_target(current, needed, away_days)
    total = 1 if due and counts.get(current, 0) >= due else 0
    monday = current - timedelta(weeks=1)
    earliest = min(counts, default=monday)
    while monday >= earliest:
        due = week_target(monday, needed, away_days)
        if due:
            if counts.get(monday, 0) < due:
                break
            total += 1
        monday -= timedelta(weeks=1)
    return total


def commitments_kept_percent(outcomes: Iterable[bool]) -> int | None:
    """kept / (kept + missed) as a whole percentage; None when nothing was marked."""
    marked = list(outcomes)
    if not marked:
        return None
    return round(100 * sum(marked) / len(marked))


def rut_parts(
    signals: Mapping[str, int] | None,
    momentum_score: int,
    days_since_action: float | None,
) -> tuple[float, float, float]:
    """The parts of rut risk, each 0–1: s (signals), b (momentum), i (inactivity)."""
    s = (
        0.5
        if signals is None
        else sum((5 - signals[n]) / 4 for n in SIGNALS) / len(SIGNALS)
    )
    b = 1 - min(1.0, momentum_score / 100)
    i = 1.0 if days_since_action is None else min(1.0, days_since_action / 21)
    return s, b, i


def rut_risk(
    signals: Mapping[str, int] | None,
    momentum_score: int,
    days_since_action: float | None,
) -> int:
    """0–100 from what the member says (signals) and does (momentum, inactivity)."""
    s, b, i = rut_parts(signals, momentum_score, days_since_action)
    return round(100 * (0.4 * s + 0.4 * b + 0.2 * i))


def rut_level(risk: int) -> str:
    """low < 34 ≤ medium < 67 ≤ high."""
    if risk < 34:
        return "low"
    return "medium" if risk < 67 else "high"


def is_rising(risk_now: int, risk_14_days_ago: int) -> bool:
    """Risk rose by 20 or more within 14 days."""
    return risk_now - risk_14_days_ago >= 20


def elapsed_percent(set_on: date, due_on: date, today: date) -> float:
    """How much of the goal's time has passed, 0–100."""
    span = (due_on - set_on).days
    if span <= 0:
        return 100.0
    return max(0.0, min(100.0, 100.0 * (today - set_on).days / span))


ON_TRACK_MARGIN = 10.0
"""How many points of progress % a goal may lag its elapsed % and still be on track."""


def on_track(progress: float, set_on: date, due_on: date, today: date) -> bool:
    """Progress % ≥ elapsed % − 10."""
    return progress >= elapsed_percent(set_on, due_on, today) - ON_TRACK_MARGIN


@dataclass(frozen=True)
class MetricLine:
    """A metric goal's straight on-track line from (set, baseline) to (due, target)."""

    set_on: date
    due_on: date
    baseline: float
    target: float

    def expected(self, day: date) -> float:
        """Where the line is on `day`."""
        span = max(1, (self.due_on - self.set_on).days)
        return (
            self.baseline
            + (self.target - self.baseline) * (day - self.set_on).days / span
        )


def safety_buffer(
    line: MetricLine, value_now: float, value_28_days_ago: float, today: date
) -> int:
    """Whole days until the goal falls behind at the last 28 days' rate.

    Behind means what the verdict means: progress % under elapsed % − 10, that is
    more than 10 % of the metric's span short of the straight line from (set,
    baseline) to (due, target); a goal set today has that whole margin ahead of it.
    0 when already behind; the days left until the due date when it never falls behind.
    """
    direction = 1.0 if line.target >= line.baseline else -1.0
    days_left = max(0, (line.due_on - today).days)
    margin = abs(line.target - line.baseline) * ON_TRACK_MARGIN / 100
    gap = direction * (value_now - line.expected(today)) + margin
    if not gap >= 0:  # behind (or a NaN from values beyond any the domain accepts)
        return 0
    span = max(1, (line.due_on - line.set_on).days)
    slope = (line.target - line.baseline) / span
    rate = (value_now - value_28_days_ago) / 28
    closing = direction * (slope - rate)  # how fast the gap shrinks per day
    if not closing > 0:
        return days_left
    days = gap / closing  # inf when closing is tiny next to the gap
    return math.floor(days) if days < days_left else days_left


def is_stalled(
    status: str,
    last_activity: date | None,
    set_on: date,
    due_on: date,
    progress: float,
    today: date,
) -> bool:
    """Active, and quiet for 14 days — or due within 7 days and under 50 % done.

    Never on the day the goal was set: nothing could have been done yet.
    """
    if status != "active" or today <= set_on:
        return False
    quiet_since = last_activity or set_on
    if (today - quiet_since).days >= 14:
        return True
    return (due_on - today).days <= 7 and progress < 50


GOAL_VERDICTS = ("on_track", "behind", "stalled", "done", "paused", "abandoned")
"""Every verdict a goal can have; exactly one applies at a time."""


def goal_verdict(status: str, stalled: bool, on_track: bool) -> str:
    """The one status shown for a goal: done, paused or abandoned as it stands;
    an active goal is stalled before anything else, else on track or behind."""
    if status == "achieved":
        return "done"
    if status != "active":
        return status
    if stalled:
        return "stalled"
    return "on_track" if on_track else "behind"
