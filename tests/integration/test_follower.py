"""The in-process follower: read-your-writes, woken by NOTIFY, stops loudly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select

from projections.audit import AuditIndex
from projections.db import make_engine
from projections.follower import Follower
from projections.relations import Relations, members
from projections.runner import ProjectionRunner
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.conftest import make_app, registrar


def _names(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(select(members.c.display_name)))


@pytest.fixture
def engine(backend: str) -> Engine:
    return make_engine(backend)


@pytest.fixture
def follower(stored_app: MomentumApplication, engine: Engine) -> Iterator[Follower]:
    runner = ProjectionRunner(stored_app, engine, [Relations(), AuditIndex()])
    runner.setup()
    running = Follower(runner, poll_interval=30.0).start()
    yield running
    running.stop()


def test_a_write_is_in_the_read_models_once_its_position_is_waited_for(
    stored_app: MomentumApplication, engine: Engine, follower: Follower
) -> None:
    register = registrar(stored_app)
    for name in ("Ann", "Bob", "Cy"):
        register(name)
        # the poll interval is 30 s: only the poke of wait_for can make this quick
        position = stored_app.recorder.max_notification_id()
        assert follower.wait_for(position, timeout=10)
        assert name in _names(engine)
    assert follower.runner.lag() == 0


def test_the_result_of_a_command_names_the_position_to_wait_for(
    stored_app: MomentumApplication, engine: Engine, follower: Follower
) -> None:
    ann = registrar(stored_app)("Ann")
    result = stored_app.handle(c.UpdateProfile(ann, "Annette", "UTC", "Writer"))
    assert result.position == stored_app.recorder.max_notification_id()
    assert follower.wait_for(result.position, timeout=10)
    assert _names(engine) == {"Annette"}


def test_postgres_notify_wakes_the_follower_for_writes_of_another_process(
    postgres_schema_url: str, clock: FixedClock
) -> None:
    writer = make_app(postgres_schema_url, clock)  # as if another process
    reader = make_app(postgres_schema_url, clock, create_tables=False)
    engine = make_engine(postgres_schema_url)
    runner = ProjectionRunner(reader, engine, [Relations()])
    runner.setup()
    follower = Follower(runner, poll_interval=3600.0).start()
    try:
        runner.wait_for(0, timeout=10)
        registrar(writer)("Ann")
        head = writer.recorder.max_notification_id()
        # nobody pokes and the poll is an hour away: only NOTIFY can wake it
        assert runner.wait_for(head, timeout=20)
        assert _names(engine) == {"Ann"}
    finally:
        follower.stop()
        writer.close()
        reader.close()


class Broken(Relations):
    """Relations with a bug that raises on the third event."""

    def apply(self, conn: Connection, event: Any, notification: Any) -> None:
        if notification.id == 3:
            raise RuntimeError("bug in a read model")
        super().apply(conn, event, notification)


def test_an_error_stops_the_follower_loudly_without_skipping_the_event(
    stored_app: MomentumApplication, engine: Engine
) -> None:
    register = registrar(stored_app)
    register("Ann")
    register("Bob")
    runner = ProjectionRunner(stored_app, engine, [Broken()], batch_size=1)
    runner.setup()
    follower = Follower(runner, poll_interval=0.05).start()
    try:
        assert not follower.wait_for(stored_app.recorder.max_notification_id(), 2)
        follower._threads[0].join(5)
        assert not follower.alive
        assert isinstance(follower.error, RuntimeError)
        assert runner.positions() == {"relations": 2}  # stopped before event 3
        assert _names(engine) == {"Ann"}
    finally:
        follower.stop()
