"""Mentorships by email invitation, and suggestions only an accepted mentor makes."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from service import commands as c
from service.application import MomentumApplication
from service.domain.mentorship import Mentorship
from service.errors import ConflictError, NotFoundError, RuleViolationError
from tests.conftest import Register
from tests.unit.service.conftest import goal_as_of, state_of

SetGoal = Callable[..., c.Result]
Mentor = Callable[[UUID, str], UUID]
GroupOf = Callable[..., UUID]
Position = Callable[[], int | None]


def _suggest(app: MomentumApplication, mentor_id: UUID, goal_id: UUID) -> c.Result:
    return app.handle(
        c.MakeSuggestion(
            mentor_id, goal_id, "milestone", "Ask your lead for a stretch project"
        )
    )


def test_mentor_invited_before_signing_up_accepts_after_registering(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    goal = set_goal(ann)
    proposal = app.handle(c.ProposeMentorship(ann, "Max@Example.com", "Would you?"))
    max_ = register("Max")
    with pytest.raises(NotFoundError):
        app.history(max_, goal.id)  # not before accepting
    app.handle(c.AnswerMentorship(max_, proposal.id, "accept"))
    assert [e.type for e in app.history(max_, goal.id)] == ["GoalSet"]


def test_only_the_invited_person_accepts(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    ann, bob, max_ = register("Ann"), register("Bob"), register("Max")
    proposal = app.handle(c.ProposeMentorship(ann, "max@example.com"))
    before = position()
    for not_invited in (ann, bob):
        for answer in ("accept", "decline"):
            with pytest.raises(NotFoundError):
                app.handle(c.AnswerMentorship(not_invited, proposal.id, answer))
    assert position() == before
    app.handle(c.AnswerMentorship(max_, proposal.id, "accept"))
    link = state_of(app, ann, proposal.id, Mentorship)
    assert (link.is_active, link.mentor_id) == (True, max_)


def test_declined_invitation_gives_no_access(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann, max_ = register("Ann"), register("Max")
    goal = set_goal(ann)
    proposal = app.handle(c.ProposeMentorship(ann, "max@example.com"))
    app.handle(c.AnswerMentorship(max_, proposal.id, "decline"))
    with pytest.raises(NotFoundError):
        app.history(max_, goal.id)
    with pytest.raises(RuleViolationError):
        app.handle(c.AnswerMentorship(max_, proposal.id, "accept"))


@pytest.mark.parametrize("ender", ["mentee", "mentor"])
def test_either_side_ends_and_access_ends_with_it(
    app: MomentumApplication,
    register: Register,
    set_goal: SetGoal,
    mentor: Mentor,
    ender: str,
) -> None:
    ann, max_ = register("Ann"), register("Max")
    goal = set_goal(ann)
    mentorship = mentor(ann, "Max")
    assert app.history(max_, goal.id)
    by = ann if ender == "mentee" else max_
    app.handle(c.AnswerMentorship(by, mentorship, "end", "We are done"))
    with pytest.raises(NotFoundError):
        app.history(max_, goal.id)


def test_stranger_cannot_end_someone_elses_mentorship(
    app: MomentumApplication, register: Register, set_goal: SetGoal, mentor: Mentor
) -> None:
    ann, bob, max_ = register("Ann"), register("Bob"), register("Max")
    goal = set_goal(ann)
    mentorship = mentor(ann, "Max")
    with pytest.raises(NotFoundError):
        app.handle(c.AnswerMentorship(bob, mentorship, "end"))
    assert app.history(max_, goal.id)


def test_nobody_mentors_themselves(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    with pytest.raises(RuleViolationError):
        app.handle(c.ProposeMentorship(ann, "ANN@example.com"))


def test_inviting_the_same_mentor_twice_while_pending_is_a_conflict(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    app.handle(c.ProposeMentorship(ann, "max@example.com"))
    with pytest.raises(ConflictError):
        app.handle(c.ProposeMentorship(ann, "max@example.com"))


def test_ended_mentorship_can_be_proposed_and_accepted_again(
    app: MomentumApplication, register: Register, set_goal: SetGoal, mentor: Mentor
) -> None:
    ann, max_ = register("Ann"), register("Max")
    goal = set_goal(ann)
    mentorship = mentor(ann, "Max")
    app.handle(c.AnswerMentorship(ann, mentorship, "end"))
    again = app.handle(c.ProposeMentorship(ann, "max@example.com", "Once more?"))
    with pytest.raises(NotFoundError):
        app.history(max_, goal.id)  # pending again: no access yet
    app.handle(c.AnswerMentorship(max_, again.id, "accept"))
    assert app.history(max_, goal.id)


def test_accepting_a_suggestion_adds_the_milestone_to_the_goal(
    app: MomentumApplication, register: Register, set_goal: SetGoal, mentor: Mentor
) -> None:
    ann, max_ = register("Ann"), register("Max")
    goal = set_goal(ann)
    mentor(ann, "Max")
    suggestion = _suggest(app, max_, goal.id)
    accepted = app.handle(c.AnswerSuggestion(ann, suggestion.id, accept=True))
    added = app.history(ann, goal.id)[-1]
    assert added.type == "MilestoneAdded"
    assert added.actor_id == ann
    assert added.data["milestone_id"] == accepted.extra["milestone_id"]
    state = goal_as_of(app, max_, goal.id)
    assert [m["title"] for m in state.milestones.values()] == [
        "Ask your lead for a stretch project"
    ]


def test_declining_a_suggestion_leaves_the_goal_unchanged(
    app: MomentumApplication, register: Register, set_goal: SetGoal, mentor: Mentor
) -> None:
    ann, max_ = register("Ann"), register("Max")
    goal = set_goal(ann)
    mentor(ann, "Max")
    suggestion = _suggest(app, max_, goal.id)
    app.handle(c.AnswerSuggestion(ann, suggestion.id, accept=False, reason="Not yet"))
    assert [e.type for e in app.history(ann, goal.id)] == ["GoalSet"]
    assert app.history(max_, suggestion.id)[-1].type == "SuggestionDeclined"


def test_suggestion_is_answered_once(
    app: MomentumApplication, register: Register, set_goal: SetGoal, mentor: Mentor
) -> None:
    ann, max_ = register("Ann"), register("Max")
    goal = set_goal(ann)
    mentor(ann, "Max")
    suggestion = _suggest(app, max_, goal.id)
    app.handle(c.AnswerSuggestion(ann, suggestion.id, accept=True))
    with pytest.raises(ConflictError):
        app.handle(c.AnswerSuggestion(ann, suggestion.id, accept=True))
    assert (
        len([e for e in app.history(ann, goal.id) if e.type == "MilestoneAdded"]) == 1
    )


def test_only_the_mentee_answers_a_suggestion(
    app: MomentumApplication,
    register: Register,
    set_goal: SetGoal,
    mentor: Mentor,
    position: Position,
) -> None:
    ann, bob, max_ = register("Ann"), register("Bob"), register("Max")
    goal = set_goal(ann)
    mentor(ann, "Max")
    suggestion = _suggest(app, max_, goal.id)
    before = position()
    for other in (max_, bob):
        with pytest.raises(NotFoundError):
            app.handle(c.AnswerSuggestion(other, suggestion.id, accept=True))
    assert position() == before


def test_pending_mentor_cannot_suggest(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann, max_ = register("Ann"), register("Max")
    goal = set_goal(ann)
    app.handle(c.ProposeMentorship(ann, "max@example.com"))
    with pytest.raises(NotFoundError):
        _suggest(app, max_, goal.id)


def test_former_mentor_cannot_suggest(
    app: MomentumApplication, register: Register, set_goal: SetGoal, mentor: Mentor
) -> None:
    ann, max_ = register("Ann"), register("Max")
    goal = set_goal(ann)
    mentorship = mentor(ann, "Max")
    _suggest(app, max_, goal.id)
    app.handle(c.AnswerMentorship(max_, mentorship, "end"))
    with pytest.raises(NotFoundError):
        _suggest(app, max_, goal.id)


def test_mentor_cannot_suggest_on_a_private_goal(
    app: MomentumApplication, register: Register, set_goal: SetGoal, mentor: Mentor
) -> None:
    ann, max_ = register("Ann"), register("Max")
    goal = set_goal(ann, "private")
    mentor(ann, "Max")
    with pytest.raises(NotFoundError):
        _suggest(app, max_, goal.id)


def test_group_member_who_sees_a_goal_cannot_suggest(
    app: MomentumApplication, register: Register, set_goal: SetGoal, group_of: GroupOf
) -> None:
    ann, bob = register("Ann"), register("Bob")
    goal = set_goal(ann, "group")
    group_of(ann, bob)
    assert app.history(bob, goal.id)
    with pytest.raises(NotFoundError):
        _suggest(app, bob, goal.id)
