"""What every Momentum aggregate shares: clock-stamped events and input guards."""

from __future__ import annotations

import re
import unicodedata
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


_ALLOWED_CONTROLS = frozenset("\n\r\t")


def _printable(text: str, field: str, label: str) -> str:
    """Refuse control characters other than line breaks and tabs: a NUL cannot be
    stored in PostgreSQL text, and none of them means anything in a title or note."""
    if any(
        unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in text
    ):
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
    """Return `value` as a finite float, or raise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{label} must be a number.", field)
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValidationError(f"{label} must be a finite number.", field)
    return number


def require_date(value: Any, field: str, label: str) -> date:
    """Return `value` if it is a calendar date (a datetime is not), else raise."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(f"{label} must be a date (YYYY-MM-DD).", field)
    return value
