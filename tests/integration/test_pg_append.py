"""PostgreSQL appends in one round trip (`service.pg_recorder`) still commit in
notification-id order: a follower reading the log while many writers append never
skips an event."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.postgres import PostgresDatastore

from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.errors import AuthenticationError
from service.pg_recorder import LockingApplicationRecorder
from tests.conftest import PASSWORD, make_app, registrar

pytestmark = pytest.mark.postgres

WRITERS_PER_APP = 4
COMMANDS_PER_WRITER = 80


def test_a_follower_under_concurrent_writers_sees_every_event_once(
    postgres_schema_url: str, clock: FixedClock
) -> None:
    apps = [make_app(postgres_schema_url, clock) for _ in range(2)]  # two processes
    try:
        assert isinstance(apps[0].recorder, LockingApplicationRecorder)
        register = registrar(apps[0])
        members = [register(f"Writer{i}") for i in range(2 * WRITERS_PER_APP)]
        recorder = apps[1].recorder
        start = recorder.max_notification_id() or 0
        seen: list[int] = []
        writing = threading.Event()
        writing.set()

        def follow() -> None:
            """Read from the last id seen, as the projection runner and the auth
            cache do: an id that commits below it later would be skipped."""
            position = start
            while True:
                done = not writing.is_set()  # read once more after the writers
                batch = recorder.select_notifications(
                    position, 100, inclusive_of_start=False
                )
                seen.extend(n.id for n in batch)
                position = batch[-1].id if batch else position
                if done and not batch:
                    return

        def write(app: MomentumApplication, member: UUID) -> None:
            for i in range(COMMANDS_PER_WRITER):
                app.handle(c.LogAction(member, "learning", f"Chapter {i}"))

        follower = threading.Thread(target=follow)
        writers = [
            threading.Thread(target=write, args=(apps[n % 2], member))
            for n, member in enumerate(members)
        ]
        follower.start()
        for w in writers:
            w.start()
        for w in writers:
            w.join()
        writing.clear()
        follower.join()

        stored = [
            n.id
            for n in recorder.select_notifications(
                start, 10_000, inclusive_of_start=False
            )
        ]
        assert len(stored) == len(members) * COMMANDS_PER_WRITER
        assert seen == sorted(set(seen)), "an event was seen twice or out of order"
        assert set(stored) - set(seen) == set(), "the follower skipped events"
    finally:
        for app in apps:
            app.close()


def test_a_store_without_the_append_function_yet_still_takes_appends(
    postgres_schema_url: str, clock: FixedClock
) -> None:
    """A web worker (no table creation) upgraded before `momentum init` ran: the
    library's append, and a command's check of its actor before the append; an
    erasure elsewhere is still refused by the next command."""
    base, _, schema = postgres_schema_url.partition("?schema=")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP FUNCTION "{schema}".momentum_append_events_uuid')
        conn.execute(f'DROP FUNCTION "{schema}".momentum_append_watched_uuid')
    app = make_app(postgres_schema_url, clock, create_tables=False)
    there = make_app(postgres_schema_url, clock, create_tables=False)
    try:
        ann = registrar(app)("Ann")
        logged = app.handle(c.LogAction(ann, "learning", "Read a chapter"))
        assert app.own_action(ann, logged.id).title == "Read a chapter"
        there.handle(c.EraseMember(ann, PASSWORD))
        with pytest.raises(AuthenticationError):
            app.handle(c.LogAction(ann, "learning", "Read another chapter"))
    finally:
        app.recorder.create_table()  # the functions again, for the next tests
        app.close()
        there.close()


def _pooled(app: MomentumApplication, sql: str) -> list[list[dict[str, Any]]]:
    """`sql`'s rows on each connection `app`'s pool holds (all taken out at once,
    so each is a different one; once it has opened all it opens at the start, so
    taking them opens no other)."""
    pool = app.recorder.datastore.pool  # type: ignore[attr-defined]
    pool.wait()
    taken = [pool.getconn() for _ in range(pool.get_stats()["pool_size"])]
    try:
        return [
            cursor.fetchall() if cursor.description else []
            for cursor in (conn.execute(sql) for conn in taken)
        ]
    finally:
        for conn in taken:
            pool.putconn(conn)


PREPARED_APPENDS = (
    "SELECT name FROM pg_prepared_statements WHERE statement LIKE '%momentum_append_%'"
)
"""A call of an append function prepared on this connection (the library's way,
the fallback for a store without the functions, prepares other statements)."""


def test_an_append_lands_on_connections_that_never_ran_it(
    postgres_schema_url: str, clock: FixedClock
) -> None:
    """The append is a statement prepared per connection: on a connection whose
    prepared statements were dropped (`DEALLOCATE ALL`), and on new connections
    after the server ended every old one, it is prepared again and stores the
    action once."""
    base = postgres_schema_url.partition("?schema=")[0]
    app = make_app(postgres_schema_url, clock)
    try:
        ann = registrar(app)("Ann")
        first = app.handle(c.LogAction(ann, "learning", "Read chapter 1"))
        assert any(_pooled(app, PREPARED_APPENDS))
        _pooled(app, "DEALLOCATE ALL")
        assert not any(_pooled(app, PREPARED_APPENDS))
        second = app.handle(c.LogAction(ann, "learning", "Read chapter 2"))
        assert any(_pooled(app, PREPARED_APPENDS)), "not through the function"

        pids = [row["pid"] for [row] in _pooled(app, "SELECT pg_backend_pid() AS pid")]
        with psycopg.connect(base, autocommit=True) as admin:
            for pid in pids:  # every connection the pool holds
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        third = app.handle(c.LogAction(ann, "learning", "Read chapter 3"))
        assert any(_pooled(app, PREPARED_APPENDS)), "not through the function"

        titles = [app.own_action(ann, r.id).title for r in (first, second, third)]
        assert titles == ["Read chapter 1", "Read chapter 2", "Read chapter 3"]
        topics = [n.topic for n in app.recorder.select_notifications(1, 100)]
        assert sum(t.endswith("Action.ActionLogged") for t in topics) == 3
    finally:
        app.close()


def test_init_replaces_the_append_functions_of_the_previous_version(
    postgres_schema_url: str, clock: FixedClock
) -> None:
    """Stores made before the functions took a parameter per column had them
    take one array of the library's composite type: `init` (table creation)
    drops those, so each name has one function, and appends use the new one."""
    base, _, schema = postgres_schema_url.partition("?schema=")
    with psycopg.connect(base, autocommit=True) as conn:
        for name in ("momentum_append_events_uuid", "momentum_append_watched_uuid"):
            conn.execute(f'DROP FUNCTION "{schema}".{name}')
        event = f'"{schema}".stored_event_uuid'
        conn.execute(  # the previous versions' signatures (bodies immaterial)
            f'CREATE FUNCTION "{schema}".momentum_append_events_uuid'
            f"(events {event}[]) RETURNS SETOF bigint LANGUAGE sql "
            "AS 'SELECT 0::bigint WHERE false'"
        )
        conn.execute(
            f'CREATE FUNCTION "{schema}".momentum_append_watched_uuid'
            f"(events {event}[], since bigint, topics text[], members uuid[]) "
            "RETURNS TABLE (kind int, id bigint, originator uuid) LANGUAGE sql "
            "AS 'SELECT 0, 0::bigint, NULL::uuid WHERE false'"
        )
    app = make_app(postgres_schema_url, clock)  # creates the tables: as init does
    try:
        with psycopg.connect(base, autocommit=True) as conn:
            signatures = conn.execute(
                "SELECT p.proname, pg_get_function_identity_arguments(p.oid) "
                "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = %s AND p.proname LIKE 'momentum_append_%%' "
                "ORDER BY 1",
                (schema,),
            ).fetchall()
        assert [name for name, _ in signatures] == [
            "momentum_append_events_uuid",
            "momentum_append_watched_uuid",
        ]
        assert all("stored_event" not in arguments for _, arguments in signatures)
        ann = registrar(app)("Ann")
        logged = app.handle(c.LogAction(ann, "learning", "Read a chapter"))
        assert app.own_action(ann, logged.id).title == "Read a chapter"
    finally:
        app.close()


def test_the_recorder_refuses_text_ids() -> None:
    """Its functions take UUID columns (Momentum's ids): a store configured for
    text ids is refused when the application starts, before any connection."""
    datastore = PostgresDatastore(
        "momentum", "127.0.0.1", 5432, "postgres", "", originator_id_type="text"
    )
    with pytest.raises(ValueError, match="ORIGINATOR_ID_TYPE must be uuid"):
        LockingApplicationRecorder(datastore)
