"""API latency and mixed load over HTTP against gunicorn (SPEC 11, rows 4-5).

Builds a data set through the service (a member with 10,000 journal entries, a mentor
with 100 mentees, members for the load), catches the read models up, then starts the
production shape: `gunicorn -c infra/gunicorn.conf.py` (2 workers) and the projection
worker `momentum project` as its own process, and measures over real HTTP:

- latency: p50/p95 of sequential requests for a journal page (50 entries) of the
  member with 10,000 entries, their momentum, and the mentor's triage of 100 mentees;
- mixed load: client threads for `--seconds` (80 % reads, 20 % writes that log an
  action and return once the read models show it): requests/s, errors, p99.

    .venv/bin/python -m bench.api [--backend postgres|sqlite] [--seconds 60] [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import Client, command_line, machine, write_results
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.settings import Settings
from system import open_system

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench password 1"
HEAVY_ENTRIES = 10_000
MENTEES = 100
LOAD_MEMBERS = 40
LATENCY_TARGET_MS = 50.0
LOAD_TARGET_RPS = 500.0
LOAD_TARGET_P99_MS = 250.0
CATEGORIES = ("learning", "networking", "challenge", "visibility", "portfolio")


@dataclass
class DataSet:
    heavy: str = ""
    mentor: str = ""
    load: list[str] = field(default_factory=list)
    events: int = 0


def _email(name: str) -> str:
    return f"{name}@bench.example.com"


def build(
    app: MomentumApplication, clock: FixedClock, entries: int, mentees: int
) -> DataSet:
    """The data set, written through the service in time order ending today."""
    data = DataSet()
    days = 400
    now = datetime.now(UTC).replace(microsecond=0)
    clock.set(now - timedelta(days=days))

    def register(name: str) -> uuid.UUID:
        return app.handle(c.RegisterMember(_email(name), PASSWORD, name, "UTC")).id

    heavy = register("heavy")
    mentor = register("mentor")
    data.heavy, data.mentor = "heavy", "mentor"
    goal = app.handle(
        c.SetGoal(
            heavy,
            "Lead the platform team within a year",
            "long",
            "It is where I learn most",
            (now + timedelta(days=200)).date(),
        )
    ).id
    mentee_ids = []
    for i in range(mentees):
        member = register(f"mentee{i}")
        link = app.handle(c.ProposeMentorship(member, _email("mentor")))
        app.handle(c.AnswerMentorship(mentor, link.id, "accept"))
        mentee_ids.append(member)
    for i in range(LOAD_MEMBERS):
        register(f"load{i}")
        data.load.append(f"load{i}")
    per_day = max(1, entries // days)
    rng = random.Random(1)
    for day in range(days):
        today = clock.now().date()
        for k in range(per_day):
            app.handle(
                c.LogAction(
                    heavy,
                    CATEGORIES[k % len(CATEGORIES)],
                    f"Step {day}-{k} towards leading the team",
                    occurred_on=today,
                    goal_id=goal if k % 3 == 0 else None,
                    minutes=30,
                    win=k == 0 and day % 7 == 0,
                )
            )
        if day >= days - 84:
            for n, member in enumerate(mentee_ids):
                quiet = n % 4 == 0 and day >= days - 30  # a quarter went quiet
                if not quiet and rng.random() < 0.5:
                    app.handle(
                        c.LogAction(member, rng.choice(CATEGORIES), "Read a chapter")
                    )
                if day % 7 == 0:
                    low = 1 + n % 3
                    signals = dict.fromkeys(
                        (
                            "motivation",
                            "focus",
                            "learning",
                            "recognition",
                            "satisfaction",
                        ),
                        low,
                    )
                    app.handle(c.RecordReview(member, signals, went_well="Kept going"))
        clock.advance(days=1)
    clock.set(now)
    data.events = app.recorder.max_notification_id() or 0
    return data


def token(port: int, name: str) -> str:
    status, body = Client(port).call(
        "POST", "/auth/tokens", {"email": _email(name), "password": PASSWORD}
    )
    assert status == 201, (status, body)
    return str(body["token"])


def ready(port: int) -> bool:
    """True once the server answers healthz with every read model caught up."""
    try:
        status, body = Client(port).call("GET", "/healthz")
    except OSError:  # not listening yet
        return False
    return status == 200 and body["projection_lag"] == 0


@contextmanager
def serving(env: dict[str, str], port: int, poll: float) -> Iterator[None]:
    """gunicorn (2 workers) and the projection worker, stopped afterwards; their
    output goes to a log file shown if they do not come up."""
    bin_dir = Path(sys.executable).parent
    log = tempfile.TemporaryFile("w+", prefix="momentum-bench-")  # noqa: SIM115
    commands = [
        [str(bin_dir / "momentum"), "project", "--poll", str(poll)],
        [str(bin_dir / "gunicorn"), "-c", "infra/gunicorn.conf.py"],
    ]
    server_env = env | {"MOMENTUM_BIND": f"127.0.0.1:{port}", "MOMENTUM_ACCESS_LOG": ""}
    procs = [
        subprocess.Popen(cmd, env=server_env, cwd=ROOT, stdout=log, stderr=log)
        for cmd in commands
    ]
    try:
        deadline = time.monotonic() + 60
        while not ready(port):
            if time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(
                    f"the server did not become ready:\n{log.read()[-3000:]}"
                )
            time.sleep(0.5)
        yield
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method) in milliseconds."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def latency(port: int, tok: str, path: str, n: int) -> tuple[float, float, int]:
    """p50 and p95 (ms) of `n` sequential GETs after a warm-up, and the item count."""
    client = Client(port, tok)
    for _ in range(20):
        status, body = client.call("GET", path)
        assert status == 200, (path, status, body)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        status, body = client.call("GET", path)
        times.append(time.perf_counter() - start)
        assert status == 200, (path, status, body)
    items = len(body.get("items", [])) if isinstance(body, dict) else 0
    return percentile(times, 50), percentile(times, 95), items


READS = ("/journal?limit=50", "/momentum", "/goals", "/notifications", "/me")


def mixed_load(
    port: int, tokens: list[str], seconds: float, threads: int
) -> dict[str, Any]:
    """Client threads for `seconds`: 80 % reads, 20 % action logs."""
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    times: list[float] = []
    errors: list[str] = []
    writes = [0]

    def run(index: int) -> None:
        rng = random.Random(index)
        client = Client(port, tokens[index % len(tokens)])
        mine: list[float] = []
        while time.monotonic() < stop:
            write = rng.random() < 0.2
            start = time.perf_counter()
            try:
                if write:
                    status, _ = client.call(
                        "POST",
                        "/actions",
                        {"category": "learning", "title": "Practised a talk"},
                    )
                    ok = status == 201
                else:
                    status, _ = client.call("GET", rng.choice(READS))
                    ok = status == 200
            except OSError as e:
                status, ok = 0, False
                client = Client(port, client.token)
                errors.append(repr(e))
            mine.append(time.perf_counter() - start)
            if not ok:
                with lock:
                    errors.append(str(status))
            elif write:
                with lock:
                    writes[0] += 1
        with lock:
            times.extend(mine)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    return {
        "requests": len(times),
        "rps": len(times) / elapsed,
        "errors": len(errors),
        "error_sample": sorted(set(errors))[:5],
        "writes": writes[0],
        "p50": percentile(times, 50),
        "p99": percentile(times, 99),
        "seconds": elapsed,
    }


@contextmanager
def database(backend: str, pg_url: str) -> Iterator[tuple[str, str]]:
    """A database URL for the run (removed afterwards) and the server version."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="momentum-bench-api-") as tmp:
            yield f"sqlite:///{tmp}/events.sqlite", "n/a"
        return
    schema = f"bench_api_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        parts = urlparse(pg_url)
        yield (
            urlunparse(parts._replace(query=f"schema={schema}")),
            str(row[0] if row else "?"),
        )
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def section(
    args: argparse.Namespace,
    data: DataSet,
    lat: dict[str, Any],
    load: dict[str, Any],
    pg: str,
) -> str:
    rows = [
        "| what | figure | target | met? |",
        "| --- | --- | --- | --- |",
    ]
    for name, (p50, p95, items) in lat.items():
        rows.append(
            f"| {name} ({items} items) | p50 {p50:.1f} ms, p95 {p95:.1f} ms | "
            f"p95 ≤ {LATENCY_TARGET_MS:.0f} ms | {met(p95 <= LATENCY_TARGET_MS)} |"
        )
    load_ok = (
        load["rps"] >= LOAD_TARGET_RPS
        and load["errors"] == 0
        and load["p99"] <= LOAD_TARGET_P99_MS
    )
    rows.append(
        f"| mixed load, {args.threads} client threads, {load['seconds']:.0f} s "
        f"({load['requests']} requests, {load['writes']} writes) | "
        f"{load['rps']:.0f} req/s, {load['errors']} errors, p50 {load['p50']:.1f} ms, "
        f"p99 {load['p99']:.1f} ms | ≥ {LOAD_TARGET_RPS:.0f} req/s, no errors, "
        f"p99 ≤ {LOAD_TARGET_P99_MS:.0f} ms | {met(load_ok)} |"
    )
    return "\n".join(
        [
            "## API latency and mixed load (SPEC 11, rows 4-5)",
            "",
            f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Machine: {machine(pg)}.",
            f"Command: `{command_line('bench.api', __package__)}`.",
            describe(args, data),
            "",
            *rows,
            "",
            f"Errors seen (sample): {load['error_sample'] or 'none'}.",
        ]
    )


def describe(args: argparse.Namespace, data: DataSet) -> str:
    """How the run was set up, in one paragraph."""
    listen = ", LISTEN/NOTIFY" if args.backend == "postgres" else ""
    return (
        f"Backend: {args.backend}; gunicorn `infra/gunicorn.conf.py` (2 workers x 4 "
        f"threads) + `momentum project` (poll {args.poll} s{listen}); the load client "
        f"runs on the same machine. Data set: {data.events} events ({args.entries} "
        f"actions of one member, {args.mentees} mentees of one mentor, {LOAD_MEMBERS} "
        "load members)."
    )


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    p.add_argument(
        "--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres"
    )
    p.add_argument("--entries", type=int, default=HEAVY_ENTRIES)
    p.add_argument("--mentees", type=int, default=MENTEES)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--threads", type=int, default=8, help="load client threads")
    p.add_argument("--requests", type=int, default=300, help="per latency figure")
    p.add_argument(
        "--poll", type=float, default=0.02, help="projection worker poll (s)"
    )
    p.add_argument("--port", type=int, default=8791)
    p.add_argument("--out", type=Path)
    p.add_argument("--quick", action="store_true", help="small data, 10 s; prints only")
    args = p.parse_args()
    if args.quick:
        args.entries, args.mentees, args.seconds, args.requests = 800, 10, 10.0, 50
    return args


def main() -> int:
    args = parse_args()
    with database(args.backend, args.postgres_url) as (url, pg_version):
        settings = Settings(database_url=url, secret_key="bench-secret")
        clock = FixedClock(datetime.now(UTC))
        system = open_system(
            settings, clock=clock, password_profile="CHEAPEST", follow=False
        )
        app = system.app
        try:
            started = time.perf_counter()
            data = build(app, clock, args.entries, args.mentees)
            print(
                f"built {data.events} events in {time.perf_counter() - started:.0f} s"
            )
            system.runner.catch_up()
        finally:
            system.close()
        env = os.environ | {
            "MOMENTUM_DATABASE_URL": url,
            "MOMENTUM_SECRET_KEY": "bench-secret",
        }
        with serving(env, args.port, args.poll):
            heavy, mentor = token(args.port, data.heavy), token(args.port, data.mentor)
            lat = {
                f"journal page, member with {args.entries:,} actions": latency(
                    args.port, heavy, "/journal?limit=50", args.requests
                ),
                "momentum": latency(args.port, heavy, "/momentum", args.requests),
                f"mentor triage, {args.mentees} mentees": latency(
                    args.port, mentor, f"/mentees?limit={args.mentees}", args.requests
                ),
            }
            tokens = [token(args.port, name) for name in data.load]
            load = mixed_load(args.port, tokens, args.seconds, args.threads)
    body = section(args, data, lat, load, pg_version)
    print(body)
    out = args.out or (None if args.quick else ROOT / "bench/RESULTS.md")
    if out is not None:
        write_results(out, body, "api")
        print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
