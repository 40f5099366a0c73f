"""The SQLite event store: the library's, without what a command paid for nothing.

On one thread (`bench.commands`), a `LogAction` took ~430 µs against ~150 µs for a
plain BEGIN/INSERT/COMMIT; ~340 µs now (session 13, bench/RESULTS.md). What went:

- `eventsourcing.sqlite` opens its connections with `cached_statements=True`, a
  statement cache of one: BEGIN, SELECT, INSERT and COMMIT each pushed the previous
  statement out and were compiled again, every time. `Pool`'s connections keep
  `STATEMENTS`.
- Its pool's checkout (a fair semaphore, a condition, a readers' count) serves
  in-memory databases and connection caps; `Pool`'s is a `deque.pop` and, to
  write, the writer lock.
- Its append and reads pass through four nested generator context managers per
  transaction; `EventRecorder` runs the library's own insert in the library's own
  transaction (same statements, same errors: a version conflict is still
  `IntegrityError`) without them, and its one-statement reads (`read`) in
  autocommit: a single SELECT is its own read transaction, one snapshot.
- A command looked at the log (the auth cache's catch-up) in a read transaction of
  its own before it ran. `insert_watched` makes that look part of the append
  instead, under the write lock (`service.auth_cache`, `Watch`), and skips it when
  nothing was stored since the command's view.

Tables, rows and WAL mode are the library's, so stores it wrote are read and
appended to unchanged, and both may write to one file at once. Chosen by
`service.settings.event_store_env` (`PERSISTENCE_MODULE`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing import sqlite as library
from eventsourcing.persistence import (
    ConnectionPoolClosedError,
    ConnectionUnavailableError,
    InterfaceError,
    StoredEvent,
)
from eventsourcing.utils import Environment, EnvType

from service.auth_cache import Changes, StaleViews, Watch, as_uuid, changes_of, stale

STATEMENTS = 128
"""Compiled statements kept per connection (Python's default; the library: 1)."""


class Pool(library.SQLiteConnectionPool):
    """The library's pool made lean for SQLite files: its connections keep
    `STATEMENTS` statements, and a checkout is a `deque.pop` (atomic) plus, for
    writing, the pool's writer lock — one writer per process at a time, as the
    library's, so appends wait on a lock here rather than in SQLite's busy handler.

    The library's checkout (a fair semaphore, a condition and a readers' count per
    call: ~4 µs warm, ~13 µs per command in the service's command loop) is there
    for what a file never needs: in-memory databases, whose readers and writer must
    exclude each other, a cap on connections open at once (here: one per thread
    using the store at that moment), and connections aged out by a timer. Idle
    connections are reused newest first (their page cache is the warmest); up to
    `pool_size` stay open."""

    def get_connection(
        self, timeout: float | None = None, *, is_writer: bool | None = None
    ) -> library.SQLiteConnection:
        """A connection; for writing, once no other thread of the process writes
        (waiting up to `timeout`, default the pool's)."""
        if self._closed:
            raise ConnectionPoolClosedError
        wait = self.pool_timeout if timeout is None else timeout
        if is_writer and not self._writer_lock.acquire(timeout=wait):
            raise ConnectionUnavailableError("Timed out waiting for return of writer")
        try:
            connection = self._pool.pop()
        except IndexError:
            try:
                connection = self._create_connection()
            except BaseException:
                if is_writer:
                    self._writer_lock.release()
                raise
        self._in_use[id(connection)] = connection  # closed by close() if still out
        connection.is_writer = is_writer
        return connection

    def put_connection(self, conn: library.SQLiteConnection) -> None:
        """Take a connection back: kept for reuse while fewer than `pool_size` are
        idle, else (or once the pool is closed) closed."""
        is_writer, conn.is_writer = conn.is_writer, None
        self._in_use.pop(id(conn), None)
        if self._closed or conn.closed or len(self._pool) >= self.pool_size:
            if not conn.closed:
                conn.close()
        else:
            self._pool.append(conn)
        if is_writer:
            self._writer_lock.release()

    def _create_connection(self) -> library.SQLiteConnection:
        """As the library makes them (autocommit mode, WAL for a file, rows by
        name), with a statement cache."""
        try:
            connection = sqlite3.connect(
                database=self.db_name,
                uri=True,
                check_same_thread=False,
                isolation_level=None,
                cached_statements=STATEMENTS,
                timeout=self.lock_timeout or library.SQLITE3_DEFAULT_LOCK_TIMEOUT,
            )
        except (sqlite3.Error, TypeError) as e:
            raise InterfaceError(e) from e
        if not self.is_sqlite_memory_mode and not self.is_journal_mode_wal:
            mode = connection.execute("PRAGMA journal_mode;").fetchone()[0]
            if mode.lower() != "wal":
                connection.execute("PRAGMA journal_mode=WAL;")
                self.journal_mode_was_changed_to_wal = True
            self.is_journal_mode_wal = True
        connection.row_factory = sqlite3.Row
        return library.SQLiteConnection(sqlite_conn=connection, max_age=self.max_age)


class EventRecorder(library.SQLiteApplicationRecorder):
    """The library's application recorder with a lean append, one-statement reads,
    and appends that check a command's `Watch` (`service.auth_cache.WatchingStore`);
    see the module docstring."""

    def __init__(
        self,
        datastore: library.SQLiteDatastore,
        events_table_name: str = "stored_events",
    ) -> None:
        super().__init__(datastore, events_table_name)
        self._statements: dict[tuple[str, tuple[str, ...]], str] = {}

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Append atomically; the events' notification ids (rowids) in order."""
        pool = self.datastore.pool
        connection = pool.get_connection(is_writer=True)
        try:
            with library.SQLiteTransaction(connection, commit=True) as cursor:
                return self._insert_events(cursor, stored_events, **kwargs)
        finally:
            pool.put_connection(connection)

    def _insert_events(
        self, c: library.SQLiteCursor, stored_events: Sequence[StoredEvent], **_: Any
    ) -> list[int]:
        """The library's insert, one row at a time for the rowids, on the cursor
        itself (not through the library's cursor wrapper, twice per event)."""
        cursor = c.sqlite_cursor
        statement = self.insert_events_statement
        ids = []
        for s in stored_events:
            originator_id = s.originator_id
            cursor.execute(
                statement,
                (
                    originator_id.hex
                    if isinstance(originator_id, UUID)
                    else originator_id,
                    s.originator_version,
                    s.topic,
                    s.state,
                ),
            )
            rowid = cursor.lastrowid
            assert rowid is not None  # an INSERT's
            ids.append(rowid)
        return ids

    def insert_watched(
        self, events: Sequence[StoredEvent], watch: Watch, topics: tuple[str, ...]
    ) -> tuple[Sequence[int], Changes]:
        """Append atomically unless an event of `topics` of a member in
        `watch.members` was stored after `watch.position` (or the log was
        replaced): `StaleViews` then, nothing stored. The ids, and what changed
        between `watch.position` and the append.

        The insert comes first: it takes the write lock, and its first rowid is
        one more than the log's head (SQLite numbers a row one past the largest),
        so what came before it is known without a look at the head; and when the
        head is the watch's position — one writer, the auth cache moved past its
        own last append (`AuthCache.confirm`) — there is nothing to read at all.
        Otherwise the events in between are read in the same transaction; a
        stale view rolls the insert back."""
        assert events, "an append of nothing"
        pool = self.datastore.pool
        connection = pool.get_connection(is_writer=True)
        try:
            with library.SQLiteTransaction(connection, commit=True) as cursor:
                ids = self._insert_events(cursor, events)
                head = ids[0] - 1
                changed: tuple[UUID, ...] = ()
                if head != watch.position:
                    raw = cursor.sqlite_cursor
                    raw.execute(self._between(topics), (watch.position, ids[0]))
                    changed = tuple(as_uuid(row[0]) for row in raw.fetchall())
                changes = Changes(head, changed)
                if stale(watch, changes):
                    raise StaleViews(changes)
                return ids, changes
        finally:
            pool.put_connection(connection)

    def changes_since(self, position: int, topics: tuple[str, ...]) -> Changes:
        """The log's head and the originators of `topics`' events after
        `position`, in one statement (one snapshot: nothing up to that head left
        out)."""
        return changes_of(self.read(self._changes_statement(topics), (position,)))

    def _changes_statement(self, topics: tuple[str, ...]) -> str:
        """The `(head, id, originator_id)` query of the changes after a position
        (`changes_of` reads its rows)."""
        return self._statement("changes", topics)

    def _between(self, topics: tuple[str, ...]) -> str:
        """The originators of the events of `topics` between two rowids."""
        return self._statement("between", topics)

    def _statement(self, kind: str, topics: tuple[str, ...]) -> str:
        """A query of events of `topics`, the topics written in as literals: one
        text per kind and list of topics, compiled once per connection."""
        sql = self._statements.get((kind, topics))
        if sql is None:
            table = self.events_table_name
            listed = ", ".join("'" + topic.replace("'", "''") + "'" for topic in topics)
            sql = self._statements[kind, topics] = (
                f"SELECT 0 AS head, rowid AS id, originator_id FROM {table} "
                f"WHERE rowid > ? AND topic IN ({listed}) "
                f"UNION ALL SELECT 1, MAX(rowid), NULL FROM {table}"
                if kind == "changes"
                else f"SELECT originator_id FROM {table} "
                f"WHERE rowid > ? AND rowid < ? AND topic IN ({listed})"
            )
        return sql

    def read(self, statement: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """The rows (by name) of one SELECT, run as its own read transaction."""
        pool = self.datastore.pool
        connection = pool.get_connection(is_writer=False)
        try:
            cursor = connection.cursor().sqlite_cursor
            try:
                return cursor.execute(statement, parameters).fetchall()
            finally:
                cursor.close()
        finally:
            pool.put_connection(connection)


class Factory(library.SQLiteFactory):
    """The library's SQLite factory with `Pool`'s connections (for a file: an
    in-memory database keeps the library's pool, whose readers and writer exclude
    each other) and `EventRecorder`."""

    application_recorder_class = EventRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        made = self.datastore  # no connection opened yet: swap in our pool
        if not made.pool.is_sqlite_memory_mode:
            made.pool = Pool(
                db_name=made.pool.db_name, lock_timeout=made.pool.lock_timeout
            )
