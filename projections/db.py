"""The read-model database: one SQLAlchemy engine and metadata for every read model.

Embedded default: `readmodels.sqlite` beside the SQLite event store. PostgreSQL: the
same database (and schema) as the events, in tables of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse, urlunparse

from sqlalchemy import Engine, Index, MetaData, Table, create_engine, event
from sqlalchemy.pool import StaticPool

metadata = MetaData()

_READERS_ONLY = "readers_only"


def readers_index(name: str, *columns: str) -> Index:
    """An index only the model's readers use (pages, API, `momentum audit`), never
    its handlers, which look rows up by other keys. A replay into empty tables
    builds such an index once, at the end (`projections.bluegreen`): sorting every
    key at once costs a fraction of a million inserts at random places (the audit
    index's four on 1,000,000 events: 28 → 12 µs per event). A test checks that no
    statement of the handlers would use one."""
    return Index(name, *columns, info={_READERS_ONLY: True})


def readers_only(tables: Iterable[Table]) -> list[Index]:
    """The indexes of these tables made by `readers_index`, by name."""
    found = [ix for t in tables for ix in t.indexes if ix.info.get(_READERS_ONLY)]
    return sorted(found, key=lambda ix: str(ix.name))


def readmodel_url(database_url: str) -> tuple[str, dict[str, Any]]:
    """SQLAlchemy URL and engine options for a MOMENTUM_DATABASE_URL."""
    url = urlparse(database_url)
    if url.scheme == "memory":
        return "sqlite://", {
            "poolclass": StaticPool,
            "connect_args": {"check_same_thread": False},
        }
    if url.scheme == "sqlite":
        events_file = Path(url.path.removeprefix("/"))
        return f"sqlite:///{events_file.with_name('readmodels.sqlite')}", {}
    schema = parse_qs(url.query).get("schema", [None])[0]
    plain = urlunparse(url._replace(scheme="postgresql+psycopg", query=""))
    options: dict[str, Any] = {
        "pool_size": 5,
        "max_overflow": 10,
        "pool_pre_ping": True,
    }
    if schema:
        options["connect_args"] = {"options": f"-csearch_path={schema}"}
    return plain, options


def make_engine(database_url: str) -> Engine:
    """An engine for the read models of this MOMENTUM_DATABASE_URL."""
    url, options = readmodel_url(database_url)
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", sqlite_pragmas)
    return engine


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")  # erased rows are zeroed, not unlinked
    cursor.close()


def wipe_side_files(engine: Engine) -> None:
    """Copy the SQLite write-ahead log into the database and empty it, so rows that
    were deleted (an erasure) leave no copy in `-wal`; nothing to do elsewhere."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
