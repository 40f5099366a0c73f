"""The scheduler: rounds on the quarter hour, one scheduler at a time per round on
PostgreSQL, housekeeping of old sent mail, and `momentum scheduler` stopping cleanly
on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, text

from entrypoints.scheduler import ROUND_LOCK, add_jobs, digest_round, housekeeping
from notify.outbox import outbox
from service import commands as c
from service.clock import FixedClock
from service.settings import Settings
from system import System, open_system
from tests.conftest import PASSWORD


@pytest.fixture
def system(backend: str, clock: FixedClock) -> Iterator[System]:
    """The system with no SMTP relay: mail goes to the local outbox."""
    running = open_system(
        Settings(database_url=backend, secret_key="test-secret"),
        clock=clock,
        follow=False,
        password_profile="CHEAPEST",
    )
    yield running
    running.close()


def _ann_with_a_week_to_report(system: System, clock: FixedClock) -> None:
    """Ann (UTC, weekly digest on Monday 08:00, the default) logs an action."""
    clock.set(datetime(2026, 3, 4, 9, tzinfo=UTC))
    ann = system.app.handle(c.RegisterMember("ann@example.com", PASSWORD, "Ann")).id
    system.app.handle(c.LogAction(ann, "learning", "Read a chapter"))
    system.runner.catch_up()


def _mail(system: System) -> list[tuple[str, str]]:
    with system.read() as conn:
        rows = conn.execute(select(outbox.c.to_addr, outbox.c.status))
        return [(r.to_addr, r.status) for r in rows]


def test_rounds_fall_on_the_quarter_hour_and_housekeeping_on_the_hour(
    system: System,
) -> None:
    jobs = add_jobs(BackgroundScheduler(timezone="UTC"), system)  # not started
    after = datetime(2026, 3, 9, 7, 52, tzinfo=UTC)
    next_round = jobs.get_job("digest-round").trigger.get_next_fire_time(None, after)
    assert next_round == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    later = jobs.get_job("digest-round").trigger.get_next_fire_time(
        None, next_round + timedelta(seconds=1)
    )
    assert later == datetime(2026, 3, 9, 8, 15, tzinfo=UTC)
    cleanup = jobs.get_job("housekeeping").trigger.get_next_fire_time(None, after)
    assert cleanup == datetime(2026, 3, 9, 8, 7, tzinfo=UTC)


def test_a_round_at_her_hour_delivers_ann_her_digest_once(
    system: System, clock: FixedClock
) -> None:
    _ann_with_a_week_to_report(system, clock)
    clock.set(datetime(2026, 3, 9, 7, 45, tzinfo=UTC))
    digest_round(system)
    assert _mail(system) == []
    clock.set(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    report = digest_round(system)
    assert report is not None
    assert [m.to_addr for m in report.sent.sent] == ["Ann <ann@example.com>"]
    clock.set(datetime(2026, 3, 9, 8, 15, tzinfo=UTC))
    digest_round(system)
    assert _mail(system) == [("Ann <ann@example.com>", "sent")]


@pytest.mark.postgres
def test_a_second_scheduler_skips_the_round_another_one_is_running(
    postgres_schema_url: str, clock: FixedClock
) -> None:
    settings = Settings(database_url=postgres_schema_url, secret_key="test-secret")
    first = open_system(
        settings, clock=clock, follow=False, password_profile="CHEAPEST"
    )
    second = open_system(
        settings, clock=clock, follow=False, password_profile="CHEAPEST"
    )
    try:
        _ann_with_a_week_to_report(first, clock)
        clock.set(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
        with first.engine.connect() as holder:  # the first scheduler's round runs
            holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ROUND_LOCK})
            assert digest_round(second) is None
            assert _mail(second) == []
            holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ROUND_LOCK})
        report = digest_round(second)
        assert report is not None and len(report.sent.sent) == 1
    finally:
        second.close()
        first.close()


def test_housekeeping_forgets_mail_sent_more_than_90_days_ago(
    system: System, clock: FixedClock
) -> None:
    _ann_with_a_week_to_report(system, clock)
    clock.set(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    digest_round(system)
    clock.set(datetime(2026, 6, 7, 8, 0, tzinfo=UTC))  # 90 days later: still kept
    assert housekeeping(system) == 0
    assert _mail(system) == [("Ann <ann@example.com>", "sent")]
    clock.set(datetime(2026, 6, 7, 8, 1, tzinfo=UTC))
    assert housekeeping(system) == 1
    assert _mail(system) == []


def test_momentum_scheduler_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MOMENTUM_VAR_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("MOMENTUM_DATABASE_URL", "MOMENTUM_SECRET_KEY", "MOMENTUM_SMTP_URL"):
        env.pop(name, None)
    momentum = [sys.executable, "-m", "entrypoints.cli"]
    subprocess.run([*momentum, "init"], env=env, check=True, capture_output=True)
    process = subprocess.Popen(
        [*momentum, "scheduler"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        assert "Scheduler started" in process.stdout.readline()  # waits for it
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert "Scheduler stopped." in process.stdout.read()
    finally:
        process.kill()
