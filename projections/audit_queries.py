"""Searching the audit index (`audit_index`): the events' metadata by actor, item,
type and time, in log order, one keyset page at a time (SPEC 9, issue 17).

Only metadata: position, time, actor, aggregate, type and chain hash. The index
holds no content, so nothing here can show what an event said.

Every filter is served by an index of `projections.audit`: the actor by
`(actor_id, position)`, the item by `aggregate_id`, the type by `(aggregate_type,
event_type, position)`, the time by `(occurred_at, position)` and, for a range deep
in the log, by the positions of the days it spans (`audit_days`: the range is read
along the primary key between them); pages continue after a position (the primary
key), so a page costs about the same at the end of the log as at its start.
Measured by `bench/audit.py` (1,000,000 rows, PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from projections.audit import audit_days as d
from projections.audit import audit_index as t

STREAM_BATCH = 500
"""Rows read per query while streaming a search."""


@dataclass(frozen=True)
class AuditFilter:
    """Which events to find; None matches anything. `since` is inclusive, `until`
    exclusive; `event_type` without `aggregate_type` is not a filter of its own."""

    actor_id: str | None = None
    aggregate_id: str | None = None
    aggregate_type: str | None = None
    event_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE clauses of this filter."""
        found: list[ColumnElement[bool]] = []
        if self.actor_id is not None:
            found.append(t.c.actor_id == self.actor_id)
        if self.aggregate_id is not None:
            found.append(t.c.aggregate_id == self.aggregate_id)
        if self.aggregate_type is not None:
            found.append(t.c.aggregate_type == self.aggregate_type)
            if self.event_type is not None:
                found.append(t.c.event_type == self.event_type)
        if self.since is not None:
            found.append(t.c.occurred_at >= self.since.astimezone(UTC))
        if self.until is not None:
            found.append(t.c.occurred_at < self.until.astimezone(UTC))
        return found


@dataclass(frozen=True)
class AuditRow:
    """One event as the audit index has it."""

    position: int
    occurred_at: datetime
    actor_id: str | None
    aggregate_id: str
    aggregate_type: str
    event_type: str
    chain_hash: str

    @classmethod
    def of(cls, row: Any) -> AuditRow:
        """The event of an `audit_index` row (its columns by name)."""
        return cls(
            row.position,
            _utc(row.occurred_at),
            row.actor_id,
            row.aggregate_id,
            row.aggregate_type,
            row.event_type,
            row.chain_hash,
        )


COLUMNS = (
    t.c.position,
    t.c.occurred_at,
    t.c.actor_id,
    t.c.aggregate_id,
    t.c.aggregate_type,
    t.c.event_type,
    t.c.chain_hash,
)
"""The columns an `AuditRow` is made of."""


def search(
    conn: Connection, where: AuditFilter, after: int = 0, limit: int = 50
) -> list[AuditRow]:
    """Up to `limit` events matching `where` after log position `after`, oldest
    first."""
    conditions = [t.c.position > after, *where.conditions()]
    bounds = _positions_of_days(conn, where)
    if bounds is None:
        return []  # no event on or after `since`, or before `until`
    lower, upper = bounds
    if lower is not None:
        conditions.append(t.c.position >= lower)
    if upper is not None:
        conditions.append(t.c.position <= upper)
    # The page's positions first, from the filter's index alone (each ends in the
    # position); then only those rows.
    page = (
        select(t.c.position)
        .where(*conditions)
        .order_by(t.c.position)
        .limit(limit)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(*COLUMNS).where(t.c.position.in_(page)).order_by(t.c.position)
    )
    return [AuditRow.of(row) for row in rows]


def _positions_of_days(
    conn: Connection, where: AuditFilter
) -> tuple[int | None, int | None] | None:
    """Bounds on the positions of the events in the filter's time range, from the
    days it spans (`audit_days`): a range deep in the log is then read along the
    primary key from its first day's lowest position, not by sorting the whole
    range's index. None if no event can be in the range."""
    lower = upper = None
    if where.since is not None:
        first_day = where.since.astimezone(UTC).date()
        lower = conn.scalar(
            select(func.min(d.c.first_position)).where(d.c.day >= first_day)
        )
        if lower is None:
            return None
    if where.until is not None:
        last_day = (where.until - timedelta(microseconds=1)).astimezone(UTC).date()
        upper = conn.scalar(
            select(func.max(d.c.last_position)).where(d.c.day <= last_day)
        )
        if upper is None:
            return None
    return lower, upper


def _utc(moment: datetime) -> datetime:
    """A time from the index in UTC (SQLite hands it back naive, in UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def stream(
    connect: Callable[[], AbstractContextManager[Connection]],
    where: AuditFilter,
    after: int = 0,
    limit: int | None = None,
) -> Iterator[AuditRow]:
    """Every event matching `where` after `after` (at most `limit`), read
    `STREAM_BATCH` at a time, each batch on a connection of its own from `connect`
    (nothing is held open between batches while a slow client reads)."""
    left = limit
    while left is None or left > 0:
        size = STREAM_BATCH if left is None else min(STREAM_BATCH, left)
        with connect() as conn:
            batch = search(conn, where, after, size)
        yield from batch
        if len(batch) < size:
            return
        after = batch[-1].position
        left = None if left is None else left - len(batch)
