"""Shared fixtures: a fixed clock, the application on each backend, member helpers.

PostgreSQL: MOMENTUM_TEST_DATABASE_URL names a database to use (CI creates a throwaway
one per run); otherwise a database is created for the session on the server at
MOMENTUM_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres) and
dropped afterwards. Each test gets its own schema. When no server is reachable the
PostgreSQL tests skip, unless MOMENTUM_REQUIRE_POSTGRES=1 (set by .ci/run), which turns
the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest

from service import commands as c
from service.application import MomentumApplication
from service.bootstrap import bootstrap
from service.clock import FixedClock
from service.settings import Settings

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


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> Iterator[str]:
    """A fresh schema in the session database, as a database URL."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{postgres_url}?schema={schema}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def clock() -> FixedClock:
    """A clock fixed at Monday 2 March 2026, 09:00 UTC."""
    return FixedClock(START)


def make_app(
    database_url: str, clock: FixedClock, *, create_tables: bool = True
) -> MomentumApplication:
    """The application as `bootstrap` builds it, with cheap Argon2id parameters."""
    return bootstrap(
        Settings(database_url=database_url, secret_key="test-secret"),
        clock=clock,
        password_profile="CHEAPEST",
        create_tables=create_tables,
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
        yield f"sqlite:///{tmp_path}/events.sqlite"
    else:
        yield request.getfixturevalue("postgres_schema_url")


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
