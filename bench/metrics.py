"""How long momentum metrics take to read, in-process (SPEC 11, row 4; not in `make
bench`: `bench.api` measures the same pages over HTTP).

Builds through the service, on the in-memory event store with a `FixedClock` walking
day by day up to today: one member with `--heavy` actions (25 a day over 400 days),
and one mentor with `--mentees` mentees who each have a year of history (actions on
about half of the days, more on weekdays; a weekly review with commitments, marked
by the next one; an away week or two; 5 timezones; a quarter quiet for the last 30
days). It then times the catch-up of the metrics read model alone (events/s), and
the queries, each on a fresh connection, `--repeat` times: `metrics_for_many` of the
mentees, the mentor's `triage`, `member_metrics` and `daily_series` (90 days) of the
heavy member. Prints p50/p95/mean in ms.

    .venv/bin/python -m bench.metrics [--backend sqlite|postgres] [--quick]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from projections.db import make_engine
from projections.goals import GoalBoard
from projections.mentoring import triage
from projections.metrics import Metrics
from projections.metrics_queries import daily_series, member_metrics, metrics_for_many
from projections.relations import Relations
from projections.runner import ProjectionRunner
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.settings import Settings
from system import build_application

PASSWORD = "bench password 1"
SIGNALS = ("motivation", "focus", "learning", "recognition", "satisfaction")
ZONES = ("UTC", "Europe/London", "America/New_York", "Pacific/Auckland", "Asia/Kolkata")
STEP = c.NewCommitment("When I open my laptop", "then I will update my CV")


def build(
    app: MomentumApplication, clock: FixedClock, heavy_actions: int, mentees: int
) -> tuple[uuid.UUID, uuid.UUID, list[uuid.UUID]]:
    """The heavy member, the mentor and the mentees, history written in time order."""
    days = 400
    now = datetime.now(UTC).replace(microsecond=0)
    clock.set(now - timedelta(days=days))

    def register(name: str, zone: str = "UTC") -> uuid.UUID:
        email = f"{name}@bench.example.com"
        return app.handle(c.RegisterMember(email, PASSWORD, name, zone)).id

    heavy, mentor = register("heavy"), register("mentor")
    people = []
    for n in range(mentees):
        member = register(f"mentee{n}", ZONES[n % len(ZONES)])
        link = app.handle(c.ProposeMentorship(member, "mentor@bench.example.com"))
        app.handle(c.AnswerMentorship(mentor, link.id, "accept"))
        people.append(member)
    rng = random.Random(1)
    per_day = max(1, heavy_actions // days)
    last_review: dict[uuid.UUID, c.Result] = {}
    for day in range(days):
        today = clock.now().date()
        for k in range(per_day):
            app.handle(c.LogAction(heavy, "learning", f"Step {day}-{k}", today))
        if day >= days - 365:
            for n, member in enumerate(people):
                _mentee_day(app, rng, member, n, today, days - day, last_review)
        clock.advance(days=1)
    clock.set(now)
    return heavy, mentor, people


def _mentee_day(
    app: MomentumApplication,
    rng: random.Random,
    member: uuid.UUID,
    n: int,
    today: date,
    days_left: int,
    last_review: dict[uuid.UUID, c.Result],
) -> None:
    quiet = n % 4 == 0 and days_left <= 30
    chance = 0.6 if today.weekday() < 5 else 0.25
    if not quiet and rng.random() < chance:
        for _ in range(rng.choice((1, 1, 2, 3))):
            back = today - timedelta(days=rng.choice((0, 0, 0, 1, 2)))
            app.handle(c.LogAction(member, "learning", "Read a chapter", back))
    if today.weekday() == n % 7 and not quiet:
        previous = last_review.get(member)
        outcomes: tuple[c.CommitmentOutcome, ...] = ()
        if previous is not None:
            ids = previous.extra["commitment_ids"]
            outcomes = tuple(
                c.CommitmentOutcome(previous.id, i, rng.random() < 0.6) for i in ids
            )
        signals = {s: rng.randint(1, 5) for s in SIGNALS}
        last_review[member] = app.handle(
            c.RecordReview(member, signals, commitments=(STEP,), outcomes=outcomes)
        )
    if today.day == 1 and today.month in (2, 7) and n % 3 != 1:
        start = today + timedelta(days=n % 20)
        app.handle(c.SetAwayPeriod(member, start, start + timedelta(days=6 + n % 5)))


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """p50, p95 and mean of `repeat` calls, in ms (after 5 warm-up calls)."""
    for _ in range(5):
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)))]
    return statistics.median(times), p95, statistics.fmean(times)


def on_connection(
    engine: Engine, fn: Callable[..., Any], *args: Any
) -> Callable[[], Any]:
    """A call of `fn(conn, *args)` on a fresh connection, as a request makes it."""

    def call() -> Any:
        with engine.connect() as conn:
            return fn(conn, *args)

    return call


@contextmanager
def database(backend: str, pg_url: str) -> Iterator[str]:
    """A MOMENTUM_DATABASE_URL for the read models, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="momentum-bench-metrics-") as tmp:
            yield f"sqlite:///{tmp}/events.sqlite"
        return
    schema = f"bench_metrics_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{pg_url}?schema={schema}"
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument(
        "--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres"
    )
    p.add_argument("--heavy", type=int, default=10_000, help="actions of one member")
    p.add_argument("--mentees", type=int, default=100)
    p.add_argument("--repeat", type=int, default=100, help="calls per figure")
    p.add_argument("--quick", action="store_true", help="2,000 actions, 20 mentees")
    args = p.parse_args()
    if args.quick:
        args.heavy, args.mentees, args.repeat = 2000, 20, 30
    return args


def main() -> int:
    args = parse_args()
    clock = FixedClock(datetime.now(UTC))
    settings = Settings(database_url="memory://", secret_key="bench-secret")
    app = build_application(settings, clock=clock, password_profile="CHEAPEST")
    started = time.perf_counter()
    heavy, mentor, mentees = build(app, clock, args.heavy, args.mentees)
    events = app.recorder.max_notification_id() or 0
    print(f"built {events} events in {time.perf_counter() - started:.0f} s")
    with database(args.backend, args.postgres_url) as url:
        engine = make_engine(url)
        metrics = ProjectionRunner(app, engine, [Metrics()])
        metrics.setup()
        started = time.perf_counter()
        metrics.catch_up()
        elapsed = time.perf_counter() - started
        print(
            f"metrics model catch-up ({args.backend}): {elapsed:.1f} s, "
            f"{events / elapsed:.0f} events/s"
        )
        others = ProjectionRunner(app, engine, [Relations(), GoalBoard()])
        others.setup()
        others.catch_up()
        now = clock.now()
        ids = [str(m) for m in mentees]
        figures = {
            f"metrics_for_many, {len(ids)} mentees": on_connection(
                engine, metrics_for_many, ids, now
            ),
            f"triage, {len(ids)} mentees": on_connection(
                engine, triage, str(mentor), now
            ),
            f"member_metrics, {args.heavy} actions": on_connection(
                engine, member_metrics, str(heavy), now
            ),
            "daily_series, 90 days": on_connection(
                engine, daily_series, str(heavy), now, 90
            ),
        }
        for name, call in figures.items():
            p50, p95, mean = timed(call, args.repeat)
            print(f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, mean {mean:.1f} ms")
        engine.dispose()
    app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
