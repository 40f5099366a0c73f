"""Read-your-writes when the projection runner is another process (gunicorn's
workers beside `momentum project`): a write returns once the journal shows it, and
on PostgreSQL the wait ends on the runner's notification, not on a poll."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

import system as system_module
from projections.journal_queries import entries
from service import commands as c
from service.clock import FixedClock
from service.settings import Settings
from system import System, open_system, positions
from tests.conftest import make_system

WAIT = 60.0
"""Seconds a test gives a write before it calls it hung (a bound, not a timing)."""


@pytest.fixture
def web_and_projector(
    backend: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[System, System]]:
    """A web process's system (no follower) and the projector's (a follower on
    its own engine and, on PostgreSQL, its own LISTEN connection)."""
    # a wait may only end on what the watch learns: no look of its own, no timeout
    monkeypatch.setattr(positions, "LIVE_CHECK", 3600.0)
    monkeypatch.setattr(system_module, "READ_YOUR_WRITES_TIMEOUT", 3600.0)
    web = make_system(backend, clock, follow=False)
    projector = make_system(backend, clock, follow=True)
    try:
        yield web, projector
    finally:
        projector.close()
        web.close()


def _write(web: System, command: c.Command) -> c.Result:
    """`web.write` on a thread of its own: its result, or a failure if it hangs."""
    results: list[c.Result] = []
    writing = threading.Thread(
        target=lambda: results.append(web.write(command)), daemon=True
    )
    writing.start()
    writing.join(WAIT)
    assert results, "the write did not return: its wait never ended"
    return results[0]


def test_a_write_returns_once_the_journal_of_the_other_process_shows_it(
    web_and_projector: tuple[System, System], backend: str
) -> None:
    web, _ = web_and_projector
    register = c.RegisterMember("ann@example.com", "a long passphrase", "Ann")
    ann = _write(web, register).id
    assert ann is not None
    titles = [f"Practised talk number {n}" for n in range(5)]
    for title in titles:
        _write(web, c.LogAction(ann, "learning", title))
        with web.read() as conn:  # read at once: no wait of our own
            shown = [e.title for e in entries(conn, str(ann)).entries]
        assert title in shown
    assert sorted(shown) == sorted(titles)
    assert web.watch is not None
    # PostgreSQL: the runner's trigger told this process (the looks of the wait
    # itself are off above, so a missing notification would have hung the write)
    assert web.watch.listening == backend.startswith("postgresql")


@pytest.mark.postgres
def test_a_store_without_the_trigger_still_reads_its_writes(
    postgres_schema_url: str, clock: FixedClock
) -> None:
    """A web worker on a store whose trigger is not there yet (made before it, no
    `momentum init` since) polls, as before: still read-your-writes."""
    projector = make_system(postgres_schema_url, clock, follow=True)
    with projector.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TRIGGER {positions.TRIGGER} ON {positions.TABLE}")
    web = open_system(
        Settings(database_url=postgres_schema_url, secret_key="test-secret"),
        clock=clock,
        password_profile="CHEAPEST",
        follow=False,
        create_tables=False,  # a worker: it makes nothing
    )
    try:
        register = c.RegisterMember("bo@example.com", "a long passphrase", "Bo")
        bo = _write(web, register).id
        assert bo is not None
        _write(web, c.LogAction(bo, "learning", "Read a chapter"))
        with web.read() as conn:
            assert [e.title for e in entries(conn, str(bo)).entries] == [
                "Read a chapter"
            ]
        assert web.watch is not None and not web.watch.listening
    finally:
        web.close()
        projector.close()
