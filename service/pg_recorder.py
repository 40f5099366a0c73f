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
nothing if a watched member is among them. Events go
as binary parameters (psycopg's text form of the composite array cost ~47 µs of
CPU per append). The functions are made with the tables (`momentum init`, or any
process that creates them); until then, in a store made before them (a web worker
upgraded before `init` ran), an append takes the library's way, the same lock in
several round trips, and a watched one looks at the log first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Connection
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier, Literal

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
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        function = f"momentum_append_events_{self.datastore.originator_id_type}"
        self.append_function_name = function
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function}"
                "(events {schema}.{event}[]) "
                "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
                "BEGIN "
                "SET LOCAL lock_timeout = '{lock_timeout}s'; "
                "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
                "NOTIFY {channel}; "
                "RETURN QUERY INSERT INTO {schema}.{table} "
                "(originator_id, originator_version, topic, state) "
                "SELECT originator_id, originator_version, topic, state "
                "FROM unnest(events) RETURNING notification_id; "
                "END; $BODY$"
            ).format(
                schema=schema,
                function=Identifier(function),
                event=Identifier(self.stored_event_type_name),
                lock_timeout=self.datastore.lock_timeout,
                table=Identifier(self.events_table_name),
                channel=Identifier(self.channel_name),
            )
        )
        self.append_statement = SQL("SELECT * FROM {schema}.{function}(%b)").format(
            schema=schema, function=Identifier(function)
        )
        id_type = SQL(self.datastore.originator_id_type)
        watched = f"momentum_append_watched_{self.datastore.originator_id_type}"
        self.watched_function = Identifier(watched)
        # `since < notification_id <= head`, not just `> since`: PL/pgSQL caches a
        # generic plan, which took a one-sided range for a third of the table (the
        # server's CPU per append 1.7x, bench.api's write-heavy mix 196 req/s
        # against 339 with a plan made for each call); a range bounded on both
        # sides is planned on the index.
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function}"
                "(events {schema}.{event}[], since bigint, topics text[], "
                "members {id_type}[]) "
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
                "AND t.topic = ANY(topics); "
                "IF EXISTS (SELECT FROM {schema}.{table} t "
                "WHERE t.notification_id > since AND t.notification_id <= head "
                "AND t.topic = ANY(topics) AND t.originator_id = ANY(members)) "
                "THEN RETURN; END IF; "
                "END IF; "
                "NOTIFY {channel}; "
                "RETURN QUERY INSERT INTO {schema}.{table} AS t "
                "(originator_id, originator_version, topic, state) "
                "SELECT e.originator_id, e.originator_version, e.topic, e.state "
                "FROM unnest(events) e "
                "RETURNING 2, t.notification_id, NULL::{id_type}; "
                "END; $BODY$"
            ).format(
                schema=schema,
                function=self.watched_function,
                event=Identifier(self.stored_event_type_name),
                id_type=id_type,
                lock_timeout=self.datastore.lock_timeout,
                table=Identifier(self.events_table_name),
                channel=Identifier(self.channel_name),
            )
        )
        self._statements: dict[tuple[str, tuple[str, ...]], str] = {}

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Append in one statement (its own transaction: autocommit); the
        notification ids in the order of `stored_events`."""
        if not stored_events:
            return []
        try:
            rows = [
                self.construct_pg_stored_event(
                    e.originator_id, e.originator_version, e.topic, e.state
                )
                for e in stored_events
            ]
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                assert conn.autocommit, "the append must be its own transaction"
                curs.execute(self.append_statement, (rows,), prepare=True)
                return [row[self.append_function_name] for row in curs.fetchall()]
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
        rows = [
            self.construct_pg_stored_event(
                e.originator_id, e.originator_version, e.topic, e.state
            )
            for e in events
        ]
        try:
            with (
                self.datastore.get_connection() as conn,
                conn.cursor(row_factory=tuple_row) as curs,
            ):
                assert conn.autocommit, "the append must be its own transaction"
                sql = self._statement("watched", topics, conn)
                members = list(watch.members)
                curs.execute(sql, (rows, watch.position, members), prepare=True)
                result = curs.fetchall()
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
            sql = self._statement("changes", topics, conn)
            cursor.execute(sql, (position,), prepare=True)
            return changes_of(cursor.fetchall())

    def _statement(
        self, kind: str, topics: tuple[str, ...], conn: Connection[Any]
    ) -> str:
        """The changes query or the watched append, the topics written in as
        literals once per list of topics: sent as a parameter, the array was
        adapted and quoted again on every call (every request)."""
        key = (kind, topics)
        sql = self._statements.get(key)
        if sql is None:
            listed = SQL(", ").join(Literal(topic) for topic in topics)
            schema = Identifier(self.datastore.schema)
            table = SQL("{schema}.{table}").format(
                schema=schema, table=Identifier(self.events_table_name)
            )
            made = (
                SQL(
                    "SELECT * FROM {schema}.{function}"
                    "(%b, %b, ARRAY[{topics}]::text[], %b)"
                ).format(schema=schema, function=self.watched_function, topics=listed)
                if kind == "watched"
                else SQL(
                    "SELECT 0 AS head, notification_id AS id, originator_id "
                    "FROM {table} WHERE notification_id > %s AND topic IN ({topics}) "
                    "UNION ALL SELECT 1, MAX(notification_id), NULL FROM {table}"
                ).format(table=table, topics=listed)
            )
            sql = self._statements[key] = made.as_string(conn)
        return sql
