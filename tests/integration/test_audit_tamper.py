"""Tamper evidence that a rebuild cannot erase, on SQLite and PostgreSQL.

Each test changes the real stored rows with SQL behind the library's back (one byte,
a deleted row, two states swapped, a state retyped as TEXT or NULL), rebuilds the
audit model from the changed events, and asks `verify` what it sees: the chain rows
kept in `audit_chain` survive the rebuild, the rebuild stops at the first event that
no longer matches them, and verify names every problem at its own position. Rewriting
the events *and* the chain rows consistently is caught by the signed checkpoints.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, bindparam, func, select, text
from sqlalchemy.exc import DBAPIError

from entrypoints.cli import main
from projections import migrate
from projections.audit import (
    GENESIS,
    AuditIndex,
    ChainCheck,
    CheckpointSigner,
    audit_chain,
    audit_checkpoints,
    audit_index,
    chain,
    checkpoint_key,
    checkpoints,
    sign,
    state_digest,
    verify,
)
from projections.db import make_engine
from projections.registry import all_models, with_checkpoints
from projections.runner import ProjectionRunner
from service.application import MomentumApplication
from service.clock import FixedClock
from service.settings import Settings
from tests.histories import goal_with_actions

SECRET = "test-secret"  # the server secret tests.conftest.make_app runs with
ACTIONS = 24
EVERY = 10  # a checkpoint every 10 events


class Store:
    """SQL on the stored events and the audit tables of one backend, as someone with
    access to the database (and not to the server secret) can run it."""

    def __init__(self, backend: str, engine: Engine) -> None:
        self.url = urlparse(backend)
        self.backend = backend
        self.engine = engine
        self.sqlite = self.url.scheme == "sqlite"

    def run(self, sql: str, *params: Any) -> None:
        """SQL on the events table: `{events}` its name, `{id}` the position column."""
        if self.sqlite:
            lite = sqlite3.connect(self.url.path.removeprefix("/"))
            with lite:
                lite.execute(sql.format(events="stored_events", id="rowid"), params)
            lite.close()
            return
        schema = parse_qs(self.url.query)["schema"][0]
        statement = sql.format(
            events=f'"{schema}".momentum_events', id="notification_id"
        ).replace("?", "%s")
        with psycopg.connect(self.backend.split("?")[0], autocommit=True) as db:
            db.execute(statement.encode(), params)

    def set_state(self, position: int, state: bytes | None) -> None:
        self.run("UPDATE {events} SET state = ? WHERE {id} = ?", state, position)

    def delete(self, position: int) -> None:
        self.run("DELETE FROM {events} WHERE {id} = ?", position)

    def rewrite_chain(self, rows: list[dict[str, Any]]) -> None:
        """Overwrite chain rows, switching the append-only triggers off first (the
        database's owner can)."""
        with self.engine.begin() as conn:
            if self.sqlite:
                for action in ("update", "delete"):
                    conn.execute(text(f"DROP TRIGGER audit_chain_no_{action}"))
            else:
                conn.execute(text("ALTER TABLE audit_chain DISABLE TRIGGER USER"))
            conn.execute(
                audit_chain.update()
                .where(audit_chain.c.position == bindparam("at"))
                .values(chain_hash=bindparam("hash"), state_digest=bindparam("digest")),
                rows,
            )
            if not self.sqlite:  # the schema is the next test's too
                conn.execute(text("ALTER TABLE audit_chain ENABLE TRIGGER USER"))


def _state(app: MomentumApplication, position: int) -> bytes:
    [found] = app.recorder.select_notifications(start=position, limit=1)
    assert found.id == position
    return bytes(found.state)


def _one_byte_changed(state: bytes) -> bytes:
    assert b'"learning"' in state  # the action's category is stored in clear
    return state.replace(b'"learning"', b'"Learning"', 1)


@pytest.fixture
def engine(backend: str) -> Iterator[Engine]:
    engine = make_engine(backend)
    yield engine
    engine.dispose()


@pytest.fixture
def store(backend: str, engine: Engine) -> Store:
    return Store(backend, engine)


@pytest.fixture
def runner(stored_app: MomentumApplication, engine: Engine) -> ProjectionRunner:
    """A runner over the audit model, signing a checkpoint every EVERY events."""
    signer = CheckpointSigner.from_secret(SECRET, stored_app.clock.now, every=EVERY)
    built = ProjectionRunner(stored_app, engine, [AuditIndex(signer)], batch_size=7)
    built.setup()
    return built


@pytest.fixture
def actions(
    stored_app: MomentumApplication, clock: FixedClock, runner: ProjectionRunner
) -> list[int]:
    """The history, applied to the audit model: its chain rows and checkpoints kept."""
    positions = goal_with_actions(stored_app, clock, ACTIONS)
    runner.catch_up()
    return positions


def _rebuilt_and_verified(
    app: MomentumApplication, runner: ProjectionRunner, stops_at: int | None
) -> ChainCheck:
    """Rebuild the audit model from the events as they are now, then verify."""
    runner.rebuild(["audit"])
    stopped = {s.name: s for s in runner.stopped()}
    if stops_at is None:
        assert stopped == {}
    else:  # the kept chain row refuses the changed event; the model stops there
        assert stopped["audit"].position == stops_at, stopped["audit"]
    return verify(app, runner.engine, SECRET)


def _kinds(check: ChainCheck) -> list[tuple[int, str]]:
    return [(p.position, p.kind) for p in check.problems]


def test_a_clean_log_verifies_intact_after_rebuilds_and_the_chain_is_kept(
    stored_app: MomentumApplication,
    runner: ProjectionRunner,
    engine: Engine,
    actions: list[int],
) -> None:
    head = stored_app.recorder.max_notification_id() or 0
    with engine.connect() as conn:
        kept = conn.execute(select(audit_chain).order_by("position")).all()
        signed = checkpoints(conn)
    assert [row.position for row in kept] == list(range(1, head + 1))
    assert signed and all(s.valid(checkpoint_key(SECRET)) for s in signed)

    check = _rebuilt_and_verified(stored_app, runner, stops_at=None)
    assert check.ok and check.problems == () and check.first_break is None
    assert check.checked == head and check.head == head
    assert check.checkpoints == len(signed)

    full = ProjectionRunner(
        stored_app, engine, with_checkpoints(all_models(), stored_app, _settings())
    )
    full.setup()
    full.rebuild()  # every read model, the audit index among them
    assert full.stopped() == []
    assert verify(stored_app, engine, SECRET).ok
    with engine.connect() as conn:
        assert conn.execute(select(audit_chain).order_by("position")).all() == kept
        assert checkpoints(conn) == signed  # nothing new to sign: same head


def _settings() -> Settings:
    return Settings(database_url="unused://", secret_key=SECRET)


def test_the_chain_and_checkpoint_tables_refuse_changes(
    engine: Engine, actions: list[int]
) -> None:
    for table in (audit_chain, audit_checkpoints):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(table.delete())
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(table.update().values(chain_hash=GENESIS))


def test_one_changed_byte_is_named_after_a_rebuild(
    stored_app: MomentumApplication,
    runner: ProjectionRunner,
    store: Store,
    actions: list[int],
) -> None:
    target = actions[3]
    store.set_state(target, _one_byte_changed(_state(stored_app, target)))
    check = _rebuilt_and_verified(stored_app, runner, stops_at=target)
    assert not check.ok
    assert _kinds(check) == [(target, "altered")]
    assert check.first_break == target and check.checked == target - 1
    assert check.reason == "the stored event was changed"


def test_a_deleted_row_is_named_at_its_own_position(
    stored_app: MomentumApplication,
    runner: ProjectionRunner,
    store: Store,
    actions: list[int],
) -> None:
    target = actions[5]
    store.delete(target)
    check = _rebuilt_and_verified(stored_app, runner, stops_at=target + 1)
    assert _kinds(check) == [(target, "deleted")]
    assert check.first_break == target
    assert "deleted" in check.reason
    [stopped] = runner.stopped()
    assert f"event {target} (deleted)" in stopped.error  # not the next position


def test_the_last_rows_deleted_are_named_too(
    stored_app: MomentumApplication,
    runner: ProjectionRunner,
    store: Store,
    actions: list[int],
) -> None:
    for position in actions[-2:]:
        store.delete(position)
    check = _rebuilt_and_verified(stored_app, runner, stops_at=None)
    assert _kinds(check) == [(actions[-2], "deleted"), (actions[-1], "deleted")]


def test_two_swapped_states_are_named_as_reordered(
    stored_app: MomentumApplication,
    runner: ProjectionRunner,
    store: Store,
    actions: list[int],
) -> None:
    first, second = actions[2], actions[7]
    one, other = _state(stored_app, first), _state(stored_app, second)
    store.set_state(first, other)
    store.set_state(second, one)
    check = _rebuilt_and_verified(stored_app, runner, stops_at=first)
    assert _kinds(check) == [(first, "reordered"), (second, "reordered")]
    assert str(second) in check.problems[0].detail
    assert str(first) in check.problems[1].detail


def _rebuild_and_verify(
    stored_app: MomentumApplication,
    runner: ProjectionRunner,
    store: Store,
    target: int,
    expected: str,
) -> None:
    runner.rebuild(["audit"])  # stops the audit model at the row, raises nothing
    check = verify(stored_app, runner.engine, SECRET)
    assert _kinds(check) == [(target, "malformed")]
    assert check.checked == target - 1
    assert expected in check.problems[0].detail


def test_a_null_state_is_named_instead_of_crashing(
    stored_app: MomentumApplication,
    runner: ProjectionRunner,
    store: Store,
    actions: list[int],
) -> None:
    target = actions[4]
    store.set_state(target, None)
    expected = "state is NULL" if store.sqlite else "cannot be read (TypeError"
    _rebuild_and_verify(stored_app, runner, store, target, expected)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # a bytea holds no TEXT
def test_a_state_retyped_as_text_is_named_instead_of_crashing(
    stored_app: MomentumApplication,
    runner: ProjectionRunner,
    store: Store,
    actions: list[int],
) -> None:
    target = actions[4]
    store.run("UPDATE {events} SET state = CAST(state AS TEXT) WHERE {id} = ?", target)
    _rebuild_and_verify(stored_app, runner, store, target, "state is str, not bytes")


def _recomputed(
    app: MomentumApplication, engine: Engine, start: int
) -> list[dict[str, Any]]:
    """The chain rows from `start` on, recomputed from the events as they are now
    with the public formula (no secret needed)."""
    with engine.connect() as conn:
        previous = conn.execute(
            select(audit_chain.c.chain_hash).where(audit_chain.c.position == start - 1)
        ).scalar_one()
    rows = []
    for n in app.recorder.select_notifications(start=start, limit=1000):
        previous = chain(previous, n)
        rows.append({"at": n.id, "hash": previous, "digest": state_digest(n)})
    return rows


def test_events_and_chain_rewritten_together_are_caught_by_the_checkpoints(
    stored_app: MomentumApplication,
    runner: ProjectionRunner,
    store: Store,
    engine: Engine,
    actions: list[int],
) -> None:
    target = actions[3]
    with engine.connect() as conn:
        signed = checkpoints(conn)
    after = [s.position for s in signed if s.position >= target]
    assert after, "a checkpoint was signed after the target"

    store.set_state(target, _one_byte_changed(_state(stored_app, target)))
    store.rewrite_chain(_recomputed(stored_app, engine, target))

    check = _rebuilt_and_verified(stored_app, runner, stops_at=None)  # consistent now
    assert not check.ok
    assert _kinds(check) == [(p, "checkpoint-mismatch") for p in after]
    assert check.first_break == after[0]
    assert check.checkpoints == len(signed) - len(after)
    assert verify(stored_app, engine).ok  # without the secret there is no check


def test_a_checkpoint_forged_without_the_secret_is_invalid(
    stored_app: MomentumApplication,
    store: Store,
    engine: Engine,
    actions: list[int],
) -> None:
    with engine.connect() as conn:
        head, head_hash = conn.execute(
            select(audit_chain.c.position, audit_chain.c.chain_hash)
            .order_by(audit_chain.c.position.desc())
            .limit(1)
        ).one()
    at = datetime(2026, 5, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            audit_checkpoints.insert().values(
                position=head,
                chain_hash=head_hash,
                signed_at=at,
                signature=sign(checkpoint_key("a guess"), head, head_hash, at),
            )
        )
    check = verify(stored_app, engine, SECRET)
    assert _kinds(check) == [(head, "checkpoint-invalid")]
    assert "invalid signature" in check.reason


def test_the_command_line_signs_a_checkpoint_and_verify_names_the_change(
    backend: str,
    stored_app: MomentumApplication,
    clock: FixedClock,
    store: Store,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOMENTUM_DATABASE_URL", backend)
    monkeypatch.setenv("MOMENTUM_SECRET_KEY", SECRET)
    positions = goal_with_actions(stored_app, clock, ACTIONS)
    cli = CliRunner()

    assert cli.invoke(main, ["rebuild", "audit"]).exit_code == 0
    signed = cli.invoke(main, ["audit", "checkpoint"])
    assert signed.exit_code == 0, signed.output
    head = stored_app.recorder.max_notification_id()
    assert f"signed at event {head}" in signed.output
    with engine.connect() as conn:
        assert conn.execute(
            select(func.max(audit_checkpoints.c.position))
        ).scalar() == (head)
    intact = cli.invoke(main, ["audit", "verify"])
    assert intact.exit_code == 0 and "Audit chain intact" in intact.output

    target = positions[1]
    store.set_state(target, _one_byte_changed(_state(stored_app, target)))
    rebuilt = cli.invoke(main, ["rebuild", "audit"])
    assert rebuilt.exit_code == 1  # the audit model stops at the changed event
    assert "TamperDetectedError" in rebuilt.output
    broken = cli.invoke(main, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"event {target}: altered" in broken.output
    assert f"Chain broken at event {target}" in broken.output
    refused = cli.invoke(main, ["audit", "checkpoint"])
    assert refused.exit_code == 1 and "Not signed" in refused.output

    unreadable = positions[5]
    store.set_state(unreadable, None)  # PostgreSQL: the library cannot read it
    worse = cli.invoke(main, ["audit", "verify"])
    assert worse.exit_code == 1, worse.output
    assert f"event {target}: altered" in worse.output
    assert f"event {unreadable}: malformed" in worse.output


def test_the_migration_keeps_the_hashes_already_indexed(empty_backend: str) -> None:
    engine = make_engine(empty_backend)
    migrate.upgrade(engine, "0004")
    indexed = [
        {
            "position": position,
            "aggregate_id": "2a0c9a56-3f7e-4d0e-9b1e-8b9a1f0c7d11",
            "aggregate_type": "Member",
            "event_type": "Registered",
            "actor_id": None,
            "occurred_at": datetime(2026, 3, 2, 9, tzinfo=UTC),
            "chain_hash": f"{position:064x}",
        }
        for position in (1, 2, 4)
    ]
    with engine.begin() as conn:
        conn.execute(audit_index.insert(), indexed)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        kept = conn.execute(select(audit_chain).order_by("position")).all()
    assert [tuple(row) for row in kept] == [
        (1, f"{1:064x}", None),
        (2, f"{2:064x}", None),
        (4, f"{4:064x}", None),
    ]
    engine.dispose()


def test_a_row_nobody_can_read_stops_the_read_models_there_and_nothing_else(
    stored_app: MomentumApplication,
    runner: ProjectionRunner,
    store: Store,
    actions: list[int],
) -> None:
    target = actions[4]
    store.set_state(target, None)  # the event store's reader fails on PostgreSQL
    runner.rebuild()  # returns: no exception escapes the runner
    stopped = runner.stopped()
    assert {s.name for s in stopped} == {m.name for m in runner.models}
    assert {s.position for s in stopped} == {target}  # where the bad row is
    assert all(p == target - 1 for p in runner.positions().values())
