"""Schemathesis against the live app over real HTTP: generated requests for every
operation of /api/v1/openapi.json never get a server error, and every response matches
the status codes, content types and schemas the document declares.

The app runs in a werkzeug server on 127.0.0.1 (random port) over a SQLite file with
the in-process follower, like `momentum serve`; the caller is a signed-in member who
has a goal, an action and a review, so generated requests meet real data as well as
random ids. Every check runs except `positive_data_acceptance` (see below).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import positive_data_acceptance
from werkzeug.serving import make_server

from service import commands as c
from service.clock import FixedClock
from service.settings import Settings
from system import open_system
from tests.conftest import PASSWORD
from web import create_app


@dataclass(frozen=True)
class Live:
    url: str
    token: str


TOKENS: dict[str, str] = {}
"""The signed-in member's token, for the auth provider (set by the `live` fixture)."""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The app served over HTTP, and a member's Authorization header."""
    folder = tmp_path_factory.mktemp("schemathesis")
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    system = open_system(
        Settings(database_url=f"sqlite:///{folder}/events.sqlite", secret_key="t"),
        clock=clock,
        password_profile="CHEAPEST",
    )
    ann = system.write(c.RegisterMember("ann@example.com", PASSWORD, "Ann")).id
    goal = system.write(
        c.SetGoal(
            ann,
            "Ship the conference talk on testing",
            "short",
            "Speaking gets me noticed",
            date(2026, 6, 30),
        )
    ).id
    system.write(c.LogAction(ann, "learning", "Outlined the talk", goal_id=goal))
    token = system.write(c.IssueToken("ann@example.com", PASSWORD)).extra["token"]
    server = make_server("127.0.0.1", 0, create_app(system), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        TOKENS["member"] = str(token)
        yield Live(f"http://127.0.0.1:{server.server_port}", str(token))
    finally:
        server.shutdown()
        thread.join(10)
        system.close()


@pytest.fixture(scope="module")
def api_schema(live: Live) -> schemathesis.BaseSchema:
    """The OpenAPI document as the running server serves it."""
    return schemathesis.openapi.from_url(f"{live.url}/api/v1/openapi.json")


# Revoking the caller's own token would sign the rest of the run out; test_accounts
# covers that route.
schema = schemathesis.pytest.from_fixture("api_schema").exclude(
    method="DELETE", path="/api/v1/auth/tokens/current"
)


@schema.auth()
class Bearer:
    """The member's bearer token, so schemathesis knows how the API signs in (and
    can also send requests without it and expect a 401)."""

    def get(self, case: Case, ctx: schemathesis.AuthContext) -> str:
        return TOKENS["member"]

    def set(self, case: Case, data: str, ctx: schemathesis.AuthContext) -> None:
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case: Case, live: Live) -> None:
    # A schema-valid request may still break a domain rule (a due date in the past,
    # a title of one word): those 422s are right, so positive_data_acceptance is off.
    case.call_and_validate(
        base_url=live.url,
        excluded_checks=[positive_data_acceptance],
    )
