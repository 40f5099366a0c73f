"""Time for the service: a clock that tests and the demo can fix.

The clock in force while a command runs also stamps the time of every event the
command records, so history written "in the past" (the demo, tests) goes through
the same rules as live traffic instead of around them.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Something that tells the current time (timezone-aware, UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests and the demo."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware(at)

    def now(self) -> datetime:
        """Return the fixed time."""
        return self._at

    def set(self, at: datetime) -> None:
        """Move the clock to a given time (forwards or backwards)."""
        self._at = _aware(at)

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward by a timedelta given as keywords."""
        self._at += timedelta(**delta)
        return self._at


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("clock times must be timezone-aware")
    return at.astimezone(UTC)


_SYSTEM_CLOCK = SystemClock()
_current: contextvars.ContextVar[Clock | None] = contextvars.ContextVar(
    "momentum_clock", default=None
)


def current_time() -> datetime:
    """The time of the clock in force (used to stamp events)."""
    return (_current.get() or _SYSTEM_CLOCK).now()


class using:  # noqa: N801 (used as a function: `with using(clock):`)
    """Make `clock` the clock in force for the duration of the block (a class, not
    a generator: it wraps every command)."""

    __slots__ = ("_clock", "_token")

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def __enter__(self) -> None:
        self._token = _current.set(self._clock)

    def __exit__(self, *_: object) -> None:
        _current.reset(self._token)


@functools.lru_cache(maxsize=1024)
def zone_info(timezone: str) -> ZoneInfo:
    """The IANA timezone of this name, loaded once per process (`ZoneInfo` keeps
    only the last 8 names strongly: with members in more zones than that, it read
    the zone file again and again)."""
    return ZoneInfo(timezone)


def local_date(at: datetime, timezone: str) -> date:
    """The calendar date of `at` in an IANA timezone."""
    return at.astimezone(zone_info(timezone)).date()


def day_end(day: date, zones: Sequence[tuple[datetime, str]]) -> tuple[datetime, str]:
    """When local day `day` ended for someone whose timezone was `zones[0]`'s and then
    changed at each later instant listed (in order), and the zone in force then:
    the last instant before their own date (in the zone in force) first passed
    `day` — the day's last microsecond in their zone, or just before a move that
    took them past it. A move west after it ended does not bring it back. The
    first zone holds from the beginning of time."""
    if not zones:
        raise ValueError("day_end needs at least one zone")
    tick = timedelta(microseconds=1)
    for n, (since, zone) in enumerate(zones):
        if n and since.astimezone(zone_info(zone)).date() > day:
            return (since - tick).astimezone(UTC), zones[n - 1][1]  # moved past it
        end = datetime.combine(day, time.max, zone_info(zone))
        if n + 1 == len(zones) or end < zones[n + 1][0]:
            return end.astimezone(UTC), zone
    raise AssertionError("unreachable: the last zone always ends the day")
