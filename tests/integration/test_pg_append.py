"""PostgreSQL appends in one round trip (`service.pg_recorder`) still commit in
notification-id order: a follower reading the log while many writers append never
skips an event."""

from __future__ import annotations

import threading
from uuid import UUID

import psycopg
import pytest

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
