"""`momentum backup` and `momentum restore`: a copy taken while the app writes comes
back into an empty var/ as a prefix of the log that verifies and serves;
`restore --check` finds a read model that differs from a rebuild, on both backends."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import psycopg
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import update

from entrypoints.cli import main
from projections.journal import entries
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.settings import Settings
from system import System, open_system
from tests.conftest import PASSWORD, _require_postgres, _with_db
from web import create_app


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _run(*args: str) -> str:
    result = _invoke(*args)
    assert result.exit_code == 0, result.output
    return result.output


def _open(clock: FixedClock, *, follow: bool = True) -> System:
    return open_system(
        Settings.from_env(), clock=clock, follow=follow, password_profile="CHEAPEST"
    )


def _log(app: MomentumApplication) -> list[tuple[Any, ...]]:
    found = app.recorder.select_notifications(start=1, limit=1_000_000)
    return [
        (n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state))
        for n in found
    ]


class Writer(threading.Thread):
    """Logs actions through the service, one after another, until stopped."""

    def __init__(self, system: System, member: Any) -> None:
        super().__init__(daemon=True)
        self.system, self.member = system, member
        self.written = 0
        self.changed = threading.Condition()
        self.halt = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.halt.is_set():
                self.system.write(
                    c.LogAction(self.member, "learning", f"Step {self.written}")
                )
                with self.changed:
                    self.written += 1
                    self.changed.notify_all()
        except BaseException as error:  # reported by the test
            self.error = error
            with self.changed:
                self.changed.notify_all()

    def wait_until(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(
                lambda: self.written >= count or self.error is not None, timeout=30
            )
        assert self.error is None, self.error


def test_a_backup_taken_during_writes_restores_a_verified_prefix_that_serves(
    var_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    _run("init")
    running = _open(clock)  # the embedded default, serving: follower in-process
    ann = running.write(
        c.RegisterMember("ann@example.com", PASSWORD, "Ann Lee", "UTC")
    ).id
    writer = Writer(running, ann)
    writer.start()
    try:
        writer.wait_until(20)
        backed_up = _run("backup", str(tmp_path / "backup"))
        at_backup = writer.written
        writer.wait_until(at_backup + 10)  # and it goes on writing after the copy
    finally:
        writer.halt.set()
        writer.join()
    assert writer.error is None, writer.error
    assert "Backed up" in backed_up
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    # read models copied first: never ahead of the log copied after them
    assert max(manifest["positions"].values()) <= manifest["events"]
    original = _log(running.app)
    running.close()

    monkeypatch.setenv("MOMENTUM_VAR_DIR", str(tmp_path / "elsewhere"))
    restored_output = _run("restore", str(tmp_path / "backup"))
    assert "Store verified" in restored_output
    assert "Audit chain intact" in _run("audit", "verify")
    assert "Read models equal a rebuild" in _run("restore", "--check")

    restored = _open(clock)
    try:
        log = _log(restored.app)
        # a prefix of the original: same ids, aggregates, versions, topics, states
        assert 20 < len(log) < len(original)
        assert log == original[: len(log)]
        # the restored app serves: Ann signs in, her journal shows her actions
        client = create_app(restored).test_client()
        token = client.post(
            "/api/v1/auth/tokens",
            json={"email": "ann@example.com", "password": PASSWORD},
        )
        assert token.status_code == 201, token.json
        auth = {"Authorization": f"Bearer {token.get_json()['token']}"}
        journal = client.get("/api/v1/journal", headers=auth)
        assert journal.status_code == 200, journal.json
        assert journal.get_json()["items"]
        logged = sum(1 for entry in log if entry[3].endswith("ActionLogged"))
        assert logged >= 20
    finally:
        restored.close()


def test_restore_into_a_var_that_is_not_empty_is_refused_and_changes_nothing(
    var_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run("init")
    _run("backup", str(tmp_path / "backup"))
    before = {p: p.read_bytes() for p in var_dir.iterdir() if p.is_file()}

    refused = _invoke("restore", str(tmp_path / "backup"))
    assert refused.exit_code != 0
    assert "not empty" in refused.output
    assert {p: p.read_bytes() for p in var_dir.iterdir() if p.is_file()} == before

    other = tmp_path / "other"  # a var/ holding only a stray file: refused too
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    monkeypatch.setenv("MOMENTUM_VAR_DIR", str(other))
    refused = _invoke("restore", str(tmp_path / "backup"))
    assert refused.exit_code != 0
    assert "not empty" in refused.output
    assert [p.name for p in other.iterdir()] == ["notes.txt"]


def test_restore_needs_a_backup(var_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "nothing").mkdir()
    result = _invoke("restore", str(tmp_path / "nothing"))
    assert result.exit_code != 0
    assert "is not a Momentum backup" in result.output
    assert not var_dir.exists()  # not even a local secret made
    assert _invoke("restore").exit_code != 0  # neither PATH nor --check


def test_restore_check_passes_then_names_a_tampered_read_model(
    backend: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOMENTUM_DATABASE_URL", backend)
    monkeypatch.setenv("MOMENTUM_SECRET_KEY", "test-secret")
    system = _open(clock, follow=False)
    try:
        ann = system.app.handle(
            c.RegisterMember("ann@example.com", PASSWORD, "Ann Lee", "UTC")
        ).id
        for step in range(3):
            system.app.handle(c.LogAction(ann, "learning", f"Step {step}"))
        system.runner.catch_up()

        passed = _run("restore", "--check")
        assert "Audit chain intact" in passed
        assert "Read models equal a rebuild" in passed

        with system.engine.begin() as conn:
            conn.execute(update(entries).values(title="Rewritten"))
        failed = _invoke("restore", "--check")
        assert failed.exit_code != 0
        assert "rm_journal_entries differs from a rebuild" in failed.output
        assert "Check failed" in failed.output
        if not backend.startswith("sqlite"):
            refused = _invoke("backup", "unused")
            assert refused.exit_code != 0
            assert "pg_dump" in refused.output
    finally:
        system.close()


@pytest.mark.postgres
def test_a_pg_dump_restored_elsewhere_passes_the_check(
    postgres_url: str,
    postgres_schema_url: str,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # PostgreSQL's client tools come with the server these tests need: where
    # PostgreSQL is required (CI), their absence fails the test like the server's.
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        if _require_postgres():
            pytest.fail("pg_dump/pg_restore are not installed")
        pytest.skip("pg_dump/pg_restore are not installed")
    monkeypatch.setenv("MOMENTUM_DATABASE_URL", postgres_schema_url)
    monkeypatch.setenv("MOMENTUM_SECRET_KEY", "test-secret")
    system = _open(clock, follow=False)
    try:
        ann = system.app.handle(
            c.RegisterMember("ann@example.com", PASSWORD, "Ann Lee", "UTC")
        ).id
        system.app.handle(c.LogAction(ann, "learning", "Read a chapter"))
        system.runner.catch_up()
        original = _log(system.app)
    finally:
        system.close()
    schema = parse_qs(urlparse(postgres_schema_url).query)["schema"][0]
    copy = f"restored_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{copy}"')
    try:
        dump = subprocess.run(  # as infra/README.md shows
            ["pg_dump", "-Fc", "-n", schema, "-d", postgres_url],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(
            ["pg_restore", "--no-owner", "-d", _with_db(postgres_url, copy)],
            input=dump,
            check=True,
            capture_output=True,
        )
        restored_url = f"{_with_db(postgres_url, copy)}?schema={schema}"
        monkeypatch.setenv("MOMENTUM_DATABASE_URL", restored_url)
        checked = _run("restore", "--check")
        assert "Store verified" in checked
        restored = _open(clock, follow=False)
        try:
            assert _log(restored.app) == original
        finally:
            restored.close()
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{copy}" WITH (FORCE)')
