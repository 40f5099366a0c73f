"""Read-your-writes on the embedded default (SPEC 11, the read-your-writes row).

The embedded default: one process with the SQLite event store and read models (files
in a temp dir), `open_system(..., follow=True)` (the in-process follower, its poll
interval left as it is) and the Flask app served on 127.0.0.1 by werkzeug's threaded
server in a thread, as `momentum serve` does. `--members` members (default 20) get a
token over HTTP. Then `--writes` times, round-robin over the members, each over its
own keep-alive connection:

- the clock starts; `POST /api/v1/actions` (log an action) is sent; the time at which
  its answer (201) has been read is the write's time (the plain baseline);
- `GET /api/v1/journal?limit=10` is sent in a tight loop (no sleep between requests)
  until an entry with the new action's id shows; the time at which that answer has
  been read is the visible time.

Reports p50/p95/p99/max of both (ms), the ratio p95(visible) / p95(write), how many
GETs it took, and the part of the POST spent in the command itself (`app.handle`,
load, check, append), the rest being the wait for the read models and HTTP. Target:
visible p95 ≤ 100 ms.

    .venv/bin/python -m bench.freshness            # what `make bench` runs
    .venv/bin/python -m bench.freshness --quick    # 50 writes, prints only
"""

from __future__ import annotations

import argparse
import logging
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
from typing import Any

from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import Client, command_line, machine, write_results
from service import commands as c
from service.settings import Settings
from system import System, open_system
from web import create_app

NAME = "freshness"
ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench password 1"
TARGET_P95_MS = 100.0
WARM_UP = 20
JOURNAL = "/journal?limit=10"
CATEGORIES = ("learning", "networking", "challenge", "visibility", "portfolio")


@dataclass
class Sample:
    write: float  # seconds from the write's start until the POST's answer was read
    visible: float  # seconds from the write's start until a GET showed it
    gets: int  # GETs sent until one showed it
    command: float  # seconds in `app.handle` during the POST


@dataclass
class Result:
    samples: list[Sample] = field(default_factory=list)
    members: int = 0
    poll_interval: float = 0.0
    setup: str = ""


@contextmanager
def serving(system: System) -> Iterator[int]:
    """The Flask app on 127.0.0.1 (a free port), werkzeug's threaded server in a
    thread, as `momentum serve` runs it (request logging off); yields the port."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, create_app(system), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def command_timer(system: System) -> Callable[[], float]:
    """Wrap this system's `app.handle` to add up its time; returns a function that
    reads and resets the sum (requests here run one at a time)."""
    handle = system.app.handle
    spent = [0.0]

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return handle(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    system.app.handle = timed  # type: ignore[method-assign]

    def take() -> float:
        value, spent[0] = spent[0], 0.0
        return value

    return take


def one_write(client: Client, title: str, category: str) -> tuple[float, float, int]:
    """Log an action over HTTP, then poll the journal until it shows: the write's
    time, the visible time (both from the write's start, in s) and the GETs sent."""
    started = time.perf_counter()
    status, body = client.call(
        "POST", "/actions", {"category": category, "title": title}
    )
    written = time.perf_counter() - started
    assert status == 201, (status, body)
    action_id = body["id"]
    gets = 0
    deadline = started + 10.0
    while True:  # tight loop, no sleep
        gets += 1
        status, page = client.call("GET", JOURNAL)
        assert status == 200, (status, page)
        if any(item["item_id"] == action_id for item in page["items"]):
            return written, time.perf_counter() - started, gets
        if time.perf_counter() > deadline:
            raise RuntimeError(f"action {action_id} not in the journal after 10 s")


def measure(writes: int, members: int) -> Result:
    result = Result(members=members)
    with tempfile.TemporaryDirectory(prefix="momentum-bench-fresh-") as tmp:
        url = f"sqlite:///{tmp}/events.sqlite"
        settings = Settings(database_url=url, secret_key="bench-secret")
        system = open_system(settings, password_profile="CHEAPEST", follow=True)
        try:
            assert system.follower is not None
            result.poll_interval = system.follower.poll_interval
            started = time.perf_counter()
            names = [f"fresh{n}" for n in range(members)]
            for name in names:
                system.write(
                    c.RegisterMember(f"{name}@bench.example.com", PASSWORD, name)
                )
            with serving(system) as port:
                clients = []
                for name in names:
                    status, body = Client(port).call(
                        "POST",
                        "/auth/tokens",
                        {"email": f"{name}@bench.example.com", "password": PASSWORD},
                    )
                    assert status == 201, (status, body)
                    clients.append(Client(port, str(body["token"])))
                for n in range(WARM_UP):
                    one_write(clients[n % members], f"Warm-up {n}", "learning")
                result.setup = (
                    f"{members} members registered, tokens issued and {WARM_UP} "
                    f"warm-up writes in {time.perf_counter() - started:.1f} s"
                )
                took = command_timer(system)
                for n in range(writes):
                    took()
                    title = f"Step {n} {uuid.uuid4().hex[:6]}"
                    category = CATEGORIES[n % len(CATEGORIES)]
                    write, visible, gets = one_write(
                        clients[n % members], title, category
                    )
                    result.samples.append(Sample(write, visible, gets, took()))
        finally:
            system.close()
    return result


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method) in milliseconds."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def figures(values: list[float]) -> tuple[float, float, float, float]:
    """p50, p95, p99 and max in ms."""
    return (
        percentile(values, 50),
        percentile(values, 95),
        percentile(values, 99),
        max(values) * 1000,
    )


def met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def section(result: Result, command: str) -> str:
    samples = result.samples
    visible = figures([s.visible for s in samples])
    write = figures([s.write for s in samples])
    cmd = figures([s.command for s in samples])
    ratio = visible[1] / write[1]
    gets = [s.gets for s in samples]
    one_get = sum(1 for g in gets if g == 1)

    def row(what: str, f: tuple[float, float, float, float], target: str) -> str:
        return (
            f"| {what} | {f[0]:.1f} | {f[1]:.1f} | {f[2]:.1f} | {f[3]:.1f} | {target} |"
        )

    ok = visible[1] <= TARGET_P95_MS
    return "\n".join(
        [
            "## Read-your-writes, embedded default (SPEC 11, read-your-writes row)",
            "",
            f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            f"- Machine: {machine('not used')}",
            f"- Command: `{command}`",
            "- Setup: SQLite files in a temp dir (event store and read models), "
            "`open_system(settings, follow=True)` (the in-process follower, poll "
            f"interval {result.poll_interval:g} s as it is, woken by each write), the "
            "Flask app on 127.0.0.1 under werkzeug's threaded server in a thread of "
            "the same process (as `momentum serve`, request logging off). "
            f"{result.setup}.",
            f"- Workload: {len(samples)} writes, one at a time, round-robin over "
            f"{result.members} members, each member on its own keep-alive "
            "connection: `POST /api/v1/actions` (log an action), then "
            f"`GET /api/v1{JOURNAL}` in a tight loop with no sleep until an entry "
            "with the new action's id shows. Both times run from the write's start; "
            "the client runs in the same process as the server.",
            "- Plain baseline: the write request alone (until the POST's answer has "
            "been read). In the embedded default the POST itself returns only once "
            "the read models have applied the write (`System.write` → "
            "`Follower.wait_for`), so the baseline includes the follower's catch-up "
            "and the visible time adds one journal GET to it.",
            "",
            "| what | p50 ms | p95 ms | p99 ms | max ms | target | met? |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            row("write → visible in the journal", visible, f"p95 ≤ {TARGET_P95_MS:.0f}")
            + f" {met(ok)} |",
            row("write alone (POST answered; baseline)", write, "—") + " — |",
            row("of which the command (`app.handle`)", cmd, "—") + " — |",
            "",
            f"Ratio p95(visible) / p95(write): {ratio:.2f}. GETs until it showed: 1 "
            f"for {one_get} of {len(samples)} writes, at most {max(gets)}.",
        ]
    )


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--writes", type=int, default=500, help="measured writes (≥ 300)")
    p.add_argument("--members", type=int, default=20)
    p.add_argument("--out", type=Path, help="default bench/RESULTS.md")
    p.add_argument(
        "--quick", action="store_true", help="50 writes; no file unless --out"
    )
    args = p.parse_args()
    if args.quick:
        args.writes = 50
    return args


def main() -> int:
    args = parse_args()
    print(
        f"{args.writes} writes over {args.members} members (embedded default)...",
        file=sys.stderr,
    )
    result = measure(args.writes, args.members)
    body = section(result, command_line("bench.freshness", __package__))
    print(body)
    out = args.out or (None if args.quick else ROOT / "bench/RESULTS.md")
    if out is not None:
        write_results(out, body, NAME)
        print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
