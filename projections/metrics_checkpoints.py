"""Checkpoint maths of the metrics read model (SPEC 5): values in, values out, no
database access.

Checkpoints: every week (in the member's current timezone) that holds a point has a
row in `action_weeks` (`projections.metrics_tables`), and only those weeks. Besides
its actions per weekday the row keeps what all points up to the week's end add up
to: the raw score at the end of the week (`raw_end`, SPEC 5's raw ← raw ·
0.5^(active time / H) + w, the clock stopped on away days), the action and review
streaks ending with the week (`run`, `review_run`) and the last action day so far
(`last_day`). A query then starts from one row and adds the few points after it.

Each row is computed from the previous row and the week's points alone
(`next_week`), in one fixed order, so the stored numbers are a function of the facts
and of nothing else (an incremental build equals a rebuild, bit for bit). The
projection (`projections.metrics`) stores the rows; the queries
(`projections.metrics_queries`) read on from them with the same helpers (the active
clock, `decayed`, `runs_before`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from projections.formulas import (
    HALF_LIFE,
    Interval,
    away_intervals,
    local_noon,
    week_target,
)
from service.clock import zone_info

WEEK = timedelta(weeks=1)


HALF_LIFE_SECONDS = HALF_LIFE.total_seconds()


# Instants as epoch seconds, cached: members share timezones and recent days, so a
# read of many members (or a batch of events) converts each day once.
@lru_cache(maxsize=1 << 14)
def noon_at(day: date, timezone: str) -> float:
    """Local noon of `day` (what the day's noon-equivalent weight decays from), in
    epoch seconds."""
    return local_noon(day, timezone).timestamp()


@lru_cache(maxsize=1 << 14)
def week_end_at(monday: date, timezone: str) -> float:
    """When a local ISO week ends (midnight starting the next Monday), in epoch
    seconds."""
    return datetime.combine(monday + WEEK, time(0), zone_info(timezone)).timestamp()


def decayed(raw: float, active_from: float, active_to: float) -> float:
    """`raw` decayed over the active seconds between two readings of `ActiveClock`
    (read at an earlier instant than `active_from`: grown by the negative age, as a
    day's noon-equivalent weight is in the morning before its noon)."""
    return raw * float(0.5 ** ((active_to - active_from) / HALF_LIFE_SECONDS))


def away_days(periods: Iterable[tuple[date, date]]) -> set[date]:
    """Every day of these away periods (inclusive dates)."""
    return {
        start + timedelta(days=n)
        for start, end in periods
        for n in range((end - start).days + 1)
    }


def entirely_away(monday: date, away: set[date]) -> bool:
    """The whole ISO week is away: it neither breaks nor extends a streak."""
    return all(monday + timedelta(days=n) in away for n in range(7))


class ActiveClock:
    """Active (not away) seconds since the epoch at any instant, by bisection."""

    def __init__(self, away: Sequence[Interval]) -> None:
        self._starts = [span.start.timestamp() for span in away]
        self._ends = [span.end.timestamp() for span in away]
        self._before = [0.0]  # away seconds in the spans before span i
        for start, end in zip(self._starts, self._ends, strict=True):
            self._before.append(self._before[-1] + end - start)

    def at(self, x: float) -> float:
        """Active seconds up to the instant `x` (epoch seconds; `away` is merged
        and sorted)."""
        i = bisect_right(self._starts, x)
        if i == 0:
            return x
        return (
            x - self._before[i - 1] - (min(x, self._ends[i - 1]) - self._starts[i - 1])
        )


class StoredWeek(NamedTuple):
    """A row of `action_weeks`: the week's actions and its checkpoint."""

    monday: date
    weights: tuple[float, ...]  # summed weight of the actions, per weekday
    counts: tuple[int, ...]  # number of actions, per weekday
    raw_end: float  # the raw score when the week ends
    run: int  # weeks in a row with the target met, ending with this one
    review_run: int  # weeks in a row with a review, ending with this one
    last_day: date | None  # the last action day up to this week's end

    @classmethod
    def empty(cls, monday: date) -> StoredWeek:
        """A week with no action yet."""
        return cls(monday, (0.0,) * 7, (0,) * 7, 0.0, 0, 0, None)

    @classmethod
    def of(cls, row: Any) -> tuple[str, StoredWeek]:
        """(member id, week) from a row of `stored_weeks`, read by position (much
        faster than by name)."""
        member_id, monday, *v = row
        return member_id, cls(monday, tuple(v[:7]), tuple(v[7:14]), *v[14:])


@dataclass(frozen=True)
class MemberClock:
    """What a member's checkpoints depend on besides their points."""

    timezone: str
    zone: ZoneInfo
    target: int
    away: set[date]
    clock: ActiveClock

    @classmethod
    def of(
        cls, timezone: str, target: int, periods: Sequence[tuple[date, date]]
    ) -> MemberClock:
        """The member's zone, target, away days and active clock."""
        intervals = away_intervals(periods, timezone)
        zone = zone_info(timezone)
        return cls(timezone, zone, target, away_days(periods), ActiveClock(intervals))


def runs_before(
    monday: date, known: Mapping[date, StoredWeek], away: set[date]
) -> tuple[int, int]:
    """(action, review) streaks ending the week before `monday`: weeks entirely away
    are skipped, a week without a stored row breaks both."""
    week = monday - WEEK
    while week not in known:
        if not entirely_away(week, away):
            return 0, 0
        week -= WEEK
    return known[week].run, known[week].review_run


def next_week(
    before: StoredWeek | None,
    week: StoredWeek,
    timed: Sequence[tuple[datetime, float, str]],
    member: MemberClock,
    known: Mapping[date, StoredWeek],
) -> StoredWeek:
    """The week with its checkpoint computed from the last stored week's before it
    and the week's own points: its actions and `timed` (instant, weight, kind).
    The points are added in one fixed order, so equal facts give equal floats."""
    monday, timezone, clock = week.monday, member.timezone, member.clock
    end = clock.at(week_end_at(monday, timezone))
    raw = 0.0
    if before is not None:
        raw = decayed(
            before.raw_end, clock.at(week_end_at(before.monday, timezone)), end
        )
    weighted = [
        (noon_at(monday + timedelta(days=n), timezone), weight)
        for n, (weight, count) in enumerate(zip(week.weights, week.counts, strict=True))
        if count
    ]
    weighted += [(at.timestamp(), weight) for at, weight, _ in timed]
    for at, weight in sorted(weighted):
        raw += decayed(weight, clock.at(at), end)
    run, review_run = runs_before(monday, known, member.away)
    if not entirely_away(monday, member.away):
        due = week_target(monday, member.target, member.away)
        run = run + 1 if sum(week.counts) >= due else 0
        reviewed = any(kind == "review" for _, _, kind in timed)
        review_run = review_run + 1 if reviewed else 0
    acted = [n for n, count in enumerate(week.counts) if count]
    last = monday + timedelta(days=acted[-1]) if acted else None
    if last is None and before is not None:
        last = before.last_day
    return week._replace(raw_end=raw, run=run, review_run=review_run, last_day=last)
