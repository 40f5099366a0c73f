"""Builders and assertions shared by the aggregate tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from service.domain.action import Action
from service.domain.goal import Goal
from service.domain.member import Member
from service.domain.review import SIGNALS, Review

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
TODAY = NOW.date()
DUE = TODAY + timedelta(days=90)


@contextmanager
def records_nothing(aggregate: Aggregate) -> Iterator[None]:
    """Assert that the block leaves `aggregate` without a new event or version."""
    aggregate.collect_events()
    version = aggregate.version
    yield
    assert aggregate.version == version
    assert aggregate.collect_events() == []


def recorded(aggregate: Aggregate) -> list[str]:
    """The class names of the events recorded since the last collection."""
    return [type(e).__name__ for e in aggregate.collect_events()]


def goal_fields(**overrides: Any) -> dict[str, Any]:
    """Fields of a valid SMART goal, with `overrides` applied."""
    fields: dict[str, Any] = {
        "title": "Give a talk at a meetup",
        "horizon": "short",
        "why": "I want to be known for my work on search.",
        "due_on": DUE,
    }
    fields.update(overrides)
    return fields


def new_goal(owner_id: UUID | None = None, **overrides: Any) -> Goal:
    """A valid active goal set today."""
    return Goal.set(owner_id or uuid4(), TODAY, **goal_fields(**overrides))


def closed_goal(
    owner_id: UUID, how: str, milestone_id: UUID | None = None, **overrides: Any
) -> Goal:
    """A goal (with one milestone if `milestone_id`) closed as achieved or abandoned."""
    goal = new_goal(owner_id, **overrides)
    if milestone_id:
        goal.add_milestone(
            milestone_id, "Write the abstract", None, owner_id, set_on=TODAY
        )
    if how == "achieved":
        goal.achieve("Gave it at PyCon.", owner_id)
    else:
        goal.abandon("My team changed; this no longer matters.", owner_id)
    return goal


def metric(baseline: float = 0, target: float = 10) -> dict[str, Any]:
    """A measurable metric."""
    return {
        "name": "Talks given",
        "unit": "talks",
        "baseline": baseline,
        "target": target,
    }


def new_action(owner_id: UUID | None = None, **overrides: Any) -> Action:
    """A valid action logged today."""
    fields: dict[str, Any] = {"category": "learning", "title": "Read a chapter on SQL"}
    fields.update(overrides)
    return Action.log(owner_id or uuid4(), TODAY, **fields)


def ratings(value: int = 3, **overrides: Any) -> dict[str, Any]:
    """All five signals rated `value`, with `overrides` applied."""
    signals: dict[str, Any] = dict.fromkeys(SIGNALS, value)
    signals.update(overrides)
    return signals


def commitment(**overrides: Any) -> dict[str, Any]:
    """One valid implementation intention."""
    fields: dict[str, Any] = {
        "id": uuid4(),
        "if_when": "When I open my laptop on Monday",
        "then": "I will write the talk outline",
    }
    fields.update(overrides)
    return fields


def new_review(owner_id: UUID | None = None, **overrides: Any) -> Review:
    """A valid weekly review with one commitment."""
    fields: dict[str, Any] = {
        "period": "weekly",
        "signals": ratings(),
        "commitments": [commitment()],
    }
    fields.update(overrides)
    return Review.record(owner_id or uuid4(), **fields)


def new_member(
    email: str = "ada@example.com", timezone: str = "Europe/Paris"
) -> Member:
    """A registered member."""
    return Member.register(uuid4(), email, "Ada", timezone, "argon2-hash")
