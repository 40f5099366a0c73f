"""Tracking: each read model's position in the event log, written in the same
transaction as its rows. The position only moves by a conditional update, so two
runners on one read model can never both apply the same events.

A read model that cannot apply an event is *stopped* there: the row records the
event's position, type and the error, so every process (the web workers' health
check, the admin page, `/metrics`) sees it, while the other read models go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    String,
    Table,
    Text,
    bindparam,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from projections.base import UTCDateTime
from projections.db import metadata

tracking = Table(
    "projection_tracking",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("stopped_at", BigInteger, nullable=True),
    Column("stopped_event", String(200), nullable=True),
    Column("stopped_error", Text, nullable=True),
    Column("stopped_on", UTCDateTime, nullable=True),
)

ERROR_TEXT_LIMIT = 2000


class PositionMovedError(Exception):
    """Another runner advanced this read model first; nothing was applied."""


@dataclass(frozen=True)
class Stopped:
    """Where a read model stopped: the event it could not apply, and why."""

    name: str
    position: int
    event_type: str
    error: str
    at: datetime

    def describe(self) -> str:
        """One line for logs, the CLI and the admin page."""
        return (
            f"{self.name} stopped at event {self.position} ({self.event_type}): "
            f"{self.error}"
        )


@dataclass(frozen=True)
class State:
    """A read model's position, and where it stopped if it did."""

    position: int
    stopped: Stopped | None


def position(conn: Connection, name: str) -> int:
    """The last applied notification id of a read model (0 if none)."""
    found = conn.execute(select(tracking.c.position).where(tracking.c.name == name))
    return int(found.scalar() or 0)


def states(conn: Connection) -> dict[str, State]:
    """Every tracked read model's position and stop, in one query."""
    found: dict[str, State] = {}
    for row in conn.execute(select(tracking)):
        stopped = None
        if row.stopped_at is not None:
            stopped = Stopped(
                row.name,
                int(row.stopped_at),
                row.stopped_event or "",
                row.stopped_error or "",
                row.stopped_on,
            )
        found[row.name] = State(int(row.position), stopped)
    return found


def ensure(conn: Connection, name: str) -> None:
    """Create the tracking row of a read model at position 0 if it is missing."""
    dialect = conn.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    conn.execute(
        insert(tracking).values(name=name, position=0).on_conflict_do_nothing()
    )


def advance(conn: Connection, name: str, expected: int, new: int) -> None:
    """Move from `expected` to `new`, or raise if the position is not `expected`."""
    moved = conn.execute(
        update(tracking)
        .where(
            tracking.c.name == name,
            tracking.c.position == expected,
            tracking.c.stopped_at.is_(None),
        )
        .values(position=new)
    )
    if moved.rowcount != 1:
        raise PositionMovedError(f"{name} is no longer at position {expected}")


def advance_all(conn: Connection, moves: dict[int, list[str]], new: int) -> None:
    """Move every read model named in `moves` (expected position -> names) to `new`
    (one statement per expected position), or raise if one is not where expected."""
    for expected, names in moves.items():
        moved = conn.execute(
            _ADVANCE_ALL, {"names": names, "expected": expected, "new": new}
        )
        if moved.rowcount != len(names):
            raise PositionMovedError(f"{names} are no longer all at {expected}")


_ADVANCE_ALL = (
    update(tracking)
    .where(
        tracking.c.name.in_(bindparam("names", expanding=True)),
        tracking.c.position == bindparam("expected"),
        tracking.c.stopped_at.is_(None),
    )
    .values(position=bindparam("new"))
)


def stop(conn: Connection, stopped: Stopped) -> None:
    """Record that a read model cannot apply the event at `stopped.position`."""
    conn.execute(
        update(tracking)
        .where(tracking.c.name == stopped.name)
        .values(
            stopped_at=stopped.position,
            stopped_event=stopped.event_type[:200],
            stopped_error=stopped.error[:ERROR_TEXT_LIMIT],
            stopped_on=stopped.at,
        )
    )


def resume(conn: Connection, names: list[str] | None = None) -> None:
    """Forget the stops of these read models (all if None): they try again."""
    statement = update(tracking).values(
        stopped_at=None, stopped_event=None, stopped_error=None, stopped_on=None
    )
    if names is not None:
        statement = statement.where(tracking.c.name.in_(names))
    conn.execute(statement)


def reset(conn: Connection, name: str) -> None:
    """Back to position 0, not stopped (for a rebuild)."""
    conn.execute(update(tracking).where(tracking.c.name == name).values(position=0))
    resume(conn, [name])
