"""SPEC 9 through feedback and cheers: who may see an item; a 404 for the rest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest

from service import commands as c
from service.application import MomentumApplication
from service.domain.feedback import Cheer
from service.errors import ConflictError, NotFoundError, RuleViolationError
from tests.conftest import Register
from tests.unit.service.conftest import SIGNALS, state_of

SetGoal = Callable[..., c.Result]
Mentor = Callable[[UUID, str], UUID]
GroupOf = Callable[..., UUID]
Position = Callable[[], int | None]


def _feedback(
    app: MomentumApplication, author: UUID, kind: str, item: UUID
) -> c.Result:
    return app.handle(c.GiveFeedback(author, kind, item, "Great step, keep going!"))


def _win(app: MomentumApplication, owner: UUID, **fields: Any) -> UUID:
    return app.handle(
        c.LogAction(
            owner, "visibility", "Spoke at the team all-hands", win=True, **fields
        )
    ).id


def _sees(app: MomentumApplication, viewer: UUID, kind: str, item: UUID) -> bool:
    """True if `viewer` may give feedback on the item (a 404 says it is hidden)."""
    try:
        _feedback(app, viewer, kind, item)
    except NotFoundError:
        return False
    return True


@pytest.mark.parametrize(
    ("visibility", "mentor_sees", "group_sees"),
    [("private", False, False), ("mentors", True, False), ("group", True, True)],
)
def test_goal_is_seen_according_to_its_visibility(
    app: MomentumApplication,
    register: Register,
    set_goal: SetGoal,
    mentor: Mentor,
    group_of: GroupOf,
    visibility: str,
    mentor_sees: bool,
    group_sees: bool,
) -> None:
    ann, max_, bob, eve = (
        register("Ann"),
        register("Max"),
        register("Bob"),
        register("Eve"),
    )
    mentor(ann, "Max")
    group_of(ann, bob)
    goal = set_goal(ann, visibility).id
    assert _sees(app, ann, "goal", goal)
    assert _sees(app, max_, "goal", goal) is mentor_sees
    assert _sees(app, bob, "goal", goal) is group_sees
    assert not _sees(app, eve, "goal", goal)


def test_mentor_cannot_see_private_goal(
    app: MomentumApplication, register: Register, set_goal: SetGoal, mentor: Mentor
) -> None:
    ann, max_ = register("Ann"), register("Max")
    mentor(ann, "Max")
    goal = set_goal(ann, "private").id
    for attempt in (
        lambda: _feedback(app, max_, "goal", goal),
        lambda: app.handle(c.CheerItem(max_, "goal", goal)),
        lambda: app.history(max_, goal),
    ):
        with pytest.raises(NotFoundError):
            attempt()


def test_hidden_item_and_missing_item_are_refused_alike(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann, eve = register("Ann"), register("Eve")
    goal = set_goal(ann, "private").id
    with pytest.raises(NotFoundError) as hidden:
        _feedback(app, eve, "goal", goal)
    with pytest.raises(NotFoundError) as missing:
        _feedback(app, eve, "goal", uuid4())
    assert hidden.value.message == missing.value.message


def test_pending_mentor_sees_nothing(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann, max_ = register("Ann"), register("Max")
    app.handle(c.ProposeMentorship(ann, "max@example.com"))
    assert not _sees(app, max_, "goal", set_goal(ann, "mentors").id)


def test_reviews_are_shown_to_mentors_but_not_the_group_by_default(
    app: MomentumApplication, register: Register, mentor: Mentor, group_of: GroupOf
) -> None:
    ann, max_, bob = register("Ann"), register("Max"), register("Bob")
    mentor(ann, "Max")
    group_of(ann, bob)
    review = app.handle(c.RecordReview(ann, SIGNALS)).id
    assert _sees(app, max_, "review", review)
    assert not _sees(app, bob, "review", review)


def test_action_takes_its_goals_visibility_unless_set_narrower(
    app: MomentumApplication, register: Register, set_goal: SetGoal, group_of: GroupOf
) -> None:
    ann, bob = register("Ann"), register("Bob")
    group_of(ann, bob)
    goal = set_goal(ann, "group").id
    assert _sees(app, bob, "action", _win(app, ann, goal_id=goal))
    assert not _sees(
        app, bob, "action", _win(app, ann, goal_id=goal, visibility="mentors")
    )


def test_action_without_goal_is_shown_to_mentors_by_default(
    app: MomentumApplication, register: Register, mentor: Mentor, group_of: GroupOf
) -> None:
    ann, max_, bob = register("Ann"), register("Max"), register("Bob")
    mentor(ann, "Max")
    group_of(ann, bob)
    win = _win(app, ann)
    assert _sees(app, max_, "action", win)
    assert not _sees(app, bob, "action", win)


def test_win_without_goal_shared_with_the_group_can_be_cheered_by_the_group(
    app: MomentumApplication, register: Register, group_of: GroupOf
) -> None:
    ann, bob = register("Ann"), register("Bob")
    group_of(ann, bob)
    win = _win(app, ann, visibility="group")
    cheered = app.handle(c.CheerItem(bob, "action", win))
    cheer = state_of(app, ann, cheered.id, Cheer)  # Ann sees Bob's cheer on her win
    assert (cheer.author_id, cheer.target_kind, cheer.target_id) == (bob, "action", win)
    with pytest.raises(ConflictError):
        app.handle(c.CheerItem(bob, "action", win))  # once per author per item


def test_making_a_goal_private_hides_its_actions_from_the_mentor(
    app: MomentumApplication, register: Register, set_goal: SetGoal, mentor: Mentor
) -> None:
    ann, max_ = register("Ann"), register("Max")
    mentor(ann, "Max")
    goal = set_goal(ann, "mentors").id
    win = _win(app, ann, goal_id=goal)
    assert _sees(app, max_, "action", win)
    app.handle(c.ReviseGoal(ann, goal, {"visibility": "private"}, "Too personal"))
    assert not _sees(app, max_, "action", win)


def test_access_ends_when_the_mentorship_ends(
    app: MomentumApplication, register: Register, set_goal: SetGoal, mentor: Mentor
) -> None:
    ann, max_ = register("Ann"), register("Max")
    mentorship = mentor(ann, "Max")
    goal = set_goal(ann).id
    feedback = _feedback(app, max_, "goal", goal).id
    app.handle(c.AnswerMentorship(ann, mentorship, "end"))
    assert not _sees(app, max_, "goal", goal)
    with pytest.raises(NotFoundError):
        app.history(max_, feedback)  # feedback is visible to whoever sees the item


@pytest.mark.parametrize("who_leaves", ["viewer", "owner"])
def test_access_ends_when_a_member_leaves_the_group(
    app: MomentumApplication,
    register: Register,
    set_goal: SetGoal,
    group_of: GroupOf,
    who_leaves: str,
) -> None:
    fay, ann, bob = register("Fay"), register("Ann"), register("Bob")
    group = group_of(fay, ann, bob)
    goal = set_goal(ann, "group").id
    assert _sees(app, bob, "goal", goal)
    app.handle(c.LeaveGroup(bob if who_leaves == "viewer" else ann, group))
    with pytest.raises(NotFoundError):
        app.handle(c.CheerItem(bob, "goal", goal))


def test_leaving_one_of_two_shared_groups_keeps_access_through_the_other(
    app: MomentumApplication, register: Register, set_goal: SetGoal, group_of: GroupOf
) -> None:
    ann, bob = register("Ann"), register("Bob")
    first, _ = group_of(ann, bob), group_of(ann, bob)
    goal = set_goal(ann, "group").id
    app.handle(c.LeaveGroup(bob, first))
    assert _sees(app, bob, "goal", goal)


def test_access_ends_when_a_facilitator_removes_the_member(
    app: MomentumApplication, register: Register, set_goal: SetGoal, group_of: GroupOf
) -> None:
    fay, ann, bob = register("Fay"), register("Ann"), register("Bob")
    group = group_of(fay, ann, bob)
    goal = set_goal(ann, "group").id
    app.handle(c.RemoveFromGroup(fay, group, bob))
    assert not _sees(app, bob, "goal", goal)


def test_nobody_cheers_their_own_item(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    ann = register("Ann")
    win = _win(app, ann)
    before = position()
    with pytest.raises(RuleViolationError):
        app.handle(c.CheerItem(ann, "action", win))
    assert position() == before


def test_cheering_the_same_item_twice_is_a_conflict(
    app: MomentumApplication, register: Register, mentor: Mentor, position: Position
) -> None:
    ann, max_ = register("Ann"), register("Max")
    mentor(ann, "Max")
    win = _win(app, ann)
    cheer = app.handle(c.CheerItem(max_, "action", win))
    assert app.history(ann, cheer.id)[0].type == "Cheered"
    before = position()
    with pytest.raises(ConflictError):
        app.handle(c.CheerItem(max_, "action", win))
    assert position() == before


def test_only_the_author_withdraws_feedback(
    app: MomentumApplication,
    register: Register,
    set_goal: SetGoal,
    mentor: Mentor,
    position: Position,
) -> None:
    ann, max_, mia = register("Ann"), register("Max"), register("Mia")
    mentor(ann, "Max")
    mentor(ann, "Mia")
    feedback = _feedback(app, max_, "goal", set_goal(ann).id).id
    before = position()
    for other in (ann, mia):
        with pytest.raises(NotFoundError):
            app.handle(c.WithdrawFeedback(other, feedback))
    assert position() == before
    app.handle(c.WithdrawFeedback(max_, feedback))
    assert app.history(ann, feedback)[-1].type == "FeedbackWithdrawn"
    with pytest.raises(RuleViolationError):
        app.handle(c.WithdrawFeedback(max_, feedback))


def test_feedback_on_an_unknown_kind_of_item_is_not_found(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    with pytest.raises(NotFoundError):
        _feedback(app, ann, "member", set_goal(ann).id)
