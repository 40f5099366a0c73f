"""What the benchmark scripts share: the machine line, the command line and the
results file, where each script rewrites only its own marked section."""

from __future__ import annotations

import http.client
import json
import os
import platform
import re
import shlex
import sqlite3
import sys
from pathlib import Path
from typing import Any


def markers(name: str) -> tuple[str, str, tuple[str, str]]:
    """The section's start and end markers and its hand-written notes markers."""
    return (
        f"<!-- bench:{name}:start -->",
        f"<!-- bench:{name}:end -->",
        (f"<!-- bench:{name}:notes -->", f"<!-- /bench:{name}:notes -->"),
    )


def machine(pg_version: str) -> str:
    """One line about the machine, the interpreter and the databases."""
    found = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    mem = found.group(1) if found else "0"
    return (
        f"{platform.platform()} ({platform.machine()}), {os.cpu_count()} CPUs, "
        f"{int(mem) / 1024 / 1024:.1f} GiB RAM; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, PostgreSQL server {pg_version}; "
        f"load average at the end {os.getloadavg()[0]:.2f} (1 min)"
    )


def write_results(path: Path, body: str, name: str) -> None:
    """Replace only section `name` (keeping a hand-written notes block); keep the
    rest of the file."""
    start, end, notes_markers = markers(name)
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    head, _, rest = text.partition(start)
    old, found, tail = rest.partition(end)
    if not found:
        head, old, tail = text.rstrip("\n") + "\n\n", "", "\n"
    notes = ""
    if notes_markers[0] in old:
        notes = (
            notes_markers[0]
            + old.split(notes_markers[0], 1)[1].split(notes_markers[1], 1)[0]
            + notes_markers[1]
            + "\n"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{head}{start}\n{body}\n\n{notes}{end}{tail}")


def command_line(module: str, package: str | None) -> str:
    """How this script was started, for the results file (`package`: __package__)."""
    exe = sys.executable.removeprefix(os.getcwd() + os.sep)
    script = ["-m", module] if package else [sys.argv[0]]
    return shlex.join([exe, *script, *sys.argv[1:]])


class Client:
    """One keep-alive HTTP connection to the server."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = json.dumps(body) if body is not None else None
        try:
            self.conn.request(method, f"/api/v1{path}", body=payload, headers=headers)
            response = self.conn.getresponse()
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
            # the server closed an idle keep-alive connection: reconnect once
            self.conn.close()
            self.conn.request(method, f"/api/v1{path}", body=payload, headers=headers)
            response = self.conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
