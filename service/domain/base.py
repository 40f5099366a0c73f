"""What every Momentum aggregate shares: clock-stamped events and input guards.

The guards also hold the input limits, in this one place: every date a member gives
lies between `EARLIEST_DAY` and `YEARS_AHEAD` years after today, and every number
is finite and within ±`NUMBER_LIMIT`. No real member needs more, and every read
model can apply whatever passes them (no date or float overflow downstream).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlparse
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from service.clock import current_time
from service.errors import ValidationError

NAMESPACE = uuid5(NAMESPACE_URL, "https://momentum.invalid/ids")

OPERATOR_ID = uuid5(NAMESPACE, "operator")
"""The actor of changes made by the operator at the command line."""

VISIBILITIES = ("private", "mentors", "group")
"""From narrowest to widest."""

EARLIEST_DAY = date(1900, 1, 1)
"""No date a member gives (due dates, days away, action days) is earlier."""
YEARS_AHEAD = 5
"""No date a member gives is more than this many years after today."""
NUMBER_LIMIT = 1e12
"""Every number a member gives (metric baselines, targets, values) lies within ±it."""


def derived_id(*parts: object) -> UUID:
    """A deterministic id for an index or a pair (same parts → same id)."""
    return uuid5(NAMESPACE, ":".join(str(p) for p in parts))


class MomentumAggregate(Aggregate):
    """Base aggregate: events are stamped by the clock in force (see service.clock)."""

    class Event(Aggregate.Event):
        @staticmethod
        def create_timestamp() -> datetime:
            return current_time()

    class Created(Event, Aggregate.Created):
        pass


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Unicode's control characters (category Cc: U+0000-U+001F and U+007F-U+009F, a
set the standard never changes) but tab, line feed and carriage return."""


def _printable(text: str, field: str, label: str) -> str:
    """Refuse control characters other than line breaks and tabs: a NUL cannot be
    stored in PostgreSQL text, and none of them means anything in a title or note."""
    if _CONTROL.search(text):
        raise ValidationError(f"{label} must not contain control characters.", field)
    return text


def require_text(
    value: str | None, field: str, label: str, *, max_len: int = 200
) -> str:
    """Return `value` stripped, or raise if it is empty, too long or holds control
    characters."""
    text = _printable((value or "").strip(), field, label)
    if not text:
        raise ValidationError(f"{label} is required.", field)
    if len(text) > max_len:
        raise ValidationError(f"{label} must be at most {max_len} characters.", field)
    return text


def optional_text(
    value: str | None, field: str, label: str, *, max_len: int = 5000
) -> str:
    """Return `value` stripped ('' when absent), or raise if it is too long or holds
    control characters."""
    text = _printable((value or "").strip(), field, label)
    if len(text) > max_len:
        raise ValidationError(f"{label} must be at most {max_len} characters.", field)
    return text


def require_choice(value: str, choices: tuple[str, ...], field: str, label: str) -> str:
    """Return `value` if it is one of `choices`, else raise naming the choices."""
    if value not in choices:
        raise ValidationError(f"{label} must be one of: {', '.join(choices)}.", field)
    return value


def require_visibility(value: str, field: str = "visibility") -> str:
    """Return a valid visibility."""
    return require_choice(value, VISIBILITIES, field, "Visibility")


def narrower_or_equal(visibility: str, than: str) -> bool:
    """True if `visibility` shows an item to no more people than `than`."""
    return VISIBILITIES.index(visibility) <= VISIBILITIES.index(than)


_URL_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d+)?$")


def optional_url(value: str | None, field: str, label: str) -> str | None:
    """Return an http(s) URL, None when absent, or raise for anything else."""
    text = _printable((value or "").strip(), field, label)
    if not text:
        return None
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not _URL_HOST.match(parsed.netloc):
        raise ValidationError(
            f"{label} must be a web address starting with https://.", field
        )
    if len(text) > 2000:
        raise ValidationError(f"{label} must be at most 2000 characters.", field)
    return text


def require_number(value: Any, field: str, label: str) -> float:
    """Return `value` as a finite float within ±`NUMBER_LIMIT`, or raise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{label} must be a number.", field)
    try:
        number = float(value)
    except OverflowError:  # an int beyond any float
        number = float("inf")
    if number != number or number in (float("inf"), float("-inf")):
        raise ValidationError(f"{label} must be a finite number.", field)
    if abs(number) > NUMBER_LIMIT:
        raise ValidationError(
            f"{label} must be between -{NUMBER_LIMIT:,.0f} and {NUMBER_LIMIT:,.0f}.",
            field,
        )
    return number


def latest_day(today: date | None = None) -> date:
    """The last date a member may give: `YEARS_AHEAD` years after `today` (default:
    today by the clock in force, in UTC)."""
    day = today if today is not None else current_time().date()
    if day.month == 2 and day.day == 29:
        day = day.replace(day=28)
    return day.replace(year=day.year + YEARS_AHEAD)


def require_date(
    value: Any, field: str, label: str, *, today: date | None = None
) -> date:
    """Return `value` if it is a calendar date (a datetime is not) from
    `EARLIEST_DAY` to `latest_day(today)`, else raise."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(f"{label} must be a date (YYYY-MM-DD).", field)
    if value < EARLIEST_DAY:
        raise ValidationError(
            f"{label} must be on or after {EARLIEST_DAY.isoformat()}.", field
        )
    latest = latest_day(today)
    if value > latest:
        raise ValidationError(
            f"{label} must be at most {YEARS_AHEAD} years ahead "
            f"(on or before {latest.isoformat()}).",
            field,
        )
    return value


def optional_date(
    value: Any, field: str, label: str, *, today: date | None = None
) -> date | None:
    """None when absent, else as `require_date`."""
    return None if value is None else require_date(value, field, label, today=today)
