"""On CI a missing PostgreSQL must fail the run, never pass it as skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_postgres_test(require: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOMENTUM_")}
    env["MOMENTUM_TEST_POSTGRES_URL"] = "postgresql://postgres@127.0.0.1:1/postgres"
    if require:
        env["MOMENTUM_REQUIRE_POSTGRES"] = "1"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/integration/test_store.py::test_email_is_unique_across_the_store",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_unreachable_postgres_is_a_skip_locally() -> None:
    run = _run_postgres_test(require=False)
    assert run.returncode == 0, run.stdout
    assert "1 passed, 1 skipped" in run.stdout


def test_unreachable_postgres_fails_when_required() -> None:
    run = _run_postgres_test(require=True)
    assert run.returncode != 0
    assert "PostgreSQL is required" in run.stdout
