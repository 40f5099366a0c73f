"""Failed sign-ins, for throttling (not a read model: nothing in the log feeds it).

It lives in the read-model database so every web worker sees the same counts. Keys
are HMACs of the email or client address (web.throttle), never the address itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    String,
    Table,
    delete,
    func,
    insert,
    select,
)

from projections.base import UTCDateTime
from projections.db import metadata

failures = Table(
    "momentum_sign_in_failures",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("scope", String(8), nullable=False),
    Column("key", String(64), nullable=False),
    Column("failed_at", UTCDateTime(), nullable=False),
    Index("ix_sign_in_failures_key", "scope", "key", "failed_at"),
)


def record(conn: Connection, scope: str, key: str, at: datetime) -> None:
    """Remember one failed attempt."""
    conn.execute(insert(failures).values(scope=scope, key=key, failed_at=at))


def since(conn: Connection, scope: str, key: str, start: datetime) -> list[datetime]:
    """The times of the key's failures after `start`, oldest first."""
    rows = conn.execute(
        select(failures.c.failed_at)
        .where(
            failures.c.scope == scope,
            failures.c.key == key,
            failures.c.failed_at > start,
        )
        .order_by(failures.c.failed_at)
    )
    return [row.failed_at for row in rows]


def clear(conn: Connection, scope: str, key: str) -> None:
    """Forget the key's failures (after a successful sign-in)."""
    conn.execute(
        delete(failures).where(failures.c.scope == scope, failures.c.key == key)
    )


def forget_before(conn: Connection, cutoff: datetime) -> int:
    """Delete failures older than `cutoff` (they no longer count); how many."""
    result = conn.execute(delete(failures).where(failures.c.failed_at < cutoff))
    return int(result.rowcount or 0)


def count(conn: Connection) -> int:
    """How many failures are remembered (for tests and the admin view)."""
    return int(conn.execute(select(func.count()).select_from(failures)).scalar_one())
