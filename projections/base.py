"""What read models share beyond `projections.batching`: a UTC timestamp column on
every backend, and the handlers of a members' timezone table.

(Read models themselves derive from `projections.batching.BatchedProjection`.)
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect, Table
from sqlalchemy.types import TypeDecorator

from projections.batching import Batch, Handlers
from service.domain.member import Member


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant stored as UTC on every backend (SQLite keeps no
    offset), read back as an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    @staticmethod
    def sqlite_text(value: datetime | None) -> str | None:
        """What `process_bind_param` and SQLite's DATETIME processor make of
        `value` together, made at once (`projections.batching.Upsert`)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def keeps_timezones(handlers: Handlers[Batch], table: Table) -> None:
    """Register the handlers that keep `table`'s rows of (member_id, timezone): each
    member's timezone as registered, then as changed (what a model needs to turn
    instants into the member's days)."""

    @handlers.on(Member.Registered)
    def registered(b: Batch, e: Member.Registered, _pos: int) -> None:
        b[table].insert(member_id=str(e.originator_id), timezone=e.timezone)

    @handlers.on(Member.ProfileUpdated)
    def profile_updated(b: Batch, e: Member.ProfileUpdated, _pos: int) -> None:
        b[table].update(str(e.originator_id), timezone=e.timezone)
