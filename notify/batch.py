"""Composing digests in batches: recipients a chunk at a time, each with their own
period, facts read once per chunk for everyone in it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import Connection

from notify.digest_model import (
    PERIOD_DAYS,
    GroupDigest,
    MemberDigest,
    MentorDigest,
    Period,
    period_for,
)
from notify.facts import Entry
from notify.recipients import Person, people

CHUNK = 500  # recipients composed together (bounds IN lists and memory)

D = TypeVar("D", MemberDigest, MentorDigest, GroupDigest)
Compose = Callable[[Connection, dict[str, Person], datetime, str], dict[str, D]]


def chunks(ids: Iterable[object]) -> Iterator[list[str]]:
    """The distinct ids as strings, CHUNK at a time, in the order given."""
    ordered = list(dict.fromkeys(str(i) for i in ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def compose_in_chunks(
    conn: Connection, ids: Iterable[object], now: datetime, period: str, by: Compose[D]
) -> dict[str, D]:
    """`by` over the known members among `ids`, a chunk at a time."""
    if period not in PERIOD_DAYS:
        raise ValueError(f"A digest period is one of {', '.join(PERIOD_DAYS)}.")
    found: dict[str, D] = {}
    for chunk in chunks(ids):
        who = people(conn, chunk)
        if who:
            found.update(by(conn, who, now, period))
    return found


def periods_of(
    who: Mapping[str, Person], now: datetime, kind: str
) -> dict[str, Period]:
    """Each recipient's period, in their own timezone."""
    return {m: period_for(kind, now, p.timezone) for m, p in who.items()}


def day_span(periods: Iterable[Period]) -> tuple[date, date]:
    """The first and last day of any of these periods."""
    spans = list(periods)
    return min(p.first_day for p in spans), max(p.last_day for p in spans)


def dated_in(entries: Iterable[Entry], period: Period) -> tuple[Entry, ...]:
    """The entries dated within the period."""
    return tuple(e for e in entries if e.day in period)
