"""Service-test helpers: goals, mentorships and groups set up through commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import pytest

from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.domain.base import MomentumAggregate
from service.domain.goal import Goal

A = TypeVar("A", bound=MomentumAggregate)

SIGNALS = {
    "motivation": 3,
    "focus": 3,
    "learning": 4,
    "recognition": 2,
    "satisfaction": 3,
}


@pytest.fixture
def set_goal(app: MomentumApplication, clock: FixedClock) -> Callable[..., c.Result]:
    """`set_goal(owner, visibility="mentors", **fields)` sets a valid SMART goal."""

    def _set_goal(owner: UUID, visibility: str = "mentors", **fields: Any) -> c.Result:
        values: dict[str, Any] = {
            "title": "Give a talk at a meetup",
            "horizon": "short",
            "why": "Be known for what I know",
            "due_on": clock.now().date() + timedelta(days=60),
        }
        values.update(fields)
        return app.handle(c.SetGoal(actor_id=owner, visibility=visibility, **values))

    return _set_goal


@pytest.fixture
def mentor(app: MomentumApplication) -> Callable[[UUID, str], UUID]:
    """`mentor(mentee, "Max")`: the mentee invites max@example.com, who accepts."""

    def _mentor(mentee: UUID, mentor_name: str) -> UUID:
        email = f"{mentor_name.lower()}@example.com"
        proposed = app.handle(c.ProposeMentorship(mentee, email))
        mentor_id = app.member_id_for_email(email)
        assert mentor_id is not None, "register the mentor first"
        app.handle(c.AnswerMentorship(mentor_id, proposed.id, "accept"))
        return proposed.id

    return _mentor


@pytest.fixture
def group_of(app: MomentumApplication) -> Callable[..., UUID]:
    """`group_of(facilitator, *members)`: a group its members joined by link."""

    def _group_of(facilitator: UUID, *members: UUID) -> UUID:
        group = app.handle(c.CreateGroup(facilitator, "Career changers", "Keep going"))
        token = app.handle(c.InviteToGroup(facilitator, group.id)).extra["token"]
        for member in members:
            app.handle(c.JoinGroup(member, token))
        return group.id

    return _group_of


@pytest.fixture
def position(app: MomentumApplication) -> Callable[[], int | None]:
    """The id of the last stored event notification (None while the store is empty)."""
    return app.recorder.max_notification_id


def goal_as_of(
    app: MomentumApplication, viewer: UUID, goal_id: UUID, at: datetime | None = None
) -> Goal:
    """The goal as `viewer` may see it at `at` (default: now)."""
    state = app.as_of(viewer, goal_id, at or app.clock.now())
    assert isinstance(state, Goal)
    return state


def state_of(
    app: MomentumApplication, viewer: UUID, aggregate_id: UUID, cls: type[A]
) -> A:
    """The aggregate as `viewer` may see it now (NotFoundError if they may not)."""
    state = app.as_of(viewer, aggregate_id, app.clock.now())
    assert isinstance(state, cls)
    return state
