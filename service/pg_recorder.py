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
The function is made with the tables (`momentum init`, or any process that creates
them); until then, in a store made before it (a web worker upgraded before `init`
ran), an append takes the library's way, the same lock in several round trips.
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
from psycopg.sql import SQL, Identifier


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
        self.append_statement = SQL("SELECT * FROM {schema}.{function}(%s)").format(
            schema=schema, function=Identifier(function)
        )

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
