"""The web app over a real system (SQLite file or PostgreSQL) with the follower."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from service.clock import FixedClock
from system import System
from tests.conftest import PASSWORD, make_system
from web import create_app


@pytest.fixture
def system(backend: str, clock: FixedClock) -> Iterator[System]:
    """The system on each backend, following the log in-process."""
    running = make_system(backend, clock)
    yield running
    running.close()


@pytest.fixture
def client(system: System) -> FlaskClient:
    """A test client of the app serving `system`."""
    return create_app(system).test_client()


@dataclass(frozen=True)
class Person:
    """A registered member as the API knows them: id, email and a bearer token."""

    id: str
    email: str
    name: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        """The Authorization header carrying this person's token."""
        return {"Authorization": f"Bearer {self.token}"}


class Api:
    """Calls the API as a person: `api.post(ann, "/goals", json=...)`.

    Paths are relative to /api/v1; `headers=` adds to the person's Authorization."""

    def __init__(self, client: FlaskClient, system: System) -> None:
        self.client = client
        self.system = system

    def join(self, name: str, timezone: str = "UTC") -> Person:
        """Register `name` (email NAME@example.com) and sign in for a token."""
        email = f"{name.lower()}@example.com"
        created = self.client.post(
            "/api/v1/auth/register",
            json={
                "email": email,
                "password": PASSWORD,
                "display_name": name,
                "timezone": timezone,
            },
        )
        assert created.status_code == 201, created.json
        token = self.client.post(
            "/api/v1/auth/tokens", json={"email": email, "password": PASSWORD}
        )
        assert token.status_code == 201, token.json
        member, issued = created.get_json(), token.get_json()
        return Person(member["id"], email, name, issued["token"])

    def events(self) -> int:
        """How many events the store holds (to assert that nothing was appended)."""
        return self.system.app.recorder.max_notification_id() or 0

    def call(
        self, method: str, who: Person | None, path: str, **kwargs: Any
    ) -> TestResponse:
        """One request to /api/v1`path`, as `who` (None: without a token)."""
        headers = dict(who.auth) if who else {}
        headers.update(kwargs.pop("headers", None) or {})
        response: TestResponse = self.client.open(
            f"/api/v1{path}", method=method, headers=headers, **kwargs
        )
        return response

    def get(self, who: Person | None, path: str, **kwargs: Any) -> TestResponse:
        return self.call("GET", who, path, **kwargs)

    def post(self, who: Person | None, path: str, **kwargs: Any) -> TestResponse:
        return self.call("POST", who, path, **kwargs)

    def patch(self, who: Person | None, path: str, **kwargs: Any) -> TestResponse:
        return self.call("PATCH", who, path, **kwargs)

    def delete(self, who: Person | None, path: str, **kwargs: Any) -> TestResponse:
        return self.call("DELETE", who, path, **kwargs)


@pytest.fixture
def api(client: FlaskClient, system: System) -> Api:
    """The API as members see it (see `Api`)."""
    return Api(client, system)
