"""Stale writes (If-Match) and Idempotency-Key replays, through `app.handle`."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.domain.action import Action
from service.errors import (
    ConcurrencyConflictError,
    IdempotencyKeyReusedError,
    ValidationError,
)
from tests.conftest import Register
from tests.unit.service.conftest import SIGNALS, goal_as_of, state_of

SetGoal = Callable[..., c.Result]
Position = Callable[[], int | None]
KEY = "3f6c2a4e-retry-me"


def _log(member: UUID, title: str = "Coffee with a hiring manager") -> c.LogAction:
    return c.LogAction(member, "networking", title)


def test_stale_revision_is_refused_with_the_current_version(
    app: MomentumApplication, register: Register, set_goal: SetGoal, position: Position
) -> None:
    ann = register("Ann")
    goal = set_goal(ann)
    app.handle(c.AddMilestone(ann, goal.id, "Write an abstract"))
    before = position()
    with pytest.raises(ConcurrencyConflictError) as raised:
        app.handle(
            c.ReviseGoal(
                ann,
                goal.id,
                {"title": "Give two talks at meetups"},
                "More ambitious",
                expected_version=goal.version,
            )
        )
    assert raised.value.current_version == goal.version + 1
    assert position() == before
    assert goal_as_of(app, ann, goal.id).title == "Give a talk at a meetup"


def test_revision_with_the_current_version_returns_the_new_version(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    goal = set_goal(ann)
    revised = app.handle(
        c.ReviseGoal(
            ann,
            goal.id,
            {"title": "Give two talks at meetups"},
            "More ambitious",
            expected_version=goal.version,
        )
    )
    assert revised.version == goal.version + 1
    again = app.handle(
        c.ReviseGoal(
            ann,
            goal.id,
            {"horizon": "long"},
            "Takes a year",
            expected_version=revised.version,
        )
    )
    assert again.version == revised.version + 1
    assert app.history(ann, goal.id)[-1].version == again.version


def test_stale_action_edit_is_refused(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    ann = register("Ann")
    action = app.handle(_log(ann))
    app.handle(c.EditAction(ann, action.id, {"minutes": 30}))
    before = position()
    with pytest.raises(ConcurrencyConflictError) as raised:
        app.handle(
            c.EditAction(
                ann, action.id, {"minutes": 45}, expected_version=action.version
            )
        )
    assert raised.value.current_version == 2
    assert position() == before


def test_same_key_and_command_returns_the_first_result_and_appends_nothing(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    ann = register("Ann")
    first = app.handle(_log(ann), idempotency_key=KEY)
    before = position()
    again = app.handle(_log(ann), idempotency_key=KEY)
    assert again == first
    assert position() == before


def test_replayed_result_carries_the_same_extra_values(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    review = c.RecordReview(
        ann,
        SIGNALS,
        commitments=(
            c.NewCommitment("When it is Friday", "then I will write my weekly note"),
        ),
    )
    first = app.handle(review, idempotency_key=KEY)
    again = app.handle(review, idempotency_key=KEY)
    assert again == first
    assert isinstance(again.extra["commitment_ids"][0], UUID)


def test_same_key_from_another_member_is_independent(
    app: MomentumApplication, register: Register
) -> None:
    ann, bob = register("Ann"), register("Bob")
    anns = app.handle(_log(ann), idempotency_key=KEY)
    bobs = app.handle(_log(bob), idempotency_key=KEY)
    assert bobs.id != anns.id
    assert app.history(bob, bobs.id)[0].actor_id == bob


def test_same_key_with_a_different_command_is_refused(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    ann = register("Ann")
    app.handle(_log(ann), idempotency_key=KEY)
    before = position()
    with pytest.raises(IdempotencyKeyReusedError):
        app.handle(_log(ann, "Lunch with a recruiter"), idempotency_key=KEY)
    assert position() == before


def test_key_is_remembered_for_just_under_a_day(
    app: MomentumApplication, clock: FixedClock, register: Register, position: Position
) -> None:
    ann = register("Ann")
    first = app.handle(_log(ann), idempotency_key=KEY)
    clock.advance(hours=23, minutes=59, seconds=59)
    before = position()
    assert app.handle(_log(ann), idempotency_key=KEY) == first
    assert position() == before


def test_key_older_than_a_day_performs_a_new_write(
    app: MomentumApplication, clock: FixedClock, register: Register, position: Position
) -> None:
    ann = register("Ann")
    first = app.handle(_log(ann), idempotency_key=KEY)
    clock.advance(hours=24, seconds=1)
    before = position()
    second = app.handle(_log(ann), idempotency_key=KEY)
    assert second.id != first.id
    assert (position() or 0) > (before or 0)
    assert app.handle(_log(ann), idempotency_key=KEY) == second  # remembered anew


def test_expired_key_may_carry_a_different_command(
    app: MomentumApplication, clock: FixedClock, register: Register
) -> None:
    ann = register("Ann")
    first = app.handle(_log(ann), idempotency_key=KEY)
    clock.advance(hours=24, seconds=1)
    second = app.handle(_log(ann, "Lunch with a recruiter"), idempotency_key=KEY)
    assert second.id != first.id
    assert [state_of(app, ann, r.id, Action).title for r in (first, second)] == [
        "Coffee with a hiring manager",
        "Lunch with a recruiter",
    ]


def test_failed_command_does_not_use_up_its_key(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    with pytest.raises(ValidationError):
        app.handle(c.LogAction(ann, "napping", "Long nap"), idempotency_key=KEY)
    action = app.handle(_log(ann), idempotency_key=KEY)
    assert app.history(ann, action.id)[0].type == "ActionLogged"


def test_conflicting_write_does_not_use_up_its_key(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    goal = set_goal(ann)
    app.handle(c.AddMilestone(ann, goal.id, "Write an abstract"))
    revise = c.ReviseGoal(
        ann,
        goal.id,
        {"title": "Give two talks at meetups"},
        "More ambitious",
        expected_version=goal.version,
    )
    with pytest.raises(ConcurrencyConflictError):
        app.handle(revise, idempotency_key=KEY)
    with pytest.raises(ConcurrencyConflictError):
        app.handle(revise, idempotency_key=KEY)  # not replayed as a success


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_idempotency_key_must_be_one_to_255_characters(
    app: MomentumApplication, register: Register, key: str
) -> None:
    ann = register("Ann")
    with pytest.raises(ValidationError) as raised:
        app.handle(_log(ann), idempotency_key=key)
    assert raised.value.field == "idempotency_key"
