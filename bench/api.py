"""API latency and mixed load over HTTP against gunicorn (SPEC 11, rows 4-5).

Builds a data set through the service (a member with 10,000 journal entries, a mentor
with 100 mentees, members for the load), catches the read models up, then starts the
production shape: `gunicorn -c infra/gunicorn.conf.py` (2 workers) and the projection
worker `momentum project` as its own process, and measures over real HTTP:

- latency: p50/p95 of sequential requests for a journal page (50 entries) of the
  member with 10,000 entries, their momentum, and the mentor's triage of 100 mentees;
- mixed load: client threads for `--seconds` (80 % reads, 20 % writes that log an
  action and return once the read models show it): requests/s, errors, p99; then a
  write-heavy mix (80 % writes) the same way.

The load client runs in a process of its own, pinned to CPUs of its own when the
machine has at least 4 (`--pin`; gunicorn and the projection worker get the
others), and the CPU time each part used during each mix is reported: the client,
gunicorn's workers, the projection worker and the database server's processes.

    .venv/bin/python -m bench.api [--backend postgres|sqlite] [--seconds 60] [--quick]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import runpy
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
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
MIXES = {"mixed load": 0.2, "write-heavy mix": 0.8}
"""Each load's share of writes (the SPEC's target is for the mixed load)."""
TICK = os.sysconf("SC_CLK_TCK")


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
def serving(
    env: dict[str, str], port: int, poll: float, cpus: set[int] | None
) -> Iterator[dict[str, int]]:
    """gunicorn (2 workers) and the projection worker, on `cpus` if given, stopped
    afterwards; yields their process ids by part. Their output goes to a log file
    shown if they do not come up."""
    bin_dir = Path(sys.executable).parent
    log = tempfile.TemporaryFile("w+", prefix="momentum-bench-")  # noqa: SIM115
    commands = [
        [str(bin_dir / "momentum"), "project", "--poll", str(poll)],
        [str(bin_dir / "gunicorn"), "-c", "infra/gunicorn.conf.py"],
    ]
    server_env = env | {"MOMENTUM_BIND": f"127.0.0.1:{port}", "MOMENTUM_ACCESS_LOG": ""}

    def pin() -> None:  # in the child, before exec: inherited by gunicorn's workers
        if cpus:
            os.sched_setaffinity(0, cpus)

    procs = [
        subprocess.Popen(
            cmd, env=server_env, cwd=ROOT, stdout=log, stderr=log, preexec_fn=pin
        )
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
        yield {"projector": procs[0].pid, "workers": procs[1].pid}
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


def _processes() -> dict[int, tuple[str, int, float]]:
    """Every process: pid -> (name, parent pid, CPU seconds used so far)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        ticks = int(fields[11]) + int(fields[12])  # utime + stime
        found[int(entry.name)] = (name, int(fields[1]), ticks / TICK)
    return found


def cpu_by_part(roots: Mapping[str, int]) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each process of each part: a root's process tree
    (gunicorn's master and workers, the projection worker), and "database": every
    process named postgres on the machine (the server's backends, WAL writer, ...;
    other users of the server count too)."""
    procs = _processes()
    parts: dict[str, dict[int, float]] = {name: {} for name in roots}
    parts["database"] = {}
    for pid, (name, _, cpu) in procs.items():
        if name.startswith("postgres"):
            parts["database"][pid] = cpu
    for part, root in roots.items():
        tree = {root}
        grew = True
        while grew:  # add children until the tree stops growing
            more = {p for p, (_, ppid, _) in procs.items() if ppid in tree} - tree
            tree |= more
            grew = bool(more)
        parts[part] = {p: procs[p][2] for p in tree if p in procs}
    return parts


def cpu_used(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]
) -> dict[str, float]:
    """CPU seconds each part used between two `cpu_by_part` snapshots."""
    return {
        part: sum(cpu - before[part].get(pid, 0.0) for pid, cpu in now.items())
        for part, now in after.items()
    }


def load_in_process(
    port: int,
    tokens: list[str],
    seconds: float,
    threads: int,
    writes: float,
    cpus: set[int] | None,
) -> dict[str, Any]:
    """`mixed_load` in a process of its own (pinned to `cpus` if given), with the
    CPU seconds that process used as "client_cpu"."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(
            _client_process, (port, tokens, seconds, threads, writes, cpus)
        )


def _client_process(
    port: int,
    tokens: list[str],
    seconds: float,
    threads: int,
    writes: float,
    cpus: set[int] | None,
) -> dict[str, Any]:
    if cpus:
        os.sched_setaffinity(0, cpus)
    before = resource.getrusage(resource.RUSAGE_SELF)
    result = mixed_load(port, tokens, seconds, threads, writes)
    after = resource.getrusage(resource.RUSAGE_SELF)
    result["client_cpu"] = (after.ru_utime - before.ru_utime) + (
        after.ru_stime - before.ru_stime
    )
    return result


def mixed_load(
    port: int, tokens: list[str], seconds: float, threads: int, writes: float = 0.2
) -> dict[str, Any]:
    """Client threads for `seconds`: a share `writes` of action logs, the rest
    reads."""
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    times: list[float] = []
    errors: list[str] = []
    written = [0]

    def run(index: int) -> None:
        rng = random.Random(index)
        client = Client(port, tokens[index % len(tokens)])
        mine: list[float] = []
        while time.monotonic() < stop:
            write = rng.random() < writes
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
                    written[0] += 1
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
        "writes": written[0],
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
    loads: dict[str, dict[str, Any]],
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
    cpu_lines = []
    for mix, load in loads.items():
        target, ok = "– (for information)", "–"
        if mix == "mixed load":
            target = (
                f"≥ {LOAD_TARGET_RPS:.0f} req/s, no errors, "
                f"p99 ≤ {LOAD_TARGET_P99_MS:.0f} ms"
            )
            ok = met(
                load["rps"] >= LOAD_TARGET_RPS
                and load["errors"] == 0
                and load["p99"] <= LOAD_TARGET_P99_MS
            )
        rows.append(
            f"| {mix} ({MIXES[mix]:.0%} writes), {args.threads} client threads, "
            f"{load['seconds']:.0f} s ({load['requests']} requests, "
            f"{load['writes']} writes) | {load['rps']:.0f} req/s, "
            f"{load['errors']} errors, p50 {load['p50']:.1f} ms, "
            f"p99 {load['p99']:.1f} ms | {target} | {ok} |"
        )
        cpu_lines.append(f"- {mix}: {cpu_text(load)}")
    errors = {mix: load["error_sample"] for mix, load in loads.items()}
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
            f"CPU used during each load, in seconds of one CPU (and share of the "
            f"machine's {os.cpu_count()} CPUs over the load's wall time):",
            "",
            *cpu_lines,
            "",
            f"Errors seen (sample): {errors}.",
        ]
    )


def cpu_text(load: dict[str, Any]) -> str:
    """CPU seconds of each part during one load, and its share of the machine."""
    machine_seconds = load["seconds"] * (os.cpu_count() or 1)
    parts = {"client": load["client_cpu"], **load["cpu"]}
    shown = [
        f"{part} {cpu:.1f} s ({cpu / machine_seconds:.0%})"
        for part, cpu in parts.items()
    ]
    if "database" not in parts:
        shown.append("database inside the workers and the projector (SQLite)")
    rest = machine_seconds - sum(parts.values())
    return ", ".join(shown) + f"; idle or other processes {rest:.1f} s"


def describe(args: argparse.Namespace, data: DataSet) -> str:
    """How the run was set up, in one paragraph."""
    listen = ", LISTEN/NOTIFY" if args.backend == "postgres" else ""
    client_cpus, server_cpus = args.cpus
    pinned = (
        f"pinned to CPU(s) {sorted(client_cpus)}, gunicorn and the projection worker "
        f"to {sorted(server_cpus)}, the database not pinned"
        if client_cpus
        else "not pinned (fewer than 4 CPUs; --pin yes forces it)"
    )
    conf = runpy.run_path(str(ROOT / "infra/gunicorn.conf.py"))  # as gunicorn reads it
    return (
        f"Backend: {args.backend}; gunicorn `infra/gunicorn.conf.py` "
        f"({conf['workers']} workers x {conf['threads']} threads) + `momentum "
        f"project` (poll {args.poll} s{listen}); the load client "
        f"runs on the same machine in a process of its own, {pinned}. "
        f"Data set: {data.events} events ({args.entries} "
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
    p.add_argument(
        "--pin",
        choices=("auto", "yes", "no"),
        default="auto",
        help="pin the load client to CPUs of its own (auto: with 4 CPUs or more)",
    )
    p.add_argument("--out", type=Path)
    p.add_argument("--quick", action="store_true", help="small data, 10 s; prints only")
    args = p.parse_args()
    if args.quick:
        args.entries, args.mentees, args.seconds, args.requests = 800, 10, 10.0, 50
    args.cpus = split_cpus(args.pin)
    return args


def split_cpus(pin: str) -> tuple[set[int] | None, set[int] | None]:
    """The load client's CPUs and the servers' (None, None: not pinned): a quarter
    of the CPUs this process may use (at least one) for the client."""
    allowed = sorted(os.sched_getaffinity(0))
    if pin == "no" or len(allowed) < 2 or (pin == "auto" and len(allowed) < 4):
        return None, None
    client = max(1, len(allowed) // 4)
    return set(allowed[-client:]), set(allowed[:-client])


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
        client_cpus, server_cpus = args.cpus
        with serving(env, args.port, args.poll, server_cpus) as roots:
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
            loads = {}
            for mix, writes in MIXES.items():
                before = cpu_by_part(roots)
                loads[mix] = load_in_process(
                    args.port, tokens, args.seconds, args.threads, writes, client_cpus
                )
                used = cpu_used(before, cpu_by_part(roots))
                if args.backend == "sqlite":  # postgres processes are someone else's
                    del used["database"]
                loads[mix]["cpu"] = used
    body = section(args, data, lat, loads, pg_version)
    print(body)
    out = args.out or (None if args.quick else ROOT / "bench/RESULTS.md")
    if out is not None:
        write_results(out, body, "api")
        print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
