"""Group commit (`service.group_commit`): commands that append at once in one process
share one insert, and each keeps its own outcome — a conflict fails only its own
command, of two writers of one item exactly one wins, an idempotency key still
writes once, a member changed elsewhere re-runs only their own command. Real
threads on both backends; the event store is held locked by another connection
until the group has formed, so that it surely forms."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest

from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.errors import ConcurrencyConflictError
from tests.conftest import make_app, registrar

WAIT = 60.0
"""Seconds before a test calls a thread hung (a bound, not a timing)."""


@contextlib.contextmanager
def store_locked(app: MomentumApplication, backend: str) -> Iterator[None]:
    """Another connection holds the event store's write lock meanwhile (the lock
    the appends take: PostgreSQL's table lock, SQLite's database write lock)."""
    if backend.startswith("postgresql"):
        parts = urlparse(backend)
        schema = parts.query.removeprefix("schema=")
        with psycopg.connect(urlunparse(parts._replace(query=""))) as conn:
            table = f'"{schema}".{app.recorder.events_table_name}'
            conn.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            yield
            conn.rollback()
        return
    path = urlparse(backend).path.removeprefix("/")
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.rollback()
    finally:
        conn.close()


def run_at_once(
    app: MomentumApplication,
    backend: str,
    first: Callable[[], Any],
    others: list[Callable[[], Any]],
) -> tuple[Any, list[Any]]:
    """`first` leads an insert held by the lock; `others` queue behind it and are
    inserted as one group once it is released. Each one's result or exception."""
    outcomes: dict[int, Any] = {}

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            outcomes[index] = call()
        except Exception as error:  # the command's own outcome
            outcomes[index] = error

    calls = [first, *others]
    threads = [
        threading.Thread(target=run, args=(i, call), daemon=True)
        for i, call in enumerate(calls)
    ]
    inserts = app.group_commit.groups
    with store_locked(app, backend):
        threads[0].start()
        wait_until(lambda: app.group_commit.groups > inserts)  # leading, held
        for thread in threads[1:]:
            thread.start()
        wait_until(lambda: app.group_commit.waiting == len(others))
    for thread in threads:
        thread.join(WAIT)
    assert len(outcomes) == len(calls), "a command never returned"
    return outcomes[0], [outcomes[i] for i in range(1, len(calls))]


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.001)


def logged_titles(app: MomentumApplication) -> list[str]:
    found = app.recorder.select_notifications(start=None, limit=10_000)
    titles = []
    for notification in found:
        if notification.topic.endswith("Action.ActionLogged"):
            titles.append(app.mapper.to_domain_event(notification).title)
    return titles


def test_commands_at_once_share_one_commit_and_each_gets_its_own_result(
    stored_app: MomentumApplication, backend: str
) -> None:
    register = registrar(stored_app)
    members = [register(f"Member{i}") for i in range(8)]
    inserts = stored_app.group_commit.groups
    lead, rest = run_at_once(
        stored_app,
        backend,
        lambda: stored_app.handle(c.LogAction(members[0], "learning", "Step 0")),
        [
            lambda m=m, i=i: stored_app.handle(c.LogAction(m, "learning", f"Step {i}"))
            for i, m in enumerate(members[1:], start=1)
        ],
    )
    results = [lead, *rest]
    assert all(isinstance(r, c.Result) for r in results), results
    # two inserts: the held leader's, then the seven that queued behind it
    assert stored_app.group_commit.groups - inserts == 2
    positions = [r.position for r in results]
    assert len(set(positions)) == 8
    assert sorted(logged_titles(stored_app)) == sorted(f"Step {i}" for i in range(8))
    for member, result in zip(members, results, strict=True):
        assert stored_app.own_action(member, result.id).title.startswith("Step")


def test_a_conflict_in_a_group_fails_only_its_own_command(
    stored_app: MomentumApplication, backend: str
) -> None:
    register = registrar(stored_app)
    ann, bo = register("Ann"), register("Bo")
    action = stored_app.handle(c.LogAction(ann, "learning", "Read a chapter")).id
    assert action is not None

    def edit(title: str) -> Callable[[], c.Result]:
        return lambda: stored_app.handle(
            c.EditAction(ann, action, {"title": title}, expected_version=1)
        )

    logs = [
        lambda i=i: stored_app.handle(c.LogAction(bo, "learning", f"Talk {i}"))
        for i in range(4)
    ]
    _, rest = run_at_once(
        stored_app,
        backend,
        lambda: stored_app.handle(c.LogAction(bo, "learning", "Lead")),
        [edit("Read two chapters"), *logs[:2], edit("Read the whole book"), *logs[2:]],
    )
    edits = [rest[0], rest[3]]
    others = rest[1:3] + rest[4:]
    assert all(isinstance(r, c.Result) for r in others), others
    won = [i for i, r in enumerate(edits) if isinstance(r, c.Result)]
    lost = [r for r in edits if isinstance(r, ConcurrencyConflictError)]
    assert len(won) == 1 and len(lost) == 1, edits
    # the one that won is the one stored (the first of the two to queue)
    titles = ["Read two chapters", "Read the whole book"]
    assert stored_app.own_action(ann, action).title == titles[won[0]]
    assert lost[0].current_version == 2
    assert sorted(logged_titles(stored_app)) == sorted(
        ["Read a chapter", "Lead", *(f"Talk {i}" for i in range(4))]
    )


def test_one_idempotency_key_twice_in_a_group_writes_once(
    stored_app: MomentumApplication, backend: str
) -> None:
    ann = registrar(stored_app)("Ann")
    command = c.LogAction(ann, "learning", "Finished a module of the course")
    _, rest = run_at_once(
        stored_app,
        backend,
        lambda: stored_app.handle(c.LogAction(ann, "learning", "Lead")),
        [
            lambda: stored_app.handle(command, idempotency_key="double-click"),
            lambda: stored_app.handle(c.LogAction(ann, "learning", "Other")),
            lambda: stored_app.handle(command, idempotency_key="double-click"),
        ],
    )
    assert all(isinstance(r, c.Result) for r in rest), rest
    assert rest[0] == rest[2]  # the same answer to both requests
    assert sorted(logged_titles(stored_app)) == sorted(
        ["Lead", "Other", "Finished a module of the course"]
    )


def test_a_member_changed_elsewhere_fails_the_group_only_for_their_command(
    stored_app: MomentumApplication, backend: str, clock: FixedClock
) -> None:
    """Bo's view here predates his new timezone, given in another process: the
    group his command queued in is refused by the append's check, then each
    command is stored alone — Bo's after a catch-up, dated in his new zone —
    and every action exactly once."""
    clock.set(datetime(2026, 3, 2, 11, 30, tzinfo=UTC))  # 00:30 on 3 March, NZDT
    register = registrar(stored_app)
    ann, bo, cy = register("Ann"), register("Bo"), register("Cy")
    for member in (ann, bo, cy):  # each one's view cached here
        stored_app.handle(c.LogAction(member, "learning", "Warm up"))
    there = make_app(backend, clock)
    try:
        there.handle(c.UpdateProfile(bo, "Bo", "Pacific/Auckland"))
    finally:
        there.close()
    lead, rest = run_at_once(
        stored_app,
        backend,
        lambda: stored_app.handle(c.LogAction(ann, "learning", "Lead")),
        [
            lambda: stored_app.handle(c.LogAction(cy, "learning", "Cy's")),
            lambda: stored_app.handle(c.LogAction(bo, "learning", "Bo's")),
            lambda: stored_app.handle(c.LogAction(cy, "learning", "Cy's again")),
        ],
    )
    assert all(isinstance(r, c.Result) for r in [lead, *rest]), rest
    assert sorted(logged_titles(stored_app)) == sorted(
        ["Warm up"] * 3 + ["Lead", "Cy's", "Bo's", "Cy's again"]
    )
    bos = stored_app.history(bo, rest[1].id)[0].data["occurred_on"]
    assert bos == date(2026, 3, 3)
    assert stored_app.history(cy, rest[0].id)[0].data["occurred_on"] == date(2026, 3, 2)


def test_one_writer_alone_does_not_wait_for_a_group(
    stored_app: MomentumApplication,
) -> None:
    """One command at a time: each its own insert, at once."""
    ann = registrar(stored_app)("Ann")
    inserts = stored_app.group_commit.groups
    for i in range(3):
        stored_app.handle(c.LogAction(ann, "learning", f"Alone {i}"))
    assert stored_app.group_commit.groups - inserts == 3
    assert sorted(logged_titles(stored_app)) == [f"Alone {i}" for i in range(3)]


@pytest.mark.parametrize("threads", [8])
def test_many_writers_of_one_item_exactly_one_wins_each_version(
    stored_app: MomentumApplication, threads: int
) -> None:
    """Free-running threads (no lock held): every edit at the version it read
    either wins alone or fails as a conflict; no version is written twice."""
    ann = registrar(stored_app)("Ann")
    action = stored_app.handle(c.LogAction(ann, "learning", "Draft")).id
    assert action is not None
    barrier = threading.Barrier(threads)
    outcomes: list[Any] = []

    def edit(n: int) -> None:
        barrier.wait()
        for k in range(5):
            version = stored_app.own_action(ann, action).version
            try:
                stored_app.handle(
                    c.EditAction(
                        ann, action, {"title": f"T{n}-{k}"}, expected_version=version
                    )
                )
                outcomes.append("won")
            except ConcurrencyConflictError:
                outcomes.append("lost")

    workers = [threading.Thread(target=edit, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(WAIT)
    events = list(stored_app.events_of(action))
    versions = [e.originator_version for e in events]
    assert versions == list(range(1, len(versions) + 1))  # no gap, none twice
    assert outcomes.count("won") == len(versions) - 1
    assert len(outcomes) == threads * 5
