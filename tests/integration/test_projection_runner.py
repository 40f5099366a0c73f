"""The projection runner on both backends: exactly once, resumable, tamper-evident."""

from __future__ import annotations

import gc
import multiprocessing
import sqlite3
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import psycopg
import pytest
from sqlalchemy import Connection, Engine, func, select, text

from projections import runner as runner_module
from projections.audit import AuditIndex, audit_index, verify
from projections.db import make_engine
from projections.runner import ProjectionRunner
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.conftest import make_app
from tests.histories import goal_with_actions


def _rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r) for r in conn.execute(select(audit_index).order_by("position"))
        ]


@pytest.fixture
def engine(backend: str) -> Engine:
    return make_engine(backend)


def test_catch_up_indexes_every_event_once_and_the_chain_verifies(
    stored_app: MomentumApplication, engine: Engine, clock: FixedClock
) -> None:
    goal_with_actions(stored_app, clock, 30)
    runner = ProjectionRunner(stored_app, engine, [AuditIndex()], batch_size=7)
    runner.setup()
    read = runner.catch_up()
    head = stored_app.recorder.max_notification_id()
    assert read == head and runner.lag() == 0
    assert [r[0] for r in _rows(engine)] == list(range(1, head + 1))
    assert runner.catch_up() == 0  # nothing new: nothing applied twice
    check = verify(stored_app, engine)
    assert check.ok and check.checked == head


def _analyzed(engine: Engine) -> bool:
    """Whether the planner has statistics of the audit index table."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            found = conn.execute(
                text(
                    "SELECT last_analyze FROM pg_stat_user_tables "
                    "WHERE relname = 'audit_index' AND schemaname = current_schema()"
                )
            ).scalar()
            return found is not None
        tables = conn.execute(
            text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        ).all()
        return bool(tables) and bool(
            conn.execute(
                text("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'audit_index'")
            ).all()
        )


def test_a_big_catch_up_refreshes_the_planner_statistics(
    stored_app: MomentumApplication,
    engine: Engine,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    goal_with_actions(stored_app, clock, 12)
    runner = ProjectionRunner(stored_app, engine, [AuditIndex()], batch_size=5)
    runner.setup()
    monkeypatch.setattr(runner_module, "ANALYZE_AFTER", 10)  # 10 events count as big
    assert not _analyzed(engine)
    assert runner.catch_up() >= 10
    assert _analyzed(engine)


class Boom(AuditIndex):
    """The audit index, failing on one position (a bug or a crash mid-batch)."""

    def __init__(self, fail_at: int) -> None:
        self.fail_at = fail_at

    def apply_batch(self, conn: Connection, events: list[tuple[Any, Any]]) -> None:
        before = [(n, e) for n, e in events if n.id < self.fail_at]
        if before:
            super().apply_batch(conn, before)  # written, then rolled back by the crash
        if len(before) < len(events):
            raise RuntimeError("crash in the middle of a batch")


def test_crash_mid_batch_then_resume_equals_an_uninterrupted_run(
    stored_app: MomentumApplication, engine: Engine, clock: FixedClock, backend: str
) -> None:
    goal_with_actions(stored_app, clock, 30)
    crashing = ProjectionRunner(stored_app, engine, [Boom(fail_at=12)], batch_size=5)
    crashing.setup()
    crashing.catch_up()  # the model stops at the event it cannot apply
    assert gc.isenabled()  # paused per batch (`collector_paused`), on again after it
    [stopped] = crashing.stopped()
    assert stopped.position == 12
    assert "crash in the middle" in stopped.error
    assert crashing.positions() == {"audit": 11}  # everything before it, nothing after
    assert len(_rows(engine)) == 11

    resuming = ProjectionRunner(stored_app, engine, [AuditIndex()], batch_size=5)
    resuming.resume()
    resuming.catch_up()
    resumed = _rows(engine)

    with engine.begin() as conn:
        conn.execute(audit_index.delete())
    fresh = ProjectionRunner(stored_app, engine, [AuditIndex()], batch_size=1000)
    fresh.rebuild()
    assert _rows(engine) == resumed
    assert len(resumed) == stored_app.recorder.max_notification_id()


def _run_once(database_url: str, batch_size: int) -> None:
    app = make_app(database_url, FixedClock(datetime.now(UTC)), create_tables=False)
    try:
        runner = ProjectionRunner(
            app, make_engine(database_url), [AuditIndex()], batch_size=batch_size
        )
        runner.catch_up()
    finally:
        app.close()


def test_two_runner_processes_never_apply_an_event_twice(
    stored_app: MomentumApplication, engine: Engine, clock: FixedClock, backend: str
) -> None:
    goal_with_actions(stored_app, clock, 120)
    ProjectionRunner(stored_app, engine, [AuditIndex()]).setup()
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_run_once, args=(backend, size)) for size in (3, 4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    head = stored_app.recorder.max_notification_id()
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(audit_index)).scalar()
    assert count == head
    assert verify(stored_app, engine).ok


def _tamper(backend: str, position: int) -> None:
    """Change one stored event's bytes behind the library's back."""
    url = urlparse(backend)
    if url.scheme == "sqlite":
        with sqlite3.connect(url.path.removeprefix("/")) as db:
            db.execute(
                "UPDATE stored_events SET state = CAST(REPLACE(CAST(state AS TEXT),"
                " '\"learning\"', '\"networking\"') AS BLOB) WHERE rowid = ?",
                (position,),
            )
        return
    schema = parse_qs(url.query)["schema"][0]
    dsn = backend.split("?")[0]
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute(
            f'UPDATE "{schema}".momentum_events SET state = '
            "convert_to(replace(convert_from(state, 'UTF8'), '\"learning\"',"
            " '\"networking\"'),"
            " 'UTF8') WHERE notification_id = %s",
            (position,),
        )


def test_verify_points_at_the_first_changed_event(
    stored_app: MomentumApplication, engine: Engine, clock: FixedClock, backend: str
) -> None:
    goal_with_actions(stored_app, clock, 30)
    runner = ProjectionRunner(stored_app, engine, [AuditIndex()])
    runner.setup()
    runner.catch_up()
    target = next(
        n.id
        for n in stored_app.recorder.select_notifications(start=None, limit=500)
        if getattr(stored_app.mapper.to_domain_event(n), "title", None) == "Step 3"
    )
    _tamper(backend, target)
    check = verify(stored_app, engine)
    assert not check.ok
    assert check.first_break == target
    assert check.checked == target - 1
