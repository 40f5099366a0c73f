"""The PostgreSQL event store's append in one round trip, still in commit order.

The library's recorder appends in one transaction of several round trips: BEGIN,
`SET LOCAL lock_timeout`, `LOCK TABLE … IN EXCLUSIVE MODE`, `NOTIFY`, the INSERT,
COMMIT. The lock is what keeps notification ids in commit order: a follower that
has read up to id N (the projection runner, `AuthCache`) can never see a later
commit with an id at or below N, so it never skips an event.

`LockingApplicationRecorder` keeps that lock and does the same work in one server
call: a PL/pgSQL function (`momentum_append_events_<id type>`) takes the lock,
notifies and inserts, and the pooled connection's autocommit makes the statement
its own transaction, so the lock is held until the commit. The library's own
function (`POSTGRES_ENABLE_DB_FUNCTIONS`) does not take the lock, which is why it
is not used. Conflicts (the same aggregate version twice) still raise
`eventsourcing.persistence.IntegrityError`; a lock timeout is retried as the
library's are. Chosen by `service.settings.event_store_env`
(`APPLICATION_RECORDER_TOPIC`); stores and readers written by the library's
recorder work unchanged, and both recorders may append to one store at once.
A second function (`momentum_append_watched_<id type>`, `insert_watched`) also
checks a command's `Watch` (`service.auth_cache`) under the same lock, before it
inserts: it returns the log's head and the member and token events after the
watch's position (none to read when the head is that position), and inserts
nothing if a watched member is among them. Both take the events as one array per
column and run as statements prepared on each connection, sent straight through
libpq in binary (`_Prepared`: ~60 µs less CPU per append than psycopg's cursor
with the library's composite type; see bench/RESULTS.md). The functions are made
with the tables (`momentum init`, or any process that creates them), which also
drops the previous versions' (they took one array of that composite type); until
then, in a store made before them (a web worker upgraded before `init` ran), an
append takes the library's way, the same lock in several round trips, and a
watched one looks at the log first.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Connection
from psycopg import errors as pg_errors
from psycopg.abc import Buffer
from psycopg.adapt import PyFormat, Transformer
from psycopg.pq import ConnStatus, DiagnosticField, ExecStatus, Format
from psycopg.pq.abc import PGresult
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composable, Identifier, Literal
from psycopg.types.numeric import Int8

from service.auth_cache import (
    Changes,
    StaleViews,
    Watch,
    changes_of,
    stale,
)


class LockingApplicationRecorder(PostgresApplicationRecorder):
    """`PostgresApplicationRecorder` whose append is one call of a function that
    locks the table, notifies and inserts (see the module docstring)."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        if datastore.originator_id_type != "uuid":
            raise ValueError(
                "Momentum's aggregates have UUIDs: ORIGINATOR_ID_TYPE must be uuid."
            )
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        id_type = SQL(self.datastore.originator_id_type)
        appended = f"momentum_append_events_{self.datastore.originator_id_type}"
        watched = f"momentum_append_watched_{self.datastore.originator_id_type}"
        names = {
            "schema": schema,
            "id_type": id_type,
            "event": Identifier(self.stored_event_type_name),
            "appended": Identifier(appended),
            "watched": Identifier(watched),
            "lock_timeout": self.datastore.lock_timeout,
            "table": Identifier(self.events_table_name),
            "channel": Identifier(self.channel_name),
        }
        columns = "ids {id_type}[], versions bigint[], topics text[], states bytea[]"
        self.sql_create_statements += [
            # The first versions took the events as one array of the library's
            # composite type (psycopg's cursor: ~60 µs more CPU per append).
            SQL(
                "DROP FUNCTION IF EXISTS {schema}.{appended}({schema}.{event}[])"
            ).format(**names),
            SQL(
                "DROP FUNCTION IF EXISTS {schema}.{watched}"
                "({schema}.{event}[], bigint, text[], {id_type}[])"
            ).format(**names),
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{appended}(" + columns + ") "
                "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
                "BEGIN "
                "SET LOCAL lock_timeout = '{lock_timeout}s'; "
                "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
                "NOTIFY {channel}; "
                "RETURN QUERY INSERT INTO {schema}.{table} "
                "(originator_id, originator_version, topic, state) "
                "SELECT * FROM unnest(ids, versions, topics, states) "
                "RETURNING notification_id; "
                "END; $BODY$"
            ).format(**names),
            # `since < notification_id <= head`, not just `> since`: PL/pgSQL caches
            # a generic plan, which took a one-sided range for a third of the table
            # (the server's CPU per append 1.7x, bench.api's write-heavy mix 196
            # req/s against 339 with a plan made for each call); a range bounded on
            # both sides is planned on the index.
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{watched}(" + columns + ", "
                "since bigint, watched_topics text[], members {id_type}[]) "
                "RETURNS TABLE (kind int, id bigint, originator {id_type}) "
                "LANGUAGE plpgsql AS $BODY$ "
                "DECLARE head bigint; "
                "BEGIN "
                "SET LOCAL lock_timeout = '{lock_timeout}s'; "
                "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
                "SELECT COALESCE(MAX(t.notification_id), 0) INTO head "
                "FROM {schema}.{table} t; "
                "RETURN QUERY SELECT 1, head, NULL::{id_type}; "
                "IF head < since THEN RETURN; END IF; "
                "IF head > since THEN "
                "RETURN QUERY SELECT 0, t.notification_id, t.originator_id "
                "FROM {schema}.{table} t "
                "WHERE t.notification_id > since AND t.notification_id <= head "
                "AND t.topic = ANY(watched_topics); "
                "IF EXISTS (SELECT FROM {schema}.{table} t "
                "WHERE t.notification_id > since AND t.notification_id <= head "
                "AND t.topic = ANY(watched_topics) AND t.originator_id = ANY(members)) "
                "THEN RETURN; END IF; "
                "END IF; "
                "NOTIFY {channel}; "
                "RETURN QUERY INSERT INTO {schema}.{table} AS t "
                "(originator_id, originator_version, topic, state) "
                "SELECT * FROM unnest(ids, versions, topics, states) "
                "RETURNING 2, t.notification_id, NULL::{id_type}; "
                "END; $BODY$"
            ).format(**names),
        ]
        arrays = "$1::{id_type}[], $2::bigint[], $3::text[], $4::bytea[]"
        self._append = _Prepared(
            SQL("SELECT * FROM {schema}.{appended}(" + arrays + ")").format(**names)
        )
        self._watched_sql = SQL(
            "SELECT * FROM {schema}.{watched}(" + arrays + ", $5::bigint, "
            "ARRAY[{{topics}}]::text[], $6::{id_type}[])"
        ).format(**names)
        self._changes_sql = SQL(
            "SELECT 0 AS head, notification_id AS id, originator_id "
            "FROM {schema}.{table} WHERE notification_id > %s "
            "AND topic IN ({{topics}}) "
            "UNION ALL SELECT 1, MAX(notification_id), NULL FROM {schema}.{table}"
        ).format(**names)
        self._watched_statements: dict[tuple[str, ...], _Prepared] = {}
        self._changes_statements: dict[tuple[str, ...], str] = {}

    def _columns(self, events: Sequence[StoredEvent]) -> list[list[Any]]:
        """The events as the functions take them: a parameter per column."""
        ids: list[UUID | str] = []
        versions: list[Int8] = []
        topics: list[str] = []
        states: list[bytes] = []
        for e in events:
            ids.append(e.originator_id)
            versions.append(Int8(e.originator_version))
            topics.append(e.topic)
            states.append(e.state)
        return [ids, versions, topics, states]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Append in one statement (its own transaction: autocommit); the
        notification ids in the order of `stored_events`."""
        if not stored_events:
            return []
        try:
            with self.datastore.get_connection() as conn:
                rows = self._append.run(conn, self._columns(stored_events))
                return [row[0] for row in rows]
        except ProgrammingError:  # no function (or type) yet: see the module doc
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_watched(
        self, events: Sequence[StoredEvent], watch: Watch, topics: tuple[str, ...]
    ) -> tuple[Sequence[int], Changes]:
        """Append atomically unless an event of `topics` of a member in
        `watch.members` was stored after `watch.position` (or the log was
        replaced): `StaleViews` then, nothing stored. The ids, and what changed
        after `watch.position` — read by the function under the table's lock,
        before the insert, in the same single call."""
        params = [*self._columns(events), Int8(watch.position), list(watch.members)]
        try:
            with self.datastore.get_connection() as conn:
                result = self._watched(topics, conn).run(conn, params)
        except ProgrammingError:  # no function yet: look, then append (two calls)
            changes = self.changes_since(watch.position, topics)
            if stale(watch, changes):
                raise StaleViews(changes) from None
            ids = self.insert_events(events)
            assert ids is not None
            return ids, changes
        ids = [row[1] for row in result if row[0] == 2]  # (kind, id, originator)
        changes = changes_of(row for row in result if row[0] != 2)
        if events and not ids:
            raise StaleViews(changes)
        return ids, changes

    def changes_since(self, position: int, topics: tuple[str, ...]) -> Changes:
        """The log's head and the originators of `topics`' events after
        `position`, in one statement (one snapshot: nothing up to that head left
        out, ids being in commit order)."""
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as cursor,
        ):
            cursor.execute(self._changes(topics, conn), (position,), prepare=True)
            return changes_of(cursor.fetchall())

    def _watched(self, topics: tuple[str, ...], conn: Connection[Any]) -> _Prepared:
        """The watched append for `topics` (made once per list of topics)."""
        made = self._watched_statements.get(topics)
        if made is None:
            made = _Prepared(self._with_topics(self._watched_sql, topics, conn), conn)
            self._watched_statements[topics] = made
        return made

    def _changes(self, topics: tuple[str, ...], conn: Connection[Any]) -> str:
        """The changes query for `topics` (made once per list of topics)."""
        made = self._changes_statements.get(topics)
        if made is None:
            query = self._with_topics(self._changes_sql, topics, conn)
            made = self._changes_statements[topics] = query.as_string(conn)
        return made

    @staticmethod
    def _with_topics(
        template: Composable, topics: tuple[str, ...], conn: Connection[Any]
    ) -> Composable:
        """`template` with the topics written in as literals: sent as a parameter,
        the array was adapted and quoted again on every call (every request)."""
        listed = SQL(", ").join(Literal(topic) for topic in topics)
        return SQL(template.as_string(conn)).format(topics=listed)


class _Prepared:
    """One statement run as a prepared statement straight through libpq
    (`psycopg.pq`), parameters and rows in binary: psycopg's cursor spent ~60 µs
    of CPU per append around the same call (query conversion, adaptation, result
    handling), under the GIL every writer thread shares. Prepared on each pooled
    connection the first time it runs there (named after its text: the same
    statement has the same name in every process). Its parameters are dumped by
    one `Transformer` that keeps the dumpers it found (one per connection would
    look them up on every append), one dump at a time."""

    __slots__ = ("_dumps", "_lock", "name", "sql")

    def __init__(self, query: Composable, conn: Connection[Any] | None = None) -> None:
        self.sql = query.as_string(conn).encode()
        digest = hashlib.sha1(self.sql, usedforsecurity=False).hexdigest()
        self.name = f"momentum_{digest[:20]}".encode()
        self._dumps = Transformer()  # psycopg's default adapters, UTF-8 text
        self._lock = threading.Lock()

    def run(
        self, conn: Connection[Any], params: Sequence[Any]
    ) -> list[tuple[Any, ...]]:
        """The statement's rows (tuples). Errors as psycopg raises them, for the
        datastore to map (a unique violation: `IntegrityError`)."""
        formats = [Format.BINARY] * len(params)
        pgconn = conn.pgconn
        with self._lock:
            dumps = self._dumps.dump_sequence(params, [PyFormat.BINARY] * len(params))
        # (no parameter is None here: libpq would take it as NULL all the same)
        dumped = cast("Sequence[Buffer]", dumps)
        result = pgconn.exec_prepared(self.name, dumped, formats, Format.BINARY)
        if _sqlstate(result) == _NOT_PREPARED:  # first time on this connection
            _check(conn, pgconn.prepare(self.name, self.sql), ExecStatus.COMMAND_OK)
            result = pgconn.exec_prepared(self.name, dumped, formats, Format.BINARY)
        _check(conn, result, ExecStatus.TUPLES_OK)
        loads = Transformer(conn)
        loads.set_pgresult(result)
        return loads.load_rows(0, result.ntuples, tuple)


_NOT_PREPARED = b"26000"
"""SQLSTATE invalid_sql_statement_name: no prepared statement of that name here."""


def _sqlstate(result: PGresult) -> bytes | None:
    return result.error_field(DiagnosticField.SQLSTATE)


def _check(conn: Connection[Any], result: PGresult, expected: ExecStatus) -> None:
    """Raise what psycopg raises for a failed statement; a lost connection as
    `psycopg.OperationalError` (retried; the pool discards the connection)."""
    if result.status == expected:
        return
    encoding = conn.info.encoding
    if conn.pgconn.status != ConnStatus.OK or _sqlstate(result) is None:
        message = conn.pgconn.get_error_message(encoding) or "connection lost"
        raise psycopg.OperationalError(message)
    raise pg_errors.error_from_result(result, encoding=encoding)
