"""Command throughput (SPEC 11, rows 1-2): the service against the plain database.

Times `app.handle(LogAction(...))` (check the member, append one event) on a
SQLite file and on PostgreSQL, and in the same run a plain loop of single-row
INSERT + COMMIT with the library's durability settings: once from one thread, once
from 8 threads at the same time (one application; the plain loop with one
connection per thread); writes bench/RESULTS.md. With 8 threads, each is also run
with the whole process kept on one CPU (a diagnostic line, not the table's figure).

    .venv/bin/python -m bench.commands [--commands N] [--runs R] [--quick]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlparse, urlunparse

import psycopg
from eventsourcing.persistence import StoredEvent

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import command_line, machine, write_results
from service.application import MomentumApplication
from service.commands import LogAction, RegisterMember
from service.settings import Settings
from system import build_application

MEMBERS = 200
WARM_UP = 500
TOPIC = "service.domain.action:Action.ActionLogged"
APPENDS_ALONE_TOPIC = "bench.commands:AppendedAlone"
TARGETS = {"SQLite (file)": 3000.0, "PostgreSQL": 1000.0}
MIN_RATIO = 0.5
CONCURRENT_RATIO = {"PostgreSQL": 1.0}
"""SPEC 11: 8 writers on PostgreSQL at least as fast as 8 plain writers (appends
share commits, `service.group_commit`)."""
THREADS = (1, 8)
"""Writers at once: the SPEC's single-thread row, and a concurrent one."""
ANY_CPU, ONE_CPU = "any CPU", "one CPU"
PLACEMENTS = (ANY_CPU, ONE_CPU)
"""Where this process's threads run: wherever the kernel puts them (the table's
figures: how the service runs), or all on one CPU (with 8 threads, what the GIL's
hand-offs between threads on different CPUs cost; Linux only)."""
ALLOWED = (
    frozenset(os.sched_getaffinity(0)) if hasattr(os, "sched_setaffinity") else None
)


class Measured(NamedTuple):
    per_second: float
    cpu_us: float
    """This process's CPU time per operation, all threads (not the database
    server's): what the GIL-bound part costs."""


Plain = Callable[[int, int], Measured]
"""Rows per second (and CPU per row) for `n` plain INSERT + COMMIT from `threads`
threads."""


def _by_placement() -> dict[str, list[Measured]]:
    return {where: [] for where in PLACEMENTS}


@dataclass
class Row:
    backend: str
    threads: int
    settings: str
    service: dict[str, list[Measured]] = field(default_factory=_by_placement)
    plain: dict[str, list[Measured]] = field(default_factory=_by_placement)
    """Each run, by placement: rate and µs of this process's CPU per command / per
    plain row."""
    per_commit: list[float] = field(default_factory=list)
    """Commands per insert of the event store in each service run (group commit)."""
    appends: list[Measured] = field(default_factory=list)
    """The store alone, each run (`appends_alone`): what the service could reach
    with no command work at all."""

    def rate(self, runs: list[Measured]) -> float | None:
        return statistics.median(r.per_second for r in runs) if runs else None

    def service_rate(self) -> float | None:
        return self.rate(self.service[ANY_CPU])

    def plain_rate(self) -> float | None:
        return self.rate(self.plain[ANY_CPU])


def make_app(database_url: str) -> MomentumApplication:
    settings = Settings(database_url=database_url, secret_key="bench-secret")
    return build_application(settings, password_profile="CHEAPEST")


def register_members(app: MomentumApplication, count: int) -> list[uuid.UUID]:
    ids = []
    for i in range(count):
        cmd = RegisterMember(f"m{i}@bench.invalid", "x" * 12, f"Member {i}")
        ids.append(app.handle(cmd).id)
    return ids


def service_durability(app: MomentumApplication) -> str:
    """The durability setting as the service's own connection sees it."""
    sqlite = "sqlite" in type(app.recorder).__module__
    query = "PRAGMA synchronous" if sqlite else "SHOW synchronous_commit"
    datastore = app.recorder.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as cursor:
        cursor.execute(query)
        value = next(iter(dict(cursor.fetchone()).values()))
    return f"{query.split()[-1]}={value}"


def rate(n: int, threads: int, work: Callable[[int, int], None]) -> Measured:
    """Operations per second (and CPU per operation) for `n` operations split over
    `threads` threads that start together; `work(thread, count)` does one thread's
    share."""
    counts = [n // threads + (i < n % threads) for i in range(threads)]
    if threads == 1:
        cpu, started = time.process_time(), time.perf_counter()
        work(0, n)
        elapsed = time.perf_counter() - started
        return Measured(n / elapsed, (time.process_time() - cpu) / n * 1e6)
    barrier = threading.Barrier(threads + 1)
    failed: list[BaseException] = []

    def body(i: int) -> None:
        barrier.wait()
        try:
            work(i, counts[i])
        except BaseException as e:  # reported by the main thread
            failed.append(e)

    workers = [threading.Thread(target=body, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    cpu, started = time.process_time(), time.perf_counter()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    if failed:
        raise failed[0]
    return Measured(n / elapsed, (time.process_time() - cpu) / n * 1e6)


def log_actions(
    app: MomentumApplication, members: list[uuid.UUID], n: int, threads: int = 1
) -> Measured:
    """Commands per second for `n` LogAction commands, round-robin over members
    (each thread its own members)."""
    commands = [
        LogAction(members[i % len(members)], "learning", f"Read chapter {i}")
        for i in range(n)
    ]
    per_thread = [commands[i::threads] for i in range(threads)]

    def work(thread: int, count: int) -> None:
        for command in per_thread[thread][:count]:
            app.handle(command)

    return rate(n, threads, work)


def appends_alone(
    app: MomentumApplication, members: list[uuid.UUID], n: int, threads: int
) -> Measured:
    """`n` appends of a ready 600-byte event (a topic nobody reads) through the
    application's group commit, each checking a member's cached view as a command
    does: the store's part of a command without the command — no aggregate, no
    sealing, no JSON."""
    state = os.urandom(600)

    def work(thread: int, count: int) -> None:
        for i in range(count):
            _, watch = app.watched_member_view(
                members[(thread + i * threads) % MEMBERS]
            )
            event = StoredEvent(uuid.uuid4(), 1, APPENDS_ALONE_TOPIC, state)
            app.group_commit.append([event], watch)

    return rate(n, threads, work)


def place(where: str) -> None:
    """Every thread of this process (and those it starts later) on the lowest CPU
    it may use, or on all of them."""
    if ALLOWED is None:
        return
    cpus = {min(ALLOWED)} if where == ONE_CPU else set(ALLOWED)
    for task in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(task), cpus)
        except ProcessLookupError:  # the thread ended meanwhile
            continue


def measure(
    rows: list[Row], database_url: str, plain: Plain, n: int, runs: int
) -> None:
    """Warm up both, then alternate service and plain runs (same drift for both),
    for each row's number of threads; with 8, on one CPU too."""
    app = make_app(database_url)
    try:
        durability = service_durability(app)
        members = register_members(app, MEMBERS)
        log_actions(app, members, min(n, WARM_UP))
        plain(min(n, WARM_UP), 1)
        for row in rows:
            row.settings += f"; the service's connection reports {durability}"
            for _ in range(runs):
                pinned = row.threads > 1 and ALLOWED is not None
                for where in PLACEMENTS if pinned else (ANY_CPU,):
                    place(where)
                    inserts = app.group_commit.groups
                    row.service[where].append(log_actions(app, members, n, row.threads))
                    if where == ANY_CPU:
                        groups = app.group_commit.groups - inserts
                        row.per_commit.append(n / max(1, groups))
                        if row.threads > 1:
                            alone = appends_alone(app, members, n, row.threads)
                            row.appends.append(alone)
                    row.plain[where].append(plain(n, row.threads))
    finally:
        place(ANY_CPU)
        app.close()


def sqlite_plain(path: Path) -> tuple[Plain, str]:
    """INSERT + COMMIT as eventsourcing.sqlite does it: autocommit mode, WAL, BEGIN;
    one connection per thread."""
    connections = [
        sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        for _ in range(max(THREADS))
    ]
    conn = connections[0]
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE events (originator_id TEXT, originator_version INTEGER, "
        "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    sync = conn.execute("PRAGMA synchronous").fetchone()[0]
    names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
    state = os.urandom(300)

    def work(thread: int, count: int) -> None:
        conn = connections[thread]
        for _ in range(count):
            conn.execute("BEGIN")
            conn.execute(
                "INSERT INTO events VALUES (?,?,?,?)",
                (uuid.uuid4().hex, 1, TOPIC, state),
            )
            conn.commit()

    def run(n: int, threads: int) -> Measured:
        return rate(n, threads, work)

    return run, (
        f"plain loop: journal_mode={mode}, synchronous={names.get(sync, sync)} "
        f"({sync}) as left by eventsourcing.sqlite (it sets WAL only), one "
        "BEGIN/INSERT/COMMIT per row (a connection per thread); 300-byte state"
    )


def pg_plain(
    conn: psycopg.Connection, schema: str, url: str
) -> tuple[Plain, str, Callable[[], None]]:
    """INSERT + COMMIT per row, autocommit off, server-default synchronous_commit;
    one connection per thread (and how to close them)."""
    conn.execute(
        f"CREATE TABLE {schema}.events (originator_id uuid NOT NULL, "
        "originator_version bigint NOT NULL, topic text, state bytea, "
        "notification_id bigserial, "
        "PRIMARY KEY (originator_id, originator_version))"
    )
    conn.commit()
    sync = scalar(conn, "SHOW synchronous_commit")
    state = os.urandom(300)
    sql = f"INSERT INTO {schema}.events VALUES (%s, %s, %s, %s)"
    connections = [conn] + [
        psycopg.connect(url, connect_timeout=3) for _ in range(max(THREADS) - 1)
    ]

    def work(thread: int, count: int) -> None:
        c = connections[thread]
        for _ in range(count):
            c.execute(sql, (uuid.uuid4(), 1, TOPIC, state), prepare=True)
            c.commit()

    def run(n: int, threads: int) -> Measured:
        return rate(n, threads, work)

    def close() -> None:
        for c in connections[1:]:
            c.close()

    settings = (
        f"plain loop: synchronous_commit={sync} (server default), autocommit off, "
        "one INSERT + COMMIT per row (a connection per thread); 300-byte state"
    )
    return run, settings, close


def scalar(conn: psycopg.Connection, sql: str) -> str:
    row = conn.execute(sql).fetchone()
    return str(row[0]) if row else "?"


def bench_sqlite(n: int, runs: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="momentum-bench-") as tmp:
        plain, settings = sqlite_plain(Path(tmp) / "plain.sqlite")
        rows = [Row("SQLite (file)", t, settings) for t in THREADS]
        measure(rows, f"sqlite:///{tmp}/events.sqlite", plain, n, runs)
        return rows


@contextmanager
def pg_schema(url: str) -> Iterator[tuple[psycopg.Connection, str]]:
    """A throwaway schema on the server at `url`, dropped afterwards."""
    schema = f"bench_commands_{uuid.uuid4().hex[:8]}"
    conn = psycopg.connect(url, connect_timeout=3)
    try:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.commit()
        yield conn, schema
    finally:
        conn.rollback()
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.commit()
        conn.close()


def bench_postgres(url: str, n: int, runs: int) -> tuple[list[Row], str]:
    rows = [Row("PostgreSQL", t, "not measured") for t in THREADS]
    try:
        with pg_schema(url) as (conn, schema):
            version = scalar(conn, "SHOW server_version")
            plain, settings, close = pg_plain(conn, schema, url)
            for row in rows:
                row.settings = settings
            parts = urlparse(url)
            service_url = urlunparse(parts._replace(query=f"schema={schema}"))
            try:
                measure(rows, service_url, plain, n, runs)
            finally:
                close()
    except psycopg.OperationalError as e:
        print(f"PostgreSQL not reachable at {url}: {e}".strip(), file=sys.stderr)
        return rows, "not reachable"
    return rows, version


def table_row(row: Row) -> str:
    """One table row: the SPEC's targets for one thread, and for 8 threads on
    PostgreSQL (its ratio against 8 plain writers)."""
    service, plain = row.service_rate(), row.plain_rate()
    single = row.threads == 1
    concurrent = None if single else CONCURRENT_RATIO.get(row.backend)
    if single:
        target = f"≥ {TARGETS[row.backend]:,.0f}/s and ratio ≥ {MIN_RATIO}"
    else:
        target = "–" if concurrent is None else f"ratio ≥ {concurrent}"
    head = f"| {row.backend} | {row.threads} |"
    if service is None or plain is None:
        return f"{head} not measured | not measured | – | {target} | – |"
    ratio = service / plain
    if single:
        checks = {"rate": service >= TARGETS[row.backend], "ratio": ratio >= MIN_RATIO}
    else:
        checks = {} if concurrent is None else {"ratio": ratio >= concurrent}
    failed = ", ".join(what for what, ok in checks.items() if not ok)
    met = (f"no ({failed})" if failed else "yes") if checks else "–"
    return f"{head} {service:,.0f} | {plain:,.0f} | {ratio:.2f} | {target} | {met} |"


def section(rows: list[Row], pg_version: str, command: str, n: int, runs: int) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Command throughput (SPEC 11 row 1–2)",
        "",
        f"- Date: {now}",
        f"- Machine: {machine(pg_version)}",
        f"- Command: `{command}`",
        f"- Workload: {MEMBERS} members registered, {min(n, WARM_UP)} warm-up commands "
        f"and plain inserts, then "
        f"{runs} run(s) of {n} `LogAction` commands (round-robin) from 1 thread, "
        f"then from {max(THREADS)} threads at once (one application), median shown; "
        "service and plain runs alternate, the plain loop with as many threads; "
        "with 8 threads both are run again with the process kept on one CPU "
        "(the rows' last figures; the table shows the runs on any CPU).",
        "",
        "| backend | threads | service commands/s | plain INSERT+COMMIT/s | ratio "
        "| target | met? |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *map(table_row, rows),
        "",
    ]
    for row in rows:
        shared = ", ".join(f"{c:.1f}" for c in row.per_commit)
        alone = ", ".join(
            f"{a.per_second:,.0f}/s at {a.cpu_us:.0f} µs" for a in row.appends
        )
        runs_text = measured_runs(row.service[ANY_CPU], row.plain[ANY_CPU])
        lines.append(
            f"- {row.backend}, {row.threads} thread(s) — {row.settings}. "
            f"Runs, service/plain per second (this process's CPU per command/per "
            f"plain row in µs, all threads, not the server's): "
            f"{runs_text or 'none'}; commands per commit of the event store: "
            f"{shared or 'none'}."
            + (
                f" The store alone (a ready event appended through the group "
                f"commit with the actor check, no command; `appends_alone`): "
                f"{alone}."
                if alone
                else ""
            )
            + (
                " The process kept on one CPU, service/plain (CPU µs): "
                f"{measured_runs(row.service[ONE_CPU], row.plain[ONE_CPU])}."
                if row.service[ONE_CPU]
                else ""
            )
        )
    return "\n".join(lines)


def measured_runs(service: list[Measured], plain: list[Measured]) -> str:
    return ", ".join(
        f"{s.per_second:,.0f}/{p.per_second:,.0f} ({s.cpu_us:.0f}/{p.cpu_us:.0f})"
        for s, p in zip(service, plain, strict=True)
    )


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--commands", type=int, default=3000, help="commands per run")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument(
        "--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres"
    )
    p.add_argument("--require-postgres", action="store_true")
    p.add_argument("--out", type=Path, help="default bench/RESULTS.md")
    p.add_argument(
        "--quick", action="store_true", help="100 commands, 1 run; no file unless --out"
    )
    return p.parse_args()


def main() -> int:
    args = parse_args()
    n, runs = (100, 1) if args.quick else (args.commands, args.runs)
    rows = bench_sqlite(n, runs)
    pg_rows, pg_version = bench_postgres(args.postgres_url, n, runs)
    rows += pg_rows
    command = command_line("bench.commands", __package__)
    body = section(rows, pg_version, command, n, runs)
    print(body)
    out = args.out or (None if args.quick else Path("bench/RESULTS.md"))
    if out is not None:
        write_results(out, body, "commands")
        print(f"\nwritten to {out}")
    return 1 if args.require_postgres and pg_rows[0].service_rate() is None else 0


if __name__ == "__main__":
    sys.exit(main())
