"""Failed sign-ins and known client addresses, for throttling (not read models:
nothing in the log feeds them).

They live in the read-model database so every web worker sees the same counts. Keys
are HMACs of the email, the client address or both (web.throttle), never the email
or address itself. Failures are kept for the throttling window (15 minutes); a known
address (one the account signed in from) for 30 days after its latest success.
"""

from __future__ import annotations

from collections.abc import Iterable
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

known = Table(
    "momentum_sign_in_known",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("key", String(64), nullable=False),
    Column("signed_in_at", UTCDateTime(), nullable=False),
    Index("ix_sign_in_known_key", "key", "signed_in_at"),
)


def record(conn: Connection, scope: str, key: str, at: datetime) -> int:
    """Remember one failed attempt; its row id (to withdraw it)."""
    row = insert(failures).values(scope=scope, key=key, failed_at=at)
    return int(conn.execute(row.returning(failures.c.id)).scalar_one())


def withdraw(conn: Connection, ids: Iterable[int]) -> None:
    """Take back attempts counted in advance that did not fail."""
    conn.execute(delete(failures).where(failures.c.id.in_(list(ids))))


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


def remember_known(conn: Connection, key: str, at: datetime) -> None:
    """Remember a successful sign-in for the key (an account and an address)."""
    conn.execute(delete(known).where(known.c.key == key))
    conn.execute(insert(known).values(key=key, signed_in_at=at))


def is_known(conn: Connection, key: str, start: datetime) -> bool:
    """Whether the key signed in successfully after `start`."""
    found = conn.execute(
        select(known.c.id)
        .where(known.c.key == key, known.c.signed_in_at > start)
        .limit(1)
    )
    return found.first() is not None


def forget_known_before(conn: Connection, cutoff: datetime) -> int:
    """Delete known addresses not seen since `cutoff`; how many."""
    result = conn.execute(delete(known).where(known.c.signed_in_at < cutoff))
    return int(result.rowcount or 0)
