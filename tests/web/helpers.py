"""Setup and checks the API tests share (test modules never import each other).

Scene-setting helpers write through the service (`System.write` returns once every
read model shows the write); where they take `on`, pass the `api` fixture or the
`system`. `log`/`log_action` go through POST /actions, as a member would.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from werkzeug.test import TestResponse

from service import commands as c
from service.clock import FixedClock
from system import System
from tests.web.conftest import Api, Person

PROBLEM = "application/problem+json"
GOAL_TITLE = "Give a conference talk on testing"
"""The title `set_goal` gives a goal unless told otherwise."""


def _system(on: Api | System) -> System:
    return on.system if isinstance(on, Api) else on


def json_of(response: TestResponse, status: int = 200) -> Any:
    """The JSON body of `response`, which must have answered `status`."""
    assert response.status_code == status, response.json
    return response.json


def assert_rejected(api: Api, response: TestResponse, field: str, before: int) -> None:
    """A 422 problem document naming `field`, and nothing appended to the store
    (`before`: `api.events()` before the request)."""
    problem: Any = response.json
    assert response.status_code == 422, problem
    assert response.mimetype == PROBLEM
    assert field in problem["errors"], problem
    assert api.events() == before


def assert_replays(
    api: Api, who: Person, path: str, first: TestResponse, **request: Any
) -> None:
    """POSTing `request` (with the Idempotency-Key of `first`) to `path` again answers
    exactly as `first` did and appends nothing."""
    before = api.events()
    again = api.post(who, path, **request)
    assert (again.status_code, again.json) == (first.status_code, first.json)
    assert api.events() == before


def assert_need_a_token(api: Api, calls: Iterable[tuple[str, str, Any]]) -> None:
    """Each call (method, path, JSON body) made without a token is a 401 problem."""
    for method, path, body in calls:
        response = api.call(method, None, path, json=body)
        assert response.status_code == 401, (method, path, response.json)
        assert response.mimetype == PROBLEM


def mentor(on: Api | System, mentee: Person, mentor: Person) -> UUID:
    """`mentee` invites `mentor` by email, who accepts; the mentorship's id."""
    system = _system(on)
    link = system.write(c.ProposeMentorship(UUID(mentee.id), mentor.email)).id
    system.write(c.AnswerMentorship(UUID(mentor.id), link, "accept"))
    return link


def share_group(on: Api | System, owner: Person, *others: Person) -> UUID:
    """`owner` creates the group "Career changers" that `others` join; its id."""
    system = _system(on)
    group = system.write(c.CreateGroup(UUID(owner.id), "Career changers")).id
    for other in others:
        invite = system.write(c.InviteToGroup(UUID(owner.id), group))
        system.write(c.JoinGroup(UUID(other.id), str(invite.extra["token"])))
    return group


def set_goal(
    on: Api | System,
    owner: Person,
    visibility: str = "mentors",
    title: str = GOAL_TITLE,
) -> str:
    """A short-term goal of `owner`, due 30 June 2026; its id."""
    goal = c.SetGoal(
        UUID(owner.id),
        title,
        "short",
        "Speaking is how I get noticed",
        date(2026, 6, 30),
        visibility=visibility,
    )
    return str(_system(on).write(goal).id)


def log_action(api: Api, who: Person, **fields: Any) -> Any:
    """`who` logs an action (learning, "Read a chapter on testing", today, unless
    `fields` say otherwise); the action as the API answered."""
    body = {"category": "learning", "title": "Read a chapter on testing"} | fields
    return json_of(api.post(who, "/actions", json=body), 201)


def log(
    api: Api, who: Person, title: str = "Read a chapter on testing", **fields: Any
) -> str:
    """`who` logs an action as `log_action` does; its id."""
    action_id: str = log_action(api, who, title=title, **fields)["id"]
    return action_id


@dataclass
class Week:
    """A week of digest material (Monday 2 to Sunday 8 March), read on Monday 9."""

    ann: Person  # logged three wins: mentors, group and private
    bob: Person  # Ann's mentor
    cy: Person  # facilitates the group Ann joined


def digest_week(api: Api, system: System, clock: FixedClock) -> Week:
    ann, bob, cy = api.join("Ann"), api.join("Bob"), api.join("Cy")
    mentor(system, ann, bob)
    share_group(system, cy, ann)
    for title, visibility in (
        ("Gave a talk", "mentors"),
        ("Shared my portfolio", "group"),
        ("Secret plan", "private"),
    ):
        log(api, ann, title, category="visibility", win=True, visibility=visibility)
    clock.advance(days=7)  # Monday 9 March, 09:00 UTC: the week of 2–8 March
    return Week(ann, bob, cy)
