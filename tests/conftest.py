"""Shared fixtures: a fixed clock, the application on each backend, member helpers.

Storage is built once per session (per xdist worker), not per test:
- SQLite: the event store and the migrated read-model database are made once in a
  template folder; each test gets a copy of the two files in its own `tmp_path`.
- PostgreSQL: MOMENTUM_TEST_DATABASE_URL names a database to use (CI creates a
  throwaway one per run); otherwise a database is created for the session on the
  server at MOMENTUM_TEST_POSTGRES_URL (default
  postgresql://postgres@127.0.0.1:5432/postgres) and dropped afterwards. Each worker
  builds one schema (event tables, key table, migrated read models) and every test
  starts with it emptied (TRUNCATE … RESTART IDENTITY: positions start at 1 again).
  A test that changes the schema's shape (a column retyped, a table dropped) leaves
  it to be built again for the next test.
- `empty_backend` is a database with nothing in it, for the tests of migrations.
When no server is reachable the PostgreSQL tests skip, unless
MOMENTUM_REQUIRE_POSTGRES=1 (set by .ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest

from projections.db import make_engine
from projections.registry import all_models
from projections.runner import ProjectionRunner
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.settings import Settings
from system import System, build_application, open_system

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
PASSWORD = "correct horse battery"


def _require_postgres() -> bool:
    return os.environ.get("MOMENTUM_REQUIRE_POSTGRES", "") not in ("", "0")


def _with_db(url: str, dbname: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{dbname}"))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database for this test session (skips or fails if none)."""
    given = os.environ.get("MOMENTUM_TEST_DATABASE_URL")
    server = os.environ.get(
        "MOMENTUM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    try:
        with psycopg.connect(
            given or server, autocommit=True, connect_timeout=3
        ) as conn:
            dbname = None if given else f"momentum_test_{uuid.uuid4().hex[:12]}"
            if dbname:
                conn.execute(f'CREATE DATABASE "{dbname}"')
    except psycopg.OperationalError as e:
        if _require_postgres():
            pytest.fail(f"PostgreSQL is required (MOMENTUM_REQUIRE_POSTGRES) but: {e}")
        pytest.skip(f"no PostgreSQL server reachable: {e}")
    if given:
        yield given
        return
    assert dbname is not None
    yield _with_db(server, dbname)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def _worker() -> str:
    """The xdist worker's name (gw0, gw1, …), or "main" without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _prepare(database_url: str) -> None:
    """Create the event store's tables and migrate the read models at `database_url`."""
    application = make_app(database_url, FixedClock(START))
    engine = make_engine(database_url)
    try:
        ProjectionRunner(application, engine, all_models()).setup()
    finally:
        engine.dispose()
        application.close()


class PreparedSchema:
    """One PostgreSQL schema per worker with every table made; emptied per test."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.name = f"w_{_worker()}_{uuid.uuid4().hex[:8]}"
        self.url = f"{database_url}?schema={self.name}"
        self.build()

    def build(self) -> None:
        """(Re)create the schema with every table, and note its shape."""
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{self.name}"')
        _prepare(self.url)
        self.tables, self.shape = self._look()

    def _look(self) -> tuple[list[str], list[tuple[str, ...]]]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            shape = conn.execute(
                "SELECT table_name, column_name, data_type, is_nullable"
                " FROM information_schema.columns WHERE table_schema = %s"
                " ORDER BY 1, 2",
                (self.name,),
            ).fetchall()
        tables = sorted({row[0] for row in shape} - {"alembic_version"})
        return tables, shape

    def empty(self) -> None:
        """Delete every row but the migration mark; identities start at 1 again."""
        names = ", ".join(f'"{self.name}"."{t}"' for t in self.tables)
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute("SET lock_timeout = '10s'")
            # as a replica: no trigger fires (the audit chain refuses TRUNCATE)
            conn.execute("SET session_replication_role = replica")
            conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")

    def check(self) -> None:
        """Build the schema again if the test changed its shape."""
        if self._look()[1] != self.shape:
            self.build()

    def drop(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')


@pytest.fixture(scope="session")
def prepared_schema(postgres_url: str) -> Iterator[PreparedSchema]:
    """This worker's PostgreSQL schema with every table made (see `PreparedSchema`)."""
    schema = PreparedSchema(postgres_url)
    yield schema
    schema.drop()


@pytest.fixture
def postgres_schema_url(prepared_schema: PreparedSchema) -> Iterator[str]:
    """The worker's prepared schema, emptied, as a database URL."""
    prepared_schema.empty()
    yield prepared_schema.url
    prepared_schema.check()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a prepared SQLite event store and read-model database."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    _prepare(f"sqlite:///{folder}/events.sqlite")
    for name in ("events.sqlite", "readmodels.sqlite"):  # all in the main files
        with contextlib.closing(sqlite3.connect(folder / name)) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return folder


@pytest.fixture
def clock() -> FixedClock:
    """A clock fixed at Monday 2 March 2026, 09:00 UTC."""
    return FixedClock(START)


def make_app(
    database_url: str, clock: FixedClock, *, create_tables: bool = True
) -> MomentumApplication:
    """The application as `bootstrap` builds it, with cheap Argon2id parameters."""
    return build_application(
        Settings(database_url=database_url, secret_key="test-secret"),
        clock=clock,
        password_profile="CHEAPEST",
        create_tables=create_tables,
    )


def make_system(database_url: str, clock: FixedClock, *, follow: bool = True) -> System:
    """The system as `open_system` builds it (following the log in-process unless
    `follow` is False), with cheap Argon2id parameters."""
    return open_system(
        Settings(database_url=database_url, secret_key="test-secret"),
        clock=clock,
        password_profile="CHEAPEST",
        follow=follow,
    )


@pytest.fixture
def app(clock: FixedClock) -> Iterator[MomentumApplication]:
    """The application on the in-memory store (unit tests)."""
    application = make_app("memory://", clock)
    yield application
    application.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock
) -> Iterator[str]:
    """A database URL for each real backend: SQLite file and PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        for name in ("events.sqlite", "readmodels.sqlite"):
            shutil.copyfile(template / name, tmp_path / name)
        yield f"sqlite:///{tmp_path}/events.sqlite"
    else:
        yield request.getfixturevalue("postgres_schema_url")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for each real backend, with no table in it yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/events.sqlite"
        return
    postgres_url: str = request.getfixturevalue("postgres_url")
    schema = f"e_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{postgres_url}?schema={schema}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def stored_app(backend: str, clock: FixedClock) -> Iterator[MomentumApplication]:
    """The application on a real backend."""
    application = make_app(backend, clock)
    yield application
    application.close()


Register = Callable[..., uuid.UUID]


@pytest.fixture
def register(app: MomentumApplication) -> Register:
    """Register a member by first name (email NAME@example.com); returns the id."""
    return registrar(app)


def registrar(application: MomentumApplication) -> Register:
    """A `register(name, timezone="UTC")` helper bound to an application."""

    def _register(name: str, timezone: str = "UTC") -> uuid.UUID:
        result = application.handle(
            c.RegisterMember(f"{name.lower()}@example.com", PASSWORD, name, timezone)
        )
        return result.id

    return _register
