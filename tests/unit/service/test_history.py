"""History and as-of reads: every event of an item, for those who may see it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.errors import NotFoundError
from tests.conftest import START, Register
from tests.unit.service.conftest import goal_as_of

SetGoal = Callable[..., c.Result]
Mentor = Callable[[UUID, str], UUID]
GroupOf = Callable[..., UUID]
NEW_TITLE = "Give two talks at meetups"


def _goal_with_story(
    app: MomentumApplication, clock: FixedClock, set_goal: SetGoal, owner: UUID
) -> UUID:
    """GoalSet at START, MilestoneAdded a day later, GoalRevised two days later."""
    goal = set_goal(owner, milestones=(c.NewMilestone("Write an abstract"),))
    clock.advance(days=1)
    app.handle(c.AddMilestone(owner, goal.id, "Submit to a meetup"))
    clock.advance(days=1)
    app.handle(c.ReviseGoal(owner, goal.id, {"title": NEW_TITLE}, "Aim higher"))
    return goal.id


def test_owner_sees_every_event_with_version_type_time_and_actor(
    app: MomentumApplication, clock: FixedClock, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    goal = _goal_with_story(app, clock, set_goal, ann)
    entries = app.history(ann, goal)
    assert [(e.version, e.type) for e in entries] == [
        (1, "GoalSet"),
        (2, "MilestoneAdded"),
        (3, "MilestoneAdded"),
        (4, "GoalRevised"),
    ]
    assert [e.time for e in entries] == [
        START,
        START,
        START + timedelta(days=1),
        START + timedelta(days=2),
    ]
    assert {e.actor_id for e in entries} == {ann}


def test_history_keeps_the_old_values_and_the_reason_of_a_revision(
    app: MomentumApplication, clock: FixedClock, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    goal = _goal_with_story(app, clock, set_goal, ann)
    entries = app.history(ann, goal)
    assert entries[0].data["title"] == "Give a talk at a meetup"
    assert entries[0].data["owner_id"] == ann
    assert entries[-1].data == {"changes": {"title": NEW_TITLE}, "reason": "Aim higher"}


def test_accepted_mentor_sees_the_same_history_as_the_owner(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    set_goal: SetGoal,
    mentor: Mentor,
) -> None:
    ann, max_ = register("Ann"), register("Max")
    mentor(ann, "Max")
    goal = _goal_with_story(app, clock, set_goal, ann)
    assert app.history(max_, goal) == app.history(ann, goal)


@pytest.mark.parametrize("viewer", ["stranger", "pending mentor", "group member"])
def test_others_cannot_read_the_history_of_a_mentors_goal(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    set_goal: SetGoal,
    group_of: GroupOf,
    viewer: str,
) -> None:
    ann, other = register("Ann"), register("Oli")
    if viewer == "pending mentor":
        app.handle(c.ProposeMentorship(ann, "oli@example.com"))
    if viewer == "group member":
        group_of(ann, other)
    goal = _goal_with_story(app, clock, set_goal, ann)
    with pytest.raises(NotFoundError) as hidden:
        app.history(other, goal)
    with pytest.raises(NotFoundError) as missing:
        app.history(other, uuid4())
    assert hidden.value.message == missing.value.message
    with pytest.raises(NotFoundError):
        app.as_of(other, goal, clock.now())


def test_as_of_shows_the_goal_as_it_was_before_a_revision(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    set_goal: SetGoal,
    mentor: Mentor,
) -> None:
    ann, max_ = register("Ann"), register("Max")
    mentor(ann, "Max")
    goal = _goal_with_story(app, clock, set_goal, ann)
    before_revision = goal_as_of(app, max_, goal, START + timedelta(days=1, hours=12))
    assert before_revision.title == "Give a talk at a meetup"
    assert len(before_revision.milestones) == 2
    first_day = goal_as_of(app, ann, goal, START + timedelta(hours=5))
    assert [m["title"] for m in first_day.milestones.values()] == ["Write an abstract"]
    assert goal_as_of(app, ann, goal, clock.now()).title == NEW_TITLE


def test_as_of_the_exact_time_of_an_event_includes_it(
    app: MomentumApplication, clock: FixedClock, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    goal = _goal_with_story(app, clock, set_goal, ann)
    assert goal_as_of(app, ann, goal, START + timedelta(days=2)).title == NEW_TITLE
    earlier = START + timedelta(days=2) - timedelta(microseconds=1)
    assert goal_as_of(app, ann, goal, earlier).title == "Give a talk at a meetup"


def test_as_of_before_the_goal_existed_is_not_found(
    app: MomentumApplication, clock: FixedClock, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    clock.advance(days=3)
    goal = set_goal(ann).id
    with pytest.raises(NotFoundError):
        app.as_of(ann, goal, START)


def test_action_history_shows_edits_and_retraction_to_the_mentor(
    app: MomentumApplication, clock: FixedClock, register: Register, mentor: Mentor
) -> None:
    ann, max_ = register("Ann"), register("Max")
    mentor(ann, "Max")
    action = app.handle(
        c.LogAction(ann, "learning", "Finished a SQL course", minutes=90)
    )
    clock.advance(hours=2)
    app.handle(c.EditAction(ann, action.id, {"minutes": 120}))
    app.handle(c.RetractAction(ann, action.id, "Counted twice"))
    entries = app.history(max_, action.id)
    assert [e.type for e in entries] == [
        "ActionLogged",
        "ActionEdited",
        "ActionRetracted",
    ]
    assert entries[1].data["changes"] == {"minutes": 120}
    assert entries[2].time == START + timedelta(hours=2)
