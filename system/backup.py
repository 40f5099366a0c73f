"""Backup and restore of the embedded default, and the check of a restored store.

The embedded default keeps everything under `var/` (MOMENTUM_VAR_DIR):

- `events.sqlite` (MOMENTUM_DATABASE_URL): the event log (`stored_events`) and the
  members' content keys (`momentum_member_keys`, not wrapped), in the same file;
- `readmodels.sqlite` beside it: every read model, and what cannot be rebuilt from
  the log — the append-only audit chain (`audit_chain`), its signed checkpoints
  (`audit_checkpoints`) and the mail outbox (`notify_outbox`: what was sent stays
  sent);
- `secret_key`: the server secret, unless MOMENTUM_SECRET_KEY is set. It keys the
  email index and signs the checkpoints: a restore without it finds no member by
  email and cannot check the checkpoints.

`backup` copies each database with SQLite's online backup API (one step, so one read
transaction: a consistent copy of that file while the app keeps writing; readers
and writers are not blocked in WAL mode). Across the two files the copy is
consistent by its order: **the read models first, then the events.** A read model
only ever applies committed events, so every position, chain row and checkpoint in
the read-model copy refers to an event that the later copy of the log holds: the
read models of a backup are at or behind its log, never ahead of it (the reverse
order could keep chain rows for events the log copy lacks, which a verify reports
as deleted). `restore` puts the files back into an empty `var/`, migrates, rebuilds
every read model from the restored log (`ProjectionRunner.rebuild`, blue/green; the
audit index replays the log against the restored chain rows, so a log rewritten in
the backup is caught) and verifies the chain and the signed checkpoints.

`check` (`momentum restore --check`, SQLite or PostgreSQL) verifies the current
store: the chain and checkpoints (`projections.audit.verify`), no read model
stopped, and every read-model table equal, row for row, to a rebuild from zero into
a scratch database (a temporary SQLite file, or a scratch PostgreSQL schema) that is
thrown away: the live read models are not changed by the check.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlparse, urlunparse

from sqlalchemy import Connection, Engine, Table, select, text

from projections import tracking
from projections.audit import ChainCheck, verify
from projections.db import make_engine
from projections.registry import all_models
from projections.runner import ProjectionRunner
from projections.tracking import Stopped
from service.application import MomentumApplication
from service.settings import Settings

MANIFEST = "manifest.json"
FORMAT = 1
EVENTS = "events.sqlite"
READMODELS = "readmodels.sqlite"
SECRET = "secret_key"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Backup:
    """What a backup holds (also its `manifest.json`)."""

    path: Path
    taken_at: str
    events: int
    """The last event position in the copy of the log."""
    positions: dict[str, int]
    """Each read model's position in the copy (at or below `events`)."""
    secret_included: bool


def sqlite_files(database_url: str) -> tuple[Path, Path]:
    """The event-store file and the read-model file of an embedded-default URL."""
    url = urlparse(database_url)
    if url.scheme != "sqlite":
        raise BackupError(
            "backup and restore PATH copy the embedded default (SQLite files); for "
            "PostgreSQL use pg_dump and pg_restore (infra/README.md), then "
            "`momentum restore --check`."
        )
    events = Path(unquote(url.path.removeprefix("/")))
    return events, events.with_name(READMODELS)


def _copy(source: Path, target: Path) -> None:
    """Copy one SQLite database with the online backup API, in one step (one read
    transaction: consistent while others write); the copy is a single file."""
    with (
        contextlib.closing(sqlite3.connect(source, timeout=30)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)  # pages=-1: everything in one step
        dst.execute("PRAGMA journal_mode=DELETE")  # no -wal beside the copy
        found = dst.execute("PRAGMA quick_check").fetchone()[0]
    if found != "ok":
        raise BackupError(f"The copy of {source} failed its integrity check: {found}")


def _empty_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not an empty directory.")


def backup(settings: Settings, target: Path, taken_at: datetime) -> Backup:
    """Copy the embedded default into the directory `target` (made; must not exist
    or be empty): read models first, then the log (module docstring), the local
    secret if the store uses one, and a manifest."""
    events_file, readmodels_file = sqlite_files(settings.database_url)
    for needed in (events_file, readmodels_file):
        if not needed.exists():
            raise BackupError(f"No store to back up: {needed} does not exist.")
    _empty_target(target)
    partial = target.with_name(f".{target.name}.partial-{uuid.uuid4().hex[:8]}")
    partial.mkdir(parents=True)
    try:
        _copy(readmodels_file, partial / READMODELS)  # first: never ahead of the log
        _copy(events_file, partial / EVENTS)
        secret = settings.var_dir / SECRET
        included = secret.exists() and secret.read_text().strip() == settings.secret_key
        if included:
            shutil.copyfile(secret, partial / SECRET)
            (partial / SECRET).chmod(0o600)
        made = Backup(
            target,
            taken_at.isoformat(),
            _head(partial / EVENTS),
            _positions(partial / READMODELS),
            included,
        )
        (partial / MANIFEST).write_text(json.dumps(_manifest(made), indent=2) + "\n")
        if target.exists():
            target.rmdir()
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return made


def _manifest(made: Backup) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "taken_at": made.taken_at,
        "events": made.events,
        "positions": made.positions,
        "secret_included": made.secret_included,
        "order": "read models first, then the events",
    }


def _head(events_file: Path) -> int:
    with contextlib.closing(sqlite3.connect(events_file)) as db:
        return int(
            db.execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0] or 0
        )


def _positions(readmodels_file: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(readmodels_file)) as db:
        rows = db.execute(f"SELECT name, position FROM {tracking.tracking.name}")
        return {name: int(position) for name, position in rows}


def read_backup(source: Path) -> Backup:
    """The manifest of the backup at `source`; a BackupError if it is not one."""
    manifest = source / MANIFEST
    if not manifest.is_file():
        raise BackupError(f"{source} is not a Momentum backup (no {MANIFEST}).")
    data = json.loads(manifest.read_text())
    if data.get("format") != FORMAT:
        raise BackupError(f"{source}: unknown backup format {data.get('format')!r}.")
    for name in (EVENTS, READMODELS):
        if not (source / name).is_file():
            raise BackupError(f"{source} is incomplete: {name} is missing.")
    return Backup(
        source,
        data["taken_at"],
        int(data["events"]),
        {k: int(v) for k, v in data["positions"].items()},
        bool(data["secret_included"]),
    )


def restore_files(source: Path, settings: Settings) -> Backup:
    """Put the backup's files where `settings` keeps the embedded default; refuse
    (changing nothing) unless the target folder is empty or absent. The caller then
    opens the system, rebuilds the read models and verifies (`check`)."""
    made = read_backup(source)
    events_file, readmodels_file = sqlite_files(settings.database_url)
    for folder in dict.fromkeys((settings.var_dir, events_file.parent)):
        if folder.exists() and any(folder.iterdir()):
            listed = ", ".join(sorted(p.name for p in folder.iterdir())[:5])
            raise BackupError(
                f"Not restored: {folder} is not empty ({listed}). Restore into an "
                "empty var/ (move the old one aside first)."
            )
    written: list[Path] = []
    try:
        events_file.parent.mkdir(parents=True, exist_ok=True)
        for name, place in ((EVENTS, events_file), (READMODELS, readmodels_file)):
            written.append(place)
            _copy(source / name, place)
        if made.secret_included:
            settings.var_dir.mkdir(parents=True, exist_ok=True)
            place = settings.var_dir / SECRET
            written.append(place)
            shutil.copyfile(source / SECRET, place)
            place.chmod(0o600)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return made


# --- the check -----------------------------------------------------------------------


@dataclass(frozen=True)
class TableDifference:
    """A read-model table that differs from its rebuild."""

    table: str
    only_live: int
    """Rows the live table has and the rebuild has not."""
    only_rebuilt: int
    """Rows the rebuild has and the live table has not."""

    def describe(self) -> str:
        return (
            f"read-model table {self.table} differs from a rebuild: "
            f"{self.only_live} row(s) only in the store, "
            f"{self.only_rebuilt} only in the rebuild"
        )


@dataclass(frozen=True)
class CheckReport:
    """What `check` found."""

    chain: ChainCheck
    stopped: list[Stopped]
    differences: list[TableDifference]
    tables: int
    positions: dict[str, int] = field(default_factory=dict)
    rebuilt_to: int = 0
    moved: bool = False
    """The log grew while the check ran: the comparison may be off; check again."""

    @property
    def ok(self) -> bool:
        return (
            self.chain.ok
            and not self.stopped
            and not self.differences
            and not self.moved
        )


def check(
    app: MomentumApplication, runner: ProjectionRunner, engine: Engine, secret_key: str
) -> CheckReport:
    """Verify the store whose read models `runner` keeps (caught up by the caller):
    the chain and signed checkpoints, no stopped model, and every read-model table
    equal to a rebuild from zero into a scratch database."""
    chain = verify(app, engine, secret_key)
    stopped = runner.stopped()
    before = runner.positions()
    differences: list[TableDifference] = []
    tables = 0
    with _scratch_engine(runner.engine) as scratch:
        rebuilt = ProjectionRunner(app, scratch, all_models())
        rebuilt.setup()
        rebuilt.catch_up()
        rebuilt_to = max(rebuilt.positions().values(), default=0)
        with engine.connect() as live, scratch.connect() as fresh:
            for model in rebuilt.models:
                for table in model.tables:
                    tables += 1
                    if not _same_rows(live, fresh, table):
                        mine, theirs = _rows(live, table), _rows(fresh, table)
                        differences.append(
                            TableDifference(
                                table.name,
                                sum((mine - theirs).values()),
                                sum((theirs - mine).values()),
                            )
                        )
    moved = any(before[name] != rebuilt_to for name in before) and not stopped
    return CheckReport(
        chain, stopped, differences, tables, before, rebuilt_to, moved=moved
    )


def _same_rows(live: Connection, fresh: Connection, table: Table) -> bool:
    """Whether both databases hold the same rows in `table`: streamed side by side
    in the order of every column (same dialect, same order), so a large table is
    not held in memory; only a table that differs is counted (`_rows`)."""
    query = select(table).order_by(*table.columns)
    options = {"stream_results": True, "yield_per": 1000}
    with (
        live.execution_options(**options).execute(query) as mine,
        fresh.execution_options(**options).execute(query) as theirs,
    ):
        pairs = itertools.zip_longest(mine, theirs, fillvalue=None)
        return all(
            a is not None and b is not None and tuple(a) == tuple(b) for a, b in pairs
        )


def _rows(conn: Connection, table: Table) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(row) for row in conn.execute(select(table)))


@contextlib.contextmanager
def _scratch_engine(live: Engine) -> Iterator[Engine]:
    """An empty read-model database for a rebuild from zero, thrown away after:
    a temporary SQLite file, or a scratch schema beside the live one."""
    if live.dialect.name == "sqlite":
        if not live.url.database or live.url.database == ":memory:":
            scratch = make_engine("memory://")
            try:
                yield scratch
            finally:
                scratch.dispose()
            return
        with tempfile.TemporaryDirectory(prefix="momentum-check-") as folder:
            scratch = make_engine(f"sqlite:///{folder}/events.sqlite")
            try:
                yield scratch
            finally:
                scratch.dispose()
        return
    with live.connect() as conn:
        schema = f"{conn.execute(text('SELECT current_schema()')).scalar_one()}_check"
    with live.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = live.url.render_as_string(hide_password=False)
    parts = urlparse(url.replace("postgresql+psycopg://", "postgresql://", 1))
    query = {**{k: v[0] for k, v in parse_qs(parts.query).items()}, "schema": schema}
    scratch = make_engine(urlunparse(parts._replace(query=urlencode(query))))
    try:
        yield scratch
    finally:
        scratch.dispose()
        with live.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def environment_paths() -> Settings:
    """The settings of this environment without making a local secret (restore must
    find `var/` as the operator left it)."""
    env = dict(os.environ)
    if not env.get("MOMENTUM_SECRET_KEY"):
        env["MOMENTUM_SECRET_KEY"] = "not read by restore"
    return Settings.from_env(env)
