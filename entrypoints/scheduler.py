"""The scheduler (SPEC 8): APScheduler 3.11 runs a digest round every 15 minutes on
the quarter hour (plan, then send: `notify.delivery.run_round`) and housekeeping every
hour (sent outbox rows older than `KEEP_SENT`).

Topology: in production one dedicated `momentum scheduler` process (a
`BlockingScheduler`; SIGTERM ends it between rounds — a round in progress finishes
first); in the embedded default `momentum serve` runs the same jobs on a
`BackgroundScheduler` in its own process; never inside gunicorn workers
(`entrypoints.wsgi` starts none).

A second scheduler on the same PostgreSQL database is harmless: each round and each
housekeeping run takes a PostgreSQL advisory lock (`pg_try_advisory_lock`) and skips
if another process holds it. Even without the lock nothing would go out twice (the
outbox is unique per member, kind and period, and senders take rows with `FOR UPDATE
SKIP LOCKED`); the lock only saves the duplicate work. On SQLite (the embedded
default) there is one process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine, text

from notify.delivery import RoundReport, run_round
from notify.outbox import forget_sent_before
from system import System

log = logging.getLogger(__name__)

ROUND_MINUTES = "0,15,30,45"
KEEP_SENT = timedelta(days=90)
"""How long a sent email stays in the outbox (and on /dev/mail)."""
ROUND_LOCK = 0x4D6F6D01
HOUSEKEEPING_LOCK = 0x4D6F6D02
"""PostgreSQL advisory lock keys: one scheduler at a time runs each job."""


@contextmanager
def exclusive(engine: Engine, key: int) -> Iterator[bool]:
    """True if this process may run the job now (always on SQLite)."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        mine = bool(
            conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        )
        conn.commit()
        try:
            yield mine
        finally:
            if mine:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


def digest_round(system: System) -> RoundReport | None:
    """One round at the system clock's now: plan, then send (None: another scheduler
    is running it)."""
    with exclusive(system.engine, ROUND_LOCK) as mine:
        if not mine:
            log.info("digest round skipped: another scheduler is running one")
            return None
        # Plans read the read models: bring them up to date first (another runner
        # catching up at the same time is harmless), then issue each reminder's
        # in-app notification through the application.
        system.runner.catch_up()
        report = run_round(
            system.engine, system.settings, system.now(), issue=system.app.handle
        )
    for line in report.lines():
        log.info("%s", line)
    return report


def housekeeping(system: System) -> int | None:
    """Forget sent mail older than `KEEP_SENT`; how many rows (None: skipped)."""
    with exclusive(system.engine, HOUSEKEEPING_LOCK) as mine:
        if not mine:
            return None
        with system.engine.begin() as conn:
            return forget_sent_before(conn, system.now() - KEEP_SENT)


def add_jobs(scheduler: BaseScheduler, system: System) -> BaseScheduler:
    """The scheduler's two jobs over `system` (times in UTC). A round that starts late
    (a busy process) still runs, once; rounds missed while the process was down are
    not replayed — each round plans everything still due that local day, so the next
    one sends what was missed (a whole local day missed is not sent)."""
    scheduler.add_job(
        digest_round,
        CronTrigger(minute=ROUND_MINUTES, timezone="UTC"),
        args=[system],
        id="digest-round",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=14 * 60,
    )
    scheduler.add_job(
        housekeeping,
        CronTrigger(minute=7, timezone="UTC"),
        args=[system],
        id="housekeeping",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,
    )
    return scheduler
