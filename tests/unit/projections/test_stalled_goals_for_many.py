"""`stalled_goals_for_many` answers exactly what `stalled_goals` answers per owner,
whatever the owners' timezones, goals, metrics, milestones and activity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from projections.goals import GoalBoard
from projections.goals_queries import (
    GoalCard,
    stalled_goals,
    stalled_goals_for_many,
)
from projections.journal import Journal
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.histories import History
from tests.unit.projections.conftest import Sync

METRIC = {"name": "Applications", "unit": "", "baseline": 0, "target": 10}


@pytest.fixture
def sync(project: Callable[..., Sync]) -> Sync:
    return project(GoalBoard(), Journal())


def _per_owner(
    query: Callable[..., object], owners: list[str], at: object
) -> dict[str, list[GoalCard]]:
    found = {o: query(stalled_goals, o, at) for o in owners}
    return {o: cards for o, cards in found.items() if cards}


def _goal(
    app: MomentumApplication, owner: UUID, clock: FixedClock, days: int, **extra: Any
) -> UUID:
    due = clock.now().date() + timedelta(days=days)
    command = c.SetGoal(
        owner, "Find a new team to join", "short", "Growth", due, **extra
    )
    return app.handle(command).id


def test_batched_stalled_goals_equal_the_per_owner_ones(
    app: MomentumApplication,
    register: Callable[..., UUID],
    clock: FixedClock,
    sync: Sync,
    query: Callable[..., object],
) -> None:
    history = History(app, clock, "h")
    history.everything()  # every kind of goal event, five members, one moved to NZ
    ann = register("Ann", "Pacific/Auckland")
    bob = register("Bob", "America/Los_Angeles")
    register("Cy")  # no goals at all
    soon = _goal(app, ann, clock, 5)  # due within a week, under 50 %
    _goal(app, ann, clock, 40, visibility="private")
    metric = _goal(app, ann, clock, 90, metric=METRIC)
    _goal(app, bob, clock, 30, milestones=(c.NewMilestone("Call Dee"),))
    busy = _goal(app, bob, clock, 60, metric=METRIC)
    paused = _goal(app, bob, clock, 60)
    app.handle(c.ChangeGoalStatus(bob, paused, "pause"))
    for week in range(6):  # progress over time: the 28-day rate has a start value
        app.handle(c.RecordProgress(ann, metric, week + 1))
        app.handle(c.LogAction(bob, "networking", "Coffee chat", goal_id=busy))
        clock.advance(days=7, hours=5)
    app.handle(c.LogAction(ann, "learning", "Course", goal_id=soon))
    sync()

    owners = [str(m) for m in history.members] + [str(ann), str(bob), str(uuid4())]
    seen_stalled = 0
    for days in (0, 3, 10, 20, 45):
        at = clock.now() + timedelta(days=days, hours=7)
        expected = _per_owner(query, owners, at)
        batched = query(stalled_goals_for_many, owners, at)
        assert batched == expected, days
        seen_stalled += sum(len(cards) for cards in expected.values())
    assert seen_stalled > 10  # the comparison covered real stalled goals
    assert query(stalled_goals_for_many, [], clock.now()) == {}
