"""The in-process follower: read-your-writes, woken by NOTIFY; a failing read model
stops alone, loudly; stopping the follower is immediate."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, select

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

    def apply_batch(self, conn: Connection, events: Sequence[tuple[Any, Any]]) -> None:
        if any(n.id == 3 for n, _ in events):
            raise RuntimeError("bug in a read model")
        super().apply_batch(conn, events)


def _broken_runner(app: MomentumApplication, engine: Engine) -> ProjectionRunner:
    """Ann and Bob registered; a runner whose relations model fails on event 3."""
    register = registrar(app)
    register("Ann")
    register("Bob")
    runner = ProjectionRunner(app, engine, [Broken(), AuditIndex()])
    runner.setup()
    return runner


def test_a_read_model_that_fails_stops_alone_at_that_event(
    stored_app: MomentumApplication, engine: Engine
) -> None:
    runner = _broken_runner(stored_app, engine)
    head = stored_app.recorder.max_notification_id()
    follower = Follower(runner, poll_interval=3600).start()
    try:
        # says "not there" as soon as the model stopped (a wait for the stopped
        # model would last the hour and the test would time out)
        assert not follower.wait_for(head, 3600)
        assert follower.alive  # the follower goes on with the others
        [stopped] = runner.stopped()
        assert (stopped.name, stopped.position) == ("relations", 3)
        assert stopped.event_type == "Member.Registered"
        assert "RuntimeError: bug in a read model" in stopped.error
        assert runner.positions() == {"relations": 2, "audit": head}
        assert _names(engine) == {"Ann"}  # nothing after the failing event
        # the other model keeps following the log
        registrar(stored_app)("Cy")
        later = stored_app.recorder.max_notification_id()
        assert not follower.wait_for(later, 3600)
        assert runner.positions() == {"relations": 2, "audit": later}
    finally:
        follower.stop()


def test_a_stopped_read_model_tries_again_when_a_runner_starts(
    stored_app: MomentumApplication, engine: Engine
) -> None:
    broken = _broken_runner(stored_app, engine)
    head = stored_app.recorder.max_notification_id()
    assert broken.catch_up()
    assert [s.position for s in broken.stopped()] == [3]
    fixed = ProjectionRunner(stored_app, engine, [Relations(), AuditIndex()])
    follower = Follower(fixed, poll_interval=0.05).start()  # the fix is deployed
    try:
        assert follower.wait_for(head, 10)
        assert fixed.stopped() == []
        assert _names(engine) == {"Ann", "Bob"}
    finally:
        follower.stop()


def test_stopping_the_follower_wakes_both_of_its_threads(
    stored_app: MomentumApplication, engine: Engine
) -> None:
    runner = ProjectionRunner(stored_app, engine, [Relations()])
    runner.setup()
    # the runner would next look in an hour; on PostgreSQL the listener waits on
    # its socket with no timeout at all: only `stop` itself can end them
    follower = Follower(runner, poll_interval=3600).start()
    assert follower.wait_for(0, 10)
    follower.stop(timeout=60)
    assert [t.name for t in follower._threads if t.is_alive()] == []


def test_a_live_batch_reaches_every_read_model_in_one_commit(
    stored_app: MomentumApplication, engine: Engine
) -> None:
    register = registrar(stored_app)
    runner = ProjectionRunner(stored_app, engine, [Relations(), AuditIndex()])
    runner.setup()
    register("Ann")
    before = runner.catch_up()
    commits: list[object] = []
    event.listen(engine, "commit", commits.append)
    register("Bob")
    head = stored_app.recorder.max_notification_id()
    assert runner.catch_up() == head - before
    assert len(commits) == 1  # both models and both tracking rows
    assert runner.positions() == {"relations": head, "audit": head}
    assert _names(engine) == {"Ann", "Bob"}
    assert runner.catch_up() == 0 and len(commits) == 1
