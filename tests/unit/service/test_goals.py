"""Goals: SMART rules in the owner's timezone, and only the owner changes a goal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.errors import (
    InvalidFieldsError,
    NotFoundError,
    RuleViolationError,
    ValidationError,
)
from tests.conftest import Register
from tests.unit.service.conftest import goal_as_of

SetGoal = Callable[..., c.Result]
Position = Callable[[], int | None]
AUCKLAND_MIDNIGHT = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)  # 00:30 on 3 March, NZDT

METRIC = {"name": "talks given", "unit": "talks", "baseline": 0, "target": 2}

# What a member other than the owner might try on a goal (goal id, milestone id).
CHANGES: dict[str, Callable[[UUID, UUID, UUID], c.Command]] = {
    "revise": lambda a, g, m: c.ReviseGoal(
        a, g, {"title": "Give two talks at meetups"}, "More ambitious"
    ),
    "add milestone": lambda a, g, m: c.AddMilestone(a, g, "Book a venue"),
    "complete milestone": lambda a, g, m: c.CompleteMilestone(a, g, m),
    "record progress": lambda a, g, m: c.RecordProgress(a, g, 1, "First talk done"),
    "pause": lambda a, g, m: c.ChangeGoalStatus(a, g, "pause"),
    "achieve": lambda a, g, m: c.ChangeGoalStatus(a, g, "achieve", "Done"),
    "abandon": lambda a, g, m: c.ChangeGoalStatus(a, g, "abandon", "Not for me"),
}


def _goal_with_milestone(set_goal: SetGoal, owner: UUID) -> tuple[UUID, UUID]:
    goal = set_goal(
        owner, metric=METRIC, milestones=(c.NewMilestone("Write an abstract"),)
    )
    return goal.id, goal.extra["milestone_ids"][0]


def test_goal_with_milestones_returns_their_ids(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    goal = set_goal(
        ann,
        milestones=(
            c.NewMilestone("Write an abstract"),
            c.NewMilestone("Submit to a meetup"),
        ),
    )
    ids = goal.extra["milestone_ids"]
    assert len(ids) == 2
    app.handle(c.CompleteMilestone(ann, goal.id, ids[1]))
    state = goal_as_of(app, ann, goal.id)
    assert state.progress_percent() == 50.0


def test_new_goal_due_tomorrow_in_utc_is_already_due_today_in_auckland(
    app: MomentumApplication, clock: FixedClock, register: Register, set_goal: SetGoal
) -> None:
    clock.set(AUCKLAND_MIDNIGHT)
    kiri, ann = register("Kiri", "Pacific/Auckland"), register("Ann")
    set_goal(ann, due_on=date(2026, 3, 3))
    with pytest.raises(ValidationError) as raised:
        set_goal(kiri, due_on=date(2026, 3, 3))
    assert raised.value.field == "due_on"
    goal = set_goal(kiri, due_on=date(2026, 3, 4))
    assert goal_as_of(app, kiri, goal.id).due_on == date(2026, 3, 4)


def test_vague_goal_without_why_is_rejected_field_by_field(
    register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    with pytest.raises(InvalidFieldsError) as raised:
        set_goal(ann, title="Get better", why=" ")
    assert set(raised.value.errors) == {"title", "why"}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_stranger_cannot_change_a_goal_and_learns_nothing(
    app: MomentumApplication,
    register: Register,
    set_goal: SetGoal,
    position: Position,
    change: str,
) -> None:
    ann, bob = register("Ann"), register("Bob")
    goal_id, milestone_id = _goal_with_milestone(set_goal, ann)
    before = position()
    with pytest.raises(NotFoundError) as real:
        app.handle(CHANGES[change](bob, goal_id, milestone_id))
    with pytest.raises(NotFoundError) as invented:
        app.handle(CHANGES[change](bob, uuid4(), milestone_id))
    assert real.value.message == invented.value.message
    assert position() == before


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_mentor_who_sees_a_goal_still_cannot_change_it(
    app: MomentumApplication,
    register: Register,
    set_goal: SetGoal,
    mentor: Callable[[UUID, str], UUID],
    position: Position,
    change: str,
) -> None:
    ann, max_ = register("Ann"), register("Max")
    goal_id, milestone_id = _goal_with_milestone(set_goal, ann)
    mentor(ann, "Max")
    assert app.history(max_, goal_id)  # the mentor can read it ...
    before = position()
    with pytest.raises(NotFoundError):  # ... but not change it
        app.handle(CHANGES[change](max_, goal_id, milestone_id))
    assert position() == before


def test_stranger_with_the_right_version_still_gets_not_found(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann, bob = register("Ann"), register("Bob")
    goal = set_goal(ann)
    for version in (goal.version, goal.version + 7):
        with pytest.raises(NotFoundError):
            app.handle(
                c.ReviseGoal(
                    bob,
                    goal.id,
                    {"title": "Give three meetup talks"},
                    "Mine now",
                    expected_version=version,
                )
            )


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_owner_can_make_each_change(
    app: MomentumApplication, register: Register, set_goal: SetGoal, change: str
) -> None:
    ann = register("Ann")
    goal_id, milestone_id = _goal_with_milestone(set_goal, ann)
    result = app.handle(CHANGES[change](ann, goal_id, milestone_id))
    assert result.id == goal_id
    assert len(app.history(ann, goal_id)) == result.version


def test_no_progress_on_an_abandoned_goal(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    goal_id, _ = _goal_with_milestone(set_goal, ann)
    app.handle(c.ChangeGoalStatus(ann, goal_id, "abandon", "Priorities changed"))
    with pytest.raises(RuleViolationError):
        app.handle(c.RecordProgress(ann, goal_id, 1))


def test_abandoning_needs_a_reason(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    goal_id, _ = _goal_with_milestone(set_goal, ann)
    with pytest.raises(ValidationError):
        app.handle(c.ChangeGoalStatus(ann, goal_id, "abandon", ""))


def test_milestone_cannot_be_completed_twice(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    goal_id, milestone_id = _goal_with_milestone(set_goal, ann)
    app.handle(c.CompleteMilestone(ann, goal_id, milestone_id))
    with pytest.raises(RuleViolationError):
        app.handle(c.CompleteMilestone(ann, goal_id, milestone_id))


def test_paused_goal_resumes(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    goal_id, _ = _goal_with_milestone(set_goal, ann)
    app.handle(c.ChangeGoalStatus(ann, goal_id, "pause", "Busy month"))
    with pytest.raises(RuleViolationError):
        app.handle(c.ChangeGoalStatus(ann, goal_id, "pause"))
    app.handle(c.ChangeGoalStatus(ann, goal_id, "resume"))
    assert [e.type for e in app.history(ann, goal_id)][-2:] == [
        "GoalPaused",
        "GoalResumed",
    ]


def test_unknown_status_change_names_the_field(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    goal_id, _ = _goal_with_milestone(set_goal, ann)
    with pytest.raises(ValidationError) as raised:
        app.handle(c.ChangeGoalStatus(ann, goal_id, "delete"))
    assert raised.value.field == "change"
