"""The web app over a real system (SQLite file or PostgreSQL) with the follower."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from service.clock import FixedClock
from service.settings import Settings
from web import create_app
from web.system import System, open_system


@pytest.fixture
def system(backend: str, clock: FixedClock) -> Iterator[System]:
    """The system on each backend, following the log in-process."""
    running = open_system(
        Settings(database_url=backend, secret_key="test-secret"),
        clock=clock,
        password_profile="CHEAPEST",
    )
    yield running
    running.close()


@pytest.fixture
def client(system: System) -> FlaskClient:
    """A test client of the app serving `system`."""
    return create_app(system).test_client()
