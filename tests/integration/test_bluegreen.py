"""Blue/green rebuilds (`projections.bluegreen`), on SQLite and PostgreSQL: readers
see the old model until the swap, a crash in the replay or a kill -9 in the middle of
the swap leaves the live models as they were, and no scratch copy stays behind."""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.schema import DropIndex

from projections import runner as runner_module
from projections.db import make_engine, readers_only
from projections.registry import all_models
from projections.runner import ProjectionRunner
from service.application import MomentumApplication
from service.clock import FixedClock
from service.settings import Settings
from system.rebuild import helper
from tests.conftest import make_app
from tests.histories import History

Dump = dict[str, list[tuple[Any, ...]]]

BESIDE = [m.name for m in all_models() if m.name != "audit"]
"""The models rebuilt beside the live ones (the audit index is rebuilt in place)."""


class Crash(BaseException):
    """Stands in for the process dying in the middle of the replay."""


def _dump(engine: Engine) -> Dump:
    """Every table of every read model, and the tracking rows, as a reader sees them
    on a connection of its own."""
    with engine.connect() as conn:
        dump = {
            table.name: sorted(
                (tuple(row) for row in conn.execute(select(table))), key=repr
            )
            for model in all_models()
            for table in model.tables
        }
        dump["tracking"] = sorted(
            tuple(r) for r in conn.execute(text("SELECT * FROM projection_tracking"))
        )
    return dump


def _built(app: MomentumApplication, url: str, clock: FixedClock) -> ProjectionRunner:
    History(app, clock, "b").everything()
    runner = ProjectionRunner(
        app, make_engine(url), all_models(), batch_size=7, rebuild_batch_size=7
    )
    runner.setup()
    runner.catch_up()
    return runner


def _scratch_left(url: str, runner: ProjectionRunner) -> bool:
    """Whether a scratch copy of the read models is still there."""
    engine = runner.engine
    if engine.dialect.name == "sqlite":
        live = str(engine.url.database)
        return any(
            os.path.exists(live.replace(".sqlite", f".{name}.sqlite{journal}"))
            for name in ("rebuild", "rebuild-2")
            for journal in ("", "-journal")
        )
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        found = conn.execute(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :name"),
            {"name": f"{schema}_rebuild"},
        ).first()
    return found is not None


def test_readers_see_the_old_model_until_the_swap_then_the_rebuilt_one(
    stored_app: MomentumApplication, backend: str, clock: FixedClock
) -> None:
    runner = _built(stored_app, backend, clock)
    before = _dump(runner.engine)
    seen: list[Dump] = []
    replayed = runner.rebuild(BESIDE, lambda _: seen.append(_dump(runner.engine)))
    assert replayed > 0 and len(seen) > 3  # read after every batch of the replay
    assert all(dump == before for dump in seen)
    assert _dump(runner.engine) == before  # rebuilt equals incremental
    assert not _scratch_left(backend, runner)


def test_a_crash_in_the_replay_leaves_the_live_models_and_no_scratch_copy(
    stored_app: MomentumApplication, backend: str, clock: FixedClock
) -> None:
    runner = _built(stored_app, backend, clock)
    before = _dump(runner.engine)
    batches = 0

    def crash_on_the_third_batch(_: int) -> None:
        nonlocal batches
        batches += 1
        if batches == 3:
            raise Crash

    with pytest.raises(Crash):
        runner.rebuild(BESIDE, crash_on_the_third_batch)
    assert _dump(runner.engine) == before
    assert not _scratch_left(backend, runner)
    runner.rebuild(BESIDE)  # and the next rebuild works
    assert _dump(runner.engine) == before


def _second_process(url: str) -> Any:
    """What `momentum rebuild` passes for a rebuild in two processes."""
    return helper(Settings(database_url=url, secret_key="test-secret"))


def _missing_indexes(engine: Engine) -> set[str]:
    """The read models' indexes the live database does not have."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'index'"
        else:
            query = (
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            )
        found = set(conn.exec_driver_sql(query).scalars())
    wanted = {str(ix.name) for m in all_models() for t in m.tables for ix in t.indexes}
    return wanted - found


def test_a_rebuild_in_two_processes_equals_the_incremental_build(
    stored_app: MomentumApplication, backend: str, clock: FixedClock
) -> None:
    runner = _built(stored_app, backend, clock)
    before = _dump(runner.engine)
    shown: list[int] = []
    replayed = runner.rebuild(None, shown.append, _second_process(backend))
    head = stored_app.recorder.max_notification_id()
    assert replayed == head == sum(shown)  # the bar reaches the head, no further
    assert _dump(runner.engine) == before  # every model, from either process
    assert not _scratch_left(backend, runner)
    assert _missing_indexes(runner.engine) == set()  # those built at the end too


def test_a_second_process_that_fails_fails_the_rebuild_and_changes_nothing(
    stored_app: MomentumApplication, backend: str, clock: FixedClock
) -> None:
    runner = _built(stored_app, backend, clock)
    before = _dump(runner.engine)
    if backend.startswith("sqlite"):
        unreachable = f"sqlite:///{os.path.dirname(backend[10:])}/gone/events.sqlite"
    else:
        unreachable = backend.split("?")[0] + "?schema=momentum_no_such_schema"
    with pytest.raises(RuntimeError, match="second process failed"):
        runner.rebuild(None, None, _second_process(unreachable))
    assert _dump(runner.engine) == before
    assert not _scratch_left(backend, runner)
    # the audit index, replayed in place, has its readers' indexes back
    assert _missing_indexes(runner.engine) == set()


def _dying_second_process(settings: Settings, share: Any, pipe: Any) -> None:
    """The second process of a rebuild on SQLite, SIGKILLed once the swap of its
    models into the live database has copied two tables in."""
    copies = 0

    def after_cursor_execute(
        conn: Any, cursor: Any, statement: str, *args: Any
    ) -> None:
        nonlocal copies
        if statement.startswith("INSERT INTO main.") and " SELECT " in statement:
            copies += 1
            if copies == 2:
                os.kill(os.getpid(), signal.SIGKILL)

    event.listen(Engine, "after_cursor_execute", after_cursor_execute)
    helper(settings)(share, pipe)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # swaps its own there
def test_a_kill_9_of_the_second_process_in_its_swap_changes_nothing(
    stored_app: MomentumApplication, backend: str, clock: FixedClock
) -> None:
    runner = _built(stored_app, backend, clock)
    before = _dump(runner.engine)
    settings = Settings(database_url=backend, secret_key="test-secret")
    dying = functools.partial(_dying_second_process, settings)
    with pytest.raises(RuntimeError, match=r"second process (died|exited with -9)"):
        runner.rebuild(None, None, dying)
    assert _dump(runner.engine) == before  # its models neither emptied nor half copied
    assert not _scratch_left(backend, runner)
    assert _missing_indexes(runner.engine) == set()


def test_setup_builds_the_readers_indexes_a_crashed_rebuild_in_place_dropped(
    stored_app: MomentumApplication, backend: str, clock: FixedClock
) -> None:
    runner = _built(stored_app, backend, clock)
    audit = next(m for m in all_models() if m.name == "audit")
    with runner.engine.begin() as conn:  # as the rebuild leaves them until its end
        for index in readers_only(audit.tables):
            conn.execute(DropIndex(index))
    assert "ix_audit_index_aggregate_id" in _missing_indexes(runner.engine)
    runner.setup()  # as every process of the service does when it starts
    assert _missing_indexes(runner.engine) == set()


def _noting(model: Any, names: set[str]) -> Any:
    apply_batch = model.apply_batch

    def noting(conn: Any, events: Any) -> None:
        names.add(model.name)
        apply_batch(conn, events)

    return noting


def test_a_catch_up_in_two_processes_equals_a_rebuild(
    stored_app: MomentumApplication,
    backend: str,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Far behind from zero, a catch-up given a helper builds the models beside,
    about half in a second process (on SQLite in a scratch file of its own), and
    swaps them in."""
    monkeypatch.setattr(runner_module, "PARALLEL_AFTER", 10)
    History(stored_app, clock, "b").everything()
    models = all_models()
    here: set[str] = set()  # the models this process applied events to
    for model in models:
        monkeypatch.setattr(model, "apply_batch", _noting(model, here))
    runner = ProjectionRunner(stored_app, make_engine(backend), models)
    runner.setup()
    shown: list[int] = []
    applied = runner.catch_up(shown.append, _second_process(backend))
    head = stored_app.recorder.max_notification_id()
    assert applied == head == sum(shown)
    assert 0 < len(here) < len(models)  # the others: the second process's
    assert set(runner.positions().values()) == {head}
    built = _dump(runner.engine)
    runner.rebuild()
    assert _dump(runner.engine) == built


def test_a_catch_up_of_models_part_of_the_way_stays_in_place_on_sqlite(
    stored_app: MomentumApplication,
    backend: str,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Far behind but not at zero, the models are caught up where they are: on
    SQLite in this process alone (only models at zero are built beside), on
    PostgreSQL in two."""
    monkeypatch.setattr(runner_module, "PARALLEL_AFTER", 10)
    models = all_models()
    runner = ProjectionRunner(stored_app, make_engine(backend), models)
    runner.setup()
    History(stored_app, clock, "a").everything()
    runner.catch_up()
    first = stored_app.recorder.max_notification_id()
    History(stored_app, clock, "b").everything()
    here: set[str] = set()
    for model in models:
        monkeypatch.setattr(model, "apply_batch", _noting(model, here))
    shown: list[int] = []
    applied = runner.catch_up(shown.append, _second_process(backend))
    head = stored_app.recorder.max_notification_id()
    assert applied == head - first == sum(shown) > 10
    if backend.startswith("postgresql"):
        assert 0 < len(here) < len(models)  # the others: the second process's
    else:
        assert here == {m.name for m in models}
        assert not _scratch_left(backend, runner)
    built = _dump(runner.engine)
    runner.rebuild()
    assert _dump(runner.engine) == built


def _rebuild_and_die_in_the_swap(url: str, clock: FixedClock, two: bool) -> None:
    """The child: rebuild (in `two` processes or one), and SIGKILL itself once the
    swap has swapped two tables in (SQLite: the live tables are emptied before the
    first copy; PostgreSQL: each live table is dropped before its scratch one takes
    its place; all in one transaction)."""
    copies = 0

    def after_cursor_execute(
        conn: Any, cursor: Any, statement: str, *args: Any
    ) -> None:
        nonlocal copies
        copied = statement.startswith("INSERT INTO") and " SELECT " in statement
        moved = statement.startswith("ALTER TABLE") and " SET SCHEMA " in statement
        if copied or moved:  # a table swapped in: rows copied (SQLite) or moved
            copies += 1
            if copies == 2:
                os.kill(os.getpid(), signal.SIGKILL)

    event.listen(Engine, "after_cursor_execute", after_cursor_execute)
    app = make_app(url, clock)
    runner = ProjectionRunner(app, make_engine(url), all_models(), batch_size=50)
    runner.rebuild(BESIDE, None, _second_process(url) if two else None)
    os._exit(3)  # not reached: the kill comes first


@pytest.mark.parametrize("two", [False, True], ids=["one process", "two"])
def test_a_kill_9_in_the_middle_of_the_swap_leaves_the_old_models(
    stored_app: MomentumApplication, backend: str, clock: FixedClock, two: bool
) -> None:
    runner = _built(stored_app, backend, clock)
    before = _dump(runner.engine)
    runner.engine.dispose()  # no pooled connection for the child to inherit
    child = multiprocessing.get_context("fork").Process(
        target=_rebuild_and_die_in_the_swap, args=(backend, clock, two)
    )
    child.start()
    child.join(120)
    assert child.exitcode == -signal.SIGKILL
    assert _dump(runner.engine) == before  # not one table emptied or half copied
    runner.rebuild(BESIDE)  # the scratch copy the child left is dropped first
    assert _dump(runner.engine) == before
    assert not _scratch_left(backend, runner)
