"""Tracking: each read model's position in the event log, written in the same
transaction as its rows. The position only moves by a conditional update, so two
runners on one read model can never both apply the same events."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, String, Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from projections.db import metadata

tracking = Table(
    "projection_tracking",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)


class PositionMovedError(Exception):
    """Another runner advanced this read model first; nothing was applied."""


def position(conn: Connection, name: str) -> int:
    """The last applied notification id of a read model (0 if none)."""
    found = conn.execute(select(tracking.c.position).where(tracking.c.name == name))
    return int(found.scalar() or 0)


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
        .where(tracking.c.name == name, tracking.c.position == expected)
        .values(position=new)
    )
    if moved.rowcount != 1:
        raise PositionMovedError(f"{name} is no longer at position {expected}")


def reset(conn: Connection, name: str) -> None:
    """Back to position 0 (for a rebuild)."""
    conn.execute(update(tracking).where(tracking.c.name == name).values(position=0))
