"""SPEC 9 as a table: who sees which item of each visibility, over the API.

One world per backend: Olive owns a goal, an action, a review (each private, mentors
and group), the journal entries they make and feedback on each. Around her: Mia her
accepted mentor, Pete a pending mentor, Fred a former mentor, Gus in her group, Lea who
left the group, Sam a stranger and Ada an admin. Every (viewer, kind, visibility) is a
GET that must answer 200 or 404 — never 403, so a hidden item's existence never leaks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

import psycopg
import pytest
from flask.testing import FlaskClient

from projections import journal_queries
from service import commands as c
from service.clock import FixedClock
from service.settings import Settings
from system import System, open_system
from tests.conftest import PASSWORD
from web import create_app

VISIBILITIES = ("private", "mentors", "group")
SEES = {
    "owner": set(VISIBILITIES),
    "mentor": {"mentors", "group"},
    "pending_mentor": set(),
    "former_mentor": set(),
    "group_member": {"group"},
    "former_group_member": set(),
    "stranger": set(),
    "admin": set(),
}
PATHS = {
    "goal": "/goals/{}",
    "action": "/actions/{}",
    "review": "/reviews/{}",
    "journal_entry": "/journal/{}",
    "feedback": "/feedback/{}",
}
SIGNALS = dict.fromkeys(
    ("motivation", "focus", "learning", "recognition", "satisfaction"), 3
)


@dataclass
class World:
    client: FlaskClient
    tokens: dict[str, str]
    items: dict[tuple[str, str], str]
    owner_id: str


@contextmanager
def _schema_url(postgres_url: str) -> Iterator[str]:
    """A throwaway schema in the session database, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{postgres_url}?schema={schema}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The world above on each backend, built once per module through the service."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('access')}/events.sqlite"
        else:
            url = stack.enter_context(
                _schema_url(request.getfixturevalue("postgres_url"))
            )
        system = open_system(
            Settings(database_url=url, secret_key="test-secret"),
            clock=FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
            password_profile="CHEAPEST",
        )
        stack.callback(system.close)
        yield _build(system)


def _build(system: System) -> World:
    write = system.write
    names = {
        "owner": "Olive",
        "mentor": "Mia",
        "pending_mentor": "Pete",
        "former_mentor": "Fred",
        "group_member": "Gus",
        "former_group_member": "Lea",
        "stranger": "Sam",
        "admin": "Ada",
    }
    ids = {
        role: write(c.RegisterMember(f"{name.lower()}@example.com", PASSWORD, name)).id
        for role, name in names.items()
    }
    olive = ids["owner"]

    def email(role: str) -> str:
        return f"{names[role].lower()}@example.com"

    mia = write(c.ProposeMentorship(olive, email("mentor"))).id
    write(c.AnswerMentorship(ids["mentor"], mia, "accept"))
    write(c.ProposeMentorship(olive, email("pending_mentor")))
    fred = write(c.ProposeMentorship(olive, email("former_mentor"))).id
    write(c.AnswerMentorship(ids["former_mentor"], fred, "accept"))
    write(c.AnswerMentorship(olive, fred, "end"))
    group = write(c.CreateGroup(olive, "Career changers")).id
    for role in ("group_member", "former_group_member"):
        invite = write(c.InviteToGroup(olive, group))
        write(c.JoinGroup(ids[role], str(invite.extra["token"])))
    write(c.LeaveGroup(ids["former_group_member"], group))
    write(c.GrantRole(None, email("admin")))

    items: dict[tuple[str, str], str] = {}
    for vis in VISIBILITIES:
        goal = write(
            c.SetGoal(
                olive,
                f"Give a {vis} conference talk on testing",
                "short",
                "Speaking is how I get noticed",
                date(2026, 6, 30),
                visibility=vis,
            )
        ).id
        action = write(
            c.LogAction(
                olive, "visibility", f"Drafted the {vis} abstract", visibility=vis
            )
        ).id
        review = write(c.RecordReview(olive, SIGNALS, visibility=vis)).id
        feedback = write(c.GiveFeedback(olive, "goal", goal, f"Note on {vis}")).id
        items |= {
            ("goal", vis): str(goal),
            ("action", vis): str(action),
            ("review", vis): str(review),
            ("feedback", vis): str(feedback),
        }
    with system.read() as conn:
        page = journal_queries.entries(conn, str(olive), limit=200)
    for entry in page.entries:
        for vis in VISIBILITIES:
            if entry.item_id == items[("goal", vis)] and entry.kind == "goal_set":
                items[("journal_entry", vis)] = str(entry.entry_id)
    tokens = {
        role: str(write(c.IssueToken(email(role), PASSWORD)).extra["token"])
        for role in names
    }
    return World(create_app(system).test_client(), tokens, items, str(olive))


CASES = [
    pytest.param(role, kind, vis, id=f"{role}-{kind}-{vis}")
    for role in SEES
    for kind in PATHS
    for vis in VISIBILITIES
]


@pytest.mark.parametrize(("role", "kind", "visibility"), CASES)
def test_who_sees_what(world: World, role: str, kind: str, visibility: str) -> None:
    item = world.items[(kind, visibility)]
    response = world.client.get(
        f"/api/v1{PATHS[kind].format(item)}",
        headers={"Authorization": f"Bearer {world.tokens[role]}"},
    )
    expected = 200 if visibility in SEES[role] else 404
    assert response.status_code == expected, response.get_json()
    if expected == 404:
        assert response.mimetype == "application/problem+json"
        assert "Note on" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", list(SEES))
def test_journal_lists_exactly_the_visible_entries(world: World, role: str) -> None:
    response = world.client.get(
        "/api/v1/journal",
        query_string={"member": world.owner_id, "limit": 200},
        headers={"Authorization": f"Bearer {world.tokens[role]}"},
    )
    if response.status_code == 404:  # a member the caller may not see at all
        assert not SEES[role]
        return
    assert response.status_code == 200, response.get_json()
    visible = {entry["visibility"] for entry in response.get_json()["items"]}
    assert visible == SEES[role]


def test_every_entry_of_the_table_exists(world: World) -> None:
    assert set(world.items) == {(k, v) for k in PATHS for v in VISIBILITIES}
