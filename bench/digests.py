"""Weekly digests (SPEC 11, the digests row): plan, render and deliver to local SMTP.

Registers `--members` members through the service (SQLite file in a temp dir), each
logging a few actions in the previous ISO week, catches the read models up, starts an
aiosmtpd server on 127.0.0.1 that only counts messages, then, in the same run:
(a) one `notify.delivery.run_round` at Monday 08:00 UTC (every member's weekly digest
is due) in a child process, so that its peak RSS is the round's own, and (b) a plain
loop sending the same messages, pre-rendered, over one `smtplib.SMTP` connection.
Writes bench/RESULTS.md.

    .venv/bin/python -m bench.digests [--members N] [--runs R] [--quick]
    .venv/bin/python -m bench.digests --profile   # where the round's time goes
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pickle
import pstats
import re
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from aiosmtpd.controller import Controller
from sqlalchemy import delete, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import command_line, machine, write_results
from notify.delivery import Outgoing, run_round
from notify.outbox import Mail, outbox
from projections.db import make_engine
from service import commands as c
from service.clock import FixedClock
from service.settings import Settings
from system import open_system

ROOT = Path(__file__).resolve().parent.parent
NAME = "digests"
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # a Monday: default digests are due
WEEK = NOW - timedelta(days=7)  # the ISO week the digests cover
SECRET = "bench-secret"
TARGET_SECONDS = 60.0
RSS_LIMIT_MB = 300.0
MAX_RATIO = 2.0
TITLES = (
    "Read a chapter of Designing Data-Intensive Applications",
    "Coffee chat with a product manager",
    "Practised a mock interview",
    "Finished a module of the online course",
    "Updated my CV",
)


class Counter:
    """An SMTP server's handler that only counts messages and their bytes."""

    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0

    async def handle_DATA(  # noqa: N802 (aiosmtpd's name for the hook)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        self.messages += 1
        self.bytes += len(envelope.content)
        return "250 OK"


@dataclass
class Run:
    """One round and the plain loop after it."""

    round: dict[str, Any]
    received: int
    plain_seconds: float = 0.0
    plain_received: int = 0
    mean_bytes: float = 0.0

    @property
    def ratio(self) -> float:
        return float(self.round["seconds"]) / self.plain_seconds


@dataclass
class Result:
    members: int
    setup: str
    runs: list[Run] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_for(url: str, smtp_url: str | None = None) -> Settings:
    return Settings(
        database_url=url,
        secret_key=SECRET,
        base_url="https://momentum.example.org",
        smtp_url=smtp_url,
        mail_from="Momentum <digests@momentum.example.org>",
    )


def populate(url: str, members: int) -> str:
    """Register the members and log 1–3 actions each (every fifth has a win) in the
    week before NOW, then catch the read models up; a line on what it took."""
    clock = FixedClock(WEEK - timedelta(hours=12))
    system = open_system(
        settings_for(url), clock=clock, follow=False, password_profile="CHEAPEST"
    )
    started = time.perf_counter()
    try:
        ids = []
        for i in range(members):
            cmd = c.RegisterMember(f"member{i}@bench.invalid", "x" * 12, f"Member {i}")
            ids.append(system.app.handle(cmd).id)
        registered = time.perf_counter() - started
        actions = 0
        for i, member in enumerate(ids):
            for k in range(1 + i % 3):
                clock.set(WEEK + timedelta(days=(i + 2 * k) % 7, hours=9 + k))
                title = TITLES[(i + k) % len(TITLES)]
                win = k == 0 and i % 5 == 0
                system.app.handle(c.LogAction(member, "learning", title, win=win))
                actions += 1
        logged = time.perf_counter() - started - registered
        events = system.runner.catch_up()
    finally:
        system.close()
    total = time.perf_counter() - started
    return (
        f"{members:,} `RegisterMember` in {registered:.0f} s, {actions:,} `LogAction` "
        f"in {logged:.0f} s, catch-up of {events:,} events in "
        f"{total - registered - logged:.0f} s ({total:.0f} s in all, not measured)"
    )


def status_mb(field: str) -> float:
    """A figure of /proc/self/status in MB: VmHWM (peak RSS of this process since
    its exec) or VmRSS. ru_maxrss is not used: Linux carries the parent's high-water
    mark over fork and exec into it."""
    found = re.search(
        rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M
    )
    return int(found.group(1)) / 1024 if found else 0.0


def child(url: str, smtp_url: str, profile: bool) -> None:
    """Run one round at NOW; print its figures as JSON on the last line."""
    settings = settings_for(url, smtp_url)
    engine = make_engine(url)
    rss_before = status_mb("VmHWM")
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    report = run_round(engine, settings, NOW)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    statuses: dict[str, int] = {}
    for p in report.plan.planned:
        key = p.status if not p.reason else f"{p.status} ({p.reason})"
        statuses[key] = statuses.get(key, 0) + 1
    engine.dispose()
    peak = status_mb("VmHWM")
    if profiler:
        print_profile(profiler)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "planned": statuses,
                "sent": len(report.sent.sent),
                "failed": len(report.sent.failed) + len(report.sent.retrying),
                "rss_before_mb": rss_before,
                "peak_rss_mb": peak,
            }
        )
    )


def print_profile(profiler: cProfile.Profile) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
    print(out.getvalue())


def run_child(url: str, smtp_url: str, profile: bool) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.digests", "--child", "--url", url]
    cmd += ["--smtp-url", smtp_url] + (["--profile"] if profile else [])
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-15:]
        raise RuntimeError("round child failed:\n" + "\n".join(tail))
    if profile:
        print("\n".join(lines[:-1]))
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def sent_messages(url: str) -> list[tuple[str, list[str], bytes]]:
    """The messages the round sent, as envelope and bytes (made before timing)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(outbox).where(outbox.c.status == "sent"))
        mails = [Mail.of(r) for r in rows]
    engine.dispose()
    messages = []
    for mail in mails:
        out = Outgoing.of(mail)  # the same envelope and bytes the sender sent
        messages.append((out.sender, [out.recipient], out.data))
    return messages


def plain_loop(port: int, path: Path) -> float:
    """Seconds to send the pickled messages at `path` over one SMTP connection."""
    messages: list[tuple[str, list[str], bytes]] = pickle.loads(path.read_bytes())
    started = time.perf_counter()
    conn = smtplib.SMTP("127.0.0.1", port, timeout=30)
    for sender, recipients, data in messages:
        conn.sendmail(sender, recipients, data)
    conn.quit()
    return time.perf_counter() - started


def run_plain(url: str, port: int) -> float:
    """The plain loop in a child process, like the round (the server is this
    process's thread: a client here would share its interpreter lock)."""
    path = Path(url.removeprefix("sqlite:///")).with_name("messages.pickle")
    path.write_bytes(pickle.dumps(sent_messages(url)))
    cmd = [sys.executable, "-m", "bench.digests", "--child-plain", str(path)]
    cmd += ["--smtp-url", f"smtp://127.0.0.1:{port}"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-15:]
        raise RuntimeError("plain child failed:\n" + "\n".join(tail))
    path.unlink()
    return float(lines[-1])


def reset_outbox(url: str) -> None:
    """Forget the round's rows, so the next round plans and sends them again."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(delete(outbox))
    engine.dispose()


def outbox_count(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
    engine.dispose()
    return int(count)


def measure(url: str, runs: int, profile: bool) -> list[Run]:
    """Rounds and plain loops, alternating, against one counting SMTP server."""
    handler, port = Counter(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    done: list[Run] = []
    try:
        for i in range(runs):
            if i:
                reset_outbox(url)
            handler.messages = handler.bytes = 0
            figures = run_child(url, f"smtp://127.0.0.1:{port}", profile)
            run = Run(figures, handler.messages)
            handler.messages = handler.bytes = 0
            run.plain_seconds = run_plain(url, port)
            run.plain_received = handler.messages
            run.mean_bytes = handler.bytes / max(handler.messages, 1)
            done.append(run)
            print(f"run {i + 1}: {describe(run)}", file=sys.stderr)
    finally:
        controller.stop()
    return done


def describe(run: Run) -> str:
    r = run.round
    planned = ", ".join(f"{k} {v:,}" for k, v in sorted(r["planned"].items()))
    return (
        f"round {r['seconds']:.1f} s (planned: {planned}; sent {r['sent']:,}, "
        f"failed or retrying {r['failed']}; server received {run.received:,}; "
        f"child RSS {r['rss_before_mb']:.0f} MB before the round, peak "
        f"{r['peak_rss_mb']:.0f} MB), plain loop {run.plain_seconds:.1f} s "
        f"({run.plain_received:,} received, {run.mean_bytes / 1024:.1f} KiB each), "
        f"ratio {run.ratio:.2f}"
    )


def verdict(result: Result) -> tuple[str, str, str, str, str]:
    """Median round seconds, max peak RSS, median ratio, messages, met?"""
    runs, n = result.runs, result.members
    seconds = statistics.median(float(r.round["seconds"]) for r in runs)
    peak = max(float(r.round["peak_rss_mb"]) for r in runs)
    ratio = statistics.median(r.ratio for r in runs)
    complete = all(r.received == n and r.plain_received == n for r in runs)
    checks = {
        "time": seconds <= TARGET_SECONDS,
        "memory": peak <= RSS_LIMIT_MB,
        "ratio": ratio <= MAX_RATIO,
        f"not all {n:,} delivered": complete,
    }
    failed = ", ".join(what for what, ok in checks.items() if not ok)
    received = "/".join(f"{r.received:,}" for r in runs)
    return (
        f"{seconds:.1f} s",
        f"{peak:.0f} MB",
        f"{ratio:.2f}",
        received,
        f"**no** ({failed})" if failed else "yes",
    )


def section(result: Result, command: str) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    seconds, peak, ratio, received, met = verdict(result)
    plain = statistics.median(r.plain_seconds for r in result.runs)
    lines = [
        "## Weekly digests (SPEC 11, digests row)",
        "",
        f"- Date: {now}",
        f"- Machine: {machine('not used')}",
        f"- Command: `{command}`",
        f"- Workload: {result.members:,} members (timezone UTC, default preferences: "
        f"weekly, Monday 08:00), each with 1–3 actions logged in the ISO week before "
        f"{NOW:%a %Y-%m-%d %H:%M} UTC (every fifth with a win); SQLite file (event "
        f"store and read models in a temp dir). Setup: {result.setup}.",
        "- Round: `notify.delivery.run_round(engine, settings, now)` with "
        "`smtp_url=smtp://127.0.0.1:PORT`, in a child process started for it; wall "
        "time of `run_round` alone; peak RSS = the child's VmHWM (/proc/self/status) "
        "at its end: interpreter and imports included, their part shown as 'before' "
        "(`ru_maxrss` would include the parent's peak, carried over fork and exec). "
        "The server is aiosmtpd in the parent, counting messages only.",
        "- Plain loop: the messages the round sent (outbox rows → `Outgoing.of`, "
        "the same envelope and bytes, made before timing), `sendmail` over one "
        "`smtplib.SMTP` connection to the same server, in a child process too; "
        f"ratio = round / plain. {len(result.runs)} run(s) (outbox emptied between "
        "runs), median shown.",
        "",
        "| digests | round | peak RSS | plain loop | ratio | received | target "
        "| met? |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| {result.members:,} weekly | {seconds} | {peak} | {plain:.1f} s | {ratio} "
        f"| {received} | ≤ {TARGET_SECONDS:.0f} s, RSS ≤ {RSS_LIMIT_MB:.0f} MB, "
        f"ratio ≤ {MAX_RATIO:.0f} | {met} |",
        "",
    ]
    lines += [f"- Run {i + 1}: {describe(r)}." for i, r in enumerate(result.runs)]
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--members", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=1, help="rounds, each with a plain loop")
    p.add_argument("--out", type=Path, help="default bench/RESULTS.md")
    p.add_argument(
        "--quick", action="store_true", help="300 members, 1 run; no file unless --out"
    )
    p.add_argument(
        "--profile", action="store_true", help="cProfile the round; prints only"
    )
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--child-plain", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--url", help=argparse.SUPPRESS)
    p.add_argument("--smtp-url", help=argparse.SUPPRESS)
    return p.parse_args()


def main() -> int:
    args = parse_args()
    if args.child:
        child(args.url, args.smtp_url, args.profile)
        return 0
    if args.child_plain:
        print(plain_loop(urlparse(args.smtp_url).port or 25, args.child_plain))
        return 0
    members, runs = (300, 1) if args.quick else (args.members, args.runs)
    if args.profile:
        runs = 1
    with tempfile.TemporaryDirectory(prefix="momentum-bench-") as tmp:
        url = f"sqlite:///{tmp}/events.sqlite"
        print(f"setting up {members:,} members ({date.today()})...", file=sys.stderr)
        result = Result(members, populate(url, members))
        print(result.setup, file=sys.stderr)
        result.runs = measure(url, runs, args.profile)
        result.setup += f"; outbox rows after the last round: {outbox_count(url):,}"
    body = section(result, command_line("bench.digests", __package__))
    print(body)
    out = args.out or (None if args.quick or args.profile else Path("bench/RESULTS.md"))
    if out is not None:
        write_results(out, body, NAME)
        print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
