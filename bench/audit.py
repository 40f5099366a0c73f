"""Audit search latency (issue 17, item 1): p50/p95 of `projections.audit_queries`
`search` pages over an audit index of `--events` rows (default 1,000,000) on
PostgreSQL, for each filter the API takes, with and without a cursor.

The search reads only `audit_index` and `audit_days`, so the rows are generated in
SQL (`generate_series`) straight into those tables, created with the model's own
indexes in a scratch schema (dropped at the end); no events are appended. The rows:
2,000 actors (one event in 50 by the system), 50,000 items of about 20 events each,
a dozen event types (one rare), one event every 30 seconds from 2025-01-01.

    .venv/bin/python -m bench.audit [--events 1000000] [--runs 50]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--out F]

The plain baseline, measured in the same run: one row read by its primary key
(`SELECT * FROM audit_index WHERE position = :p`); the ratio is each filter's p95 over
the baseline's. Written to bench/RESULTS.md (section `audit`) unless `--out -`.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import command_line, machine, write_results
from projections.audit import audit_days, audit_index
from projections.audit_queries import AuditFilter, search

NAME = "audit"
ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 50.0
START = datetime(2025, 1, 1, tzinfo=UTC)
FILL = """
INSERT INTO audit_index
SELECT g,
       md5('item' || (g % 50000))::uuid::text,
       CASE WHEN g % 10000 = 0 THEN 'Member'
            ELSE (ARRAY['Goal', 'Action', 'Review', 'Group'])[1 + g % 4] END,
       CASE WHEN g % 10000 = 0 THEN 'RoleGranted'
            ELSE (ARRAY['Set', 'Revised', 'Recorded'])[1 + (g / 4) % 3] END,
       CASE WHEN g % 50 = 0 THEN NULL ELSE md5('member' || (g % 2000))::uuid::text END,
       timestamptz '2025-01-01 00:00:00+00' + g * interval '30 seconds',
       md5(g::text) || md5((g + 1)::text)
FROM generate_series(1, :n) AS g
"""
DAYS = """
INSERT INTO audit_days
SELECT (occurred_at AT TIME ZONE 'UTC')::date, min(position), max(position)
FROM audit_index GROUP BY 1
"""
"""Each day's positions, as the audit model keeps them (and migration 0014 fills)."""


def _member(n: int) -> str:
    return str(uuid.UUID(hex=hashlib.md5(f"member{n}".encode()).hexdigest()))


def _item(n: int) -> str:
    return str(uuid.UUID(hex=hashlib.md5(f"item{n}".encode()).hexdigest()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--out", default=str(ROOT / "bench/RESULTS.md"))
    args = parser.parse_args()
    schema = f"bench_audit_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.postgres)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(
        args.postgres, connect_args={"options": f"-csearch_path={schema}"}
    )
    try:
        began = time.perf_counter()
        audit_index.create(engine)
        audit_days.create(engine)
        with engine.begin() as conn:
            conn.execute(text(FILL), {"n": args.events})
            conn.execute(text(DAYS))
        with engine.connect() as conn:  # as autovacuum leaves an append-only table
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE audit_index, audit_days")
            )
        filled = time.perf_counter() - began
        print(f"{args.events:,} rows in {filled:.1f} s")
        with engine.connect() as conn:
            pg_version = str(conn.execute(text("SHOW server_version")).scalar())
        lines = _measure(engine, args.events, args.runs)
        body = "\n".join(
            [
                "## Audit search (issue 17, item 1)",
                "",
                f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
                f"- Machine: {machine(pg_version)}",
                f"- Command: `{command_line('bench.audit', __package__)}`",
                f"- Workload: `projections.audit_queries.search`, pages of 51, over an "
                f"audit index of {args.events:,} rows generated in SQL "
                f"({filled:.0f} s; see the script's docstring), PostgreSQL; "
                f"{args.runs} runs per filter.",
                "- Plain baseline: one row by primary key, same connection; ratio = "
                "p95 / baseline p95.",
                "",
                *lines,
            ]
        )
        print(body)
        if args.out != "-":
            write_results(Path(args.out), body, NAME)
            print(f"\nwritten to {args.out}")
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _measure(engine: Engine, events: int, runs: int) -> list[str]:
    """The results table (markdown) and the verdict."""
    rng = random.Random(17)
    end = START + timedelta(seconds=30 * events)

    def day() -> datetime:
        return START + (end - START - timedelta(days=8)) * rng.random()

    shapes: dict[str, Callable[[], tuple[AuditFilter, int]]] = {
        "everything, from the start": lambda: (AuditFilter(), 0),
        "everything, deep cursor": lambda: (AuditFilter(), rng.randrange(events)),
        "member": lambda: (AuditFilter(actor_id=_member(rng.randrange(2000))), 0),
        "member, deep cursor": lambda: (
            AuditFilter(actor_id=_member(rng.randrange(2000))),
            rng.randrange(events),
        ),
        "item": lambda: (AuditFilter(aggregate_id=_item(rng.randrange(50000))), 0),
        "type Goal.Set": lambda: (
            AuditFilter(aggregate_type="Goal", event_type="Set"),
            0,
        ),
        "type Goal.Set, deep cursor": lambda: (
            AuditFilter(aggregate_type="Goal", event_type="Set"),
            rng.randrange(events),
        ),
        "rare type Member.RoleGranted": lambda: (
            AuditFilter(aggregate_type="Member", event_type="RoleGranted"),
            0,
        ),
        "one week": lambda: (
            AuditFilter(since=(d := day()), until=d + timedelta(days=7)),
            0,
        ),
        "from a day, no end": lambda: (AuditFilter(since=day()), 0),
        "from a day, no end, deep cursor": lambda: (
            AuditFilter(since=(d := day())),
            int((d - START).total_seconds() / 30) + rng.randrange(1000, 100000),
        ),
        "half the log (time only)": lambda: (
            AuditFilter(
                since=START + (end - START) / 3,
                until=START + (end - START) * 5 / 6,
            ),
            0,
        ),
        "member + one week": lambda: (
            AuditFilter(
                actor_id=_member(rng.randrange(2000)),
                since=(d := day()),
                until=d + timedelta(days=7),
            ),
            0,
        ),
        "member + type + month": lambda: (
            AuditFilter(
                actor_id=_member(rng.randrange(2000)),
                aggregate_type="Goal",
                event_type="Set",
                since=(d := day()),
                until=d + timedelta(days=30),
            ),
            0,
        ),
        "member with no events": lambda: (AuditFilter(actor_id=str(uuid.uuid4())), 0),
    }
    worst = 0.0
    table = [
        "| filter | p50 ms | p95 ms | rows per page | ratio to baseline (p95) | target "
        "| met? |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    with engine.connect() as conn:
        plain = []
        for _ in range(runs):
            position = rng.randrange(1, events + 1)
            began = time.perf_counter()
            conn.execute(
                text("SELECT * FROM audit_index WHERE position = :p"), {"p": position}
            ).all()
            plain.append((time.perf_counter() - began) * 1000)
        baseline = statistics.quantiles(plain, n=20)[-1]
        for name, make in shapes.items():
            times, found = [], 0
            for _ in range(runs):
                where, after = make()
                began = time.perf_counter()
                rows = search(conn, where, after, 51)
                times.append((time.perf_counter() - began) * 1000)
                found += len(rows)
            p95 = statistics.quantiles(times, n=20)[-1]
            worst = max(worst, p95)
            met = "yes" if p95 <= TARGET_MS else "**no**"
            table.append(
                f"| {name} | {statistics.median(times):.2f} | {p95:.2f} | "
                f"{found / runs:.1f} | {p95 / baseline:.0f} | p95 ≤ {TARGET_MS:.0f} "
                f"| {met} |"
            )
    verdict = "met" if worst <= TARGET_MS else "not met"
    return [
        f"Baseline (one row by primary key): p95 {baseline:.2f} ms.",
        "",
        *table,
        "",
        f"Worst p95 {worst:.2f} ms: target {verdict} for every filter"
        if worst <= TARGET_MS
        else f"Worst p95 {worst:.2f} ms: target {verdict} for the filters marked no.",
    ]


if __name__ == "__main__":
    main()
