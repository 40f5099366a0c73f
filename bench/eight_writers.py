"""Where the 8-writer PostgreSQL row of `bench.commands` is bound (a diagnostic, not
part of `make bench`; prints only).

In the same minutes, alternating, on one throwaway schema (dropped afterwards):

- plain: 8 threads of INSERT + COMMIT, one process (`bench.commands`' baseline);
- service: 8 threads of `LogAction` in one process, as the table's row;
- service, 2 processes x 4 threads: the same 8 writers with two interpreters (two
  GILs, as gunicorn's two workers would be);
- store alone: 8 threads appending a ready event through the group commit, no
  command (`bench.commands.appends_alone`);
- the service (both ways) and the store alone again with the append functions
  redefined *without* `LOCK TABLE` in this schema only: not gap-safe (followers
  could skip events), a measurement of what the lock costs, nothing more.

Each with this process's (or both processes') CPU per operation.

    .venv/bin/python -m bench.eight_writers [--commands N] [--runs R]
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.commands import (
    MEMBERS,
    Measured,
    appends_alone,
    log_actions,
    make_app,
    pg_plain,
    pg_schema,
    register_members,
)

THREADS = 8


def _writer(
    url: str,
    members: list[uuid.UUID],
    n: int,
    threads: int,
    ready: Any,
    go: Any,
    out: Any,
) -> None:
    """One process of the 2 x 4 run: warm up, wait for the start, log `n`."""
    app = make_app(url)
    try:
        log_actions(app, members, 300, threads)
        ready.set()
        go.wait()
        started, cpu = time.perf_counter(), time.process_time()
        log_actions(app, members, n, threads)
        out.put((started, time.perf_counter(), time.process_time() - cpu))
    finally:
        app.close()


def two_processes(url: str, members: list[uuid.UUID], n: int) -> Measured:
    """`n` commands from 2 processes x 4 threads started together."""
    context = multiprocessing.get_context("spawn")
    readies = [context.Event() for _ in range(2)]
    go, out = context.Event(), context.Queue()
    procs = [
        context.Process(
            target=_writer,
            args=(url, members[i::2], n // 2, THREADS // 2, readies[i], go, out),
        )
        for i in range(2)
    ]
    for p in procs:
        p.start()
    for r in readies:
        while not r.wait(1):
            if any(p.exitcode not in (None, 0) for p in procs):
                for each in procs:
                    each.kill()
                raise RuntimeError("a writer process failed (its error is above)")
    go.set()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = max(r[1] for r in results) - min(r[0] for r in results)
    return Measured(n / elapsed, sum(r[2] for r in results) / n * 1e6)


def table_lock(conn: psycopg.Connection, schema: str) -> Callable[[bool], None]:
    """A switch for the append functions of `schema`: as made, or without their
    `LOCK TABLE` statement."""
    rows = conn.execute(
        "SELECT pg_get_functiondef(p.oid) FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = %s AND p.proname LIKE 'momentum_append_%%'",
        (schema,),
    ).fetchall()
    conn.commit()
    made = [row[0] for row in rows]

    def switch(on: bool) -> None:
        for text in made:
            conn.execute(text if on else re.sub(r"LOCK TABLE [^;]+;", "", text))
        conn.commit()

    return switch


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--commands", type=int, default=4000)
    p.add_argument("--runs", type=int, default=2)
    p.add_argument(
        "--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres"
    )
    args = p.parse_args()
    n = args.commands
    with pg_schema(args.postgres_url) as (conn, schema):
        plain, _, close = pg_plain(conn, schema, args.postgres_url)
        url = urlunparse(urlparse(args.postgres_url)._replace(query=f"schema={schema}"))
        app = make_app(url)
        try:
            members = register_members(app, MEMBERS)
            log_actions(app, members, 500)
            plain(500, 1)
            lock = table_lock(conn, schema)
            rows: dict[str, list[Measured]] = {}

            def note(what: str, m: Measured) -> None:
                rows.setdefault(what, []).append(m)
                print(f"  {what}: {m.per_second:,.0f}/s, {m.cpu_us:.0f} µs CPU each")

            for run in range(1, args.runs + 1):
                print(f"run {run}", flush=True)
                note("plain, 8 threads", plain(n, THREADS))
                note("service, 8 threads", log_actions(app, members, n, THREADS))
                note("service, 2 processes x 4 threads", two_processes(url, members, n))
                note("store alone, 8 threads", appends_alone(app, members, n, THREADS))
                lock(False)
                try:
                    note(
                        "service, 8 threads, no table lock",
                        log_actions(app, members, n, THREADS),
                    )
                    note(
                        "service, 2 processes x 4 threads, no table lock",
                        two_processes(url, members, n),
                    )
                    note(
                        "store alone, 8 threads, no table lock",
                        appends_alone(app, members, n, THREADS),
                    )
                finally:
                    lock(True)
        finally:
            app.close()
            close()
    plain_best = max(m.per_second for m in rows["plain, 8 threads"])
    print(f"\nmedian per second (ratio to the plain runs' best, {plain_best:,.0f}/s):")
    for what, ms in rows.items():
        median = statistics.median(m.per_second for m in ms)
        print(f"  {what}: {median:,.0f}/s ({median / plain_best:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
