"""Actions: dates in the member's own timezone, links to own open goals, ownership."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.domain.action import Action
from service.errors import NotFoundError, RuleViolationError, ValidationError
from tests.conftest import Register
from tests.unit.service.conftest import goal_as_of, state_of

SetGoal = Callable[..., c.Result]
Position = Callable[[], int | None]
AUCKLAND_MIDNIGHT = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)  # 00:30 on 3 March, NZDT


def _log(app: MomentumApplication, owner: UUID, **fields: Any) -> c.Result:
    return app.handle(
        c.LogAction(owner, "learning", "Read a chapter on negotiation", **fields)
    )


def _logged_on(app: MomentumApplication, owner: UUID, action_id: UUID) -> date:
    logged = app.history(owner, action_id)[0].data["occurred_on"]
    assert isinstance(logged, date)
    return logged


def test_action_defaults_to_today_in_the_members_own_timezone(
    app: MomentumApplication, clock: FixedClock, register: Register
) -> None:
    clock.set(AUCKLAND_MIDNIGHT)
    kiri, ann = register("Kiri", "Pacific/Auckland"), register("Ann")
    assert _logged_on(app, kiri, _log(app, kiri).id) == date(2026, 3, 3)
    assert _logged_on(app, ann, _log(app, ann).id) == date(2026, 3, 2)


def test_tomorrow_in_utc_is_already_today_in_auckland(
    app: MomentumApplication, clock: FixedClock, register: Register
) -> None:
    clock.set(AUCKLAND_MIDNIGHT)
    kiri, ann = register("Kiri", "Pacific/Auckland"), register("Ann")
    _log(app, kiri, occurred_on=date(2026, 3, 3))
    with pytest.raises(ValidationError) as raised:
        _log(app, ann, occurred_on=date(2026, 3, 3))
    assert raised.value.field == "occurred_on"


def test_thirty_days_back_is_counted_from_the_members_today(
    app: MomentumApplication, clock: FixedClock, register: Register
) -> None:
    clock.set(AUCKLAND_MIDNIGHT)
    kiri, ann = register("Kiri", "Pacific/Auckland"), register("Ann")
    _log(app, ann, occurred_on=date(2026, 1, 31))  # 30 days before 2 March
    with pytest.raises(ValidationError) as raised:
        _log(app, kiri, occurred_on=date(2026, 1, 31))  # 31 days before 3 March
    assert raised.value.field == "occurred_on"
    logged = _log(app, kiri, occurred_on=date(2026, 2, 1))
    assert _logged_on(app, kiri, logged.id) == date(2026, 2, 1)


def test_moving_an_action_into_the_future_is_rejected(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    action = _log(app, ann)
    with pytest.raises(ValidationError) as raised:
        app.handle(c.EditAction(ann, action.id, {"occurred_on": date(2026, 3, 3)}))
    assert raised.value.field == "occurred_on"


def test_action_on_another_members_goal_is_rejected_like_a_missing_one(
    app: MomentumApplication, register: Register, set_goal: SetGoal, position: Position
) -> None:
    ann, bob = register("Ann"), register("Bob")
    bobs_goal = set_goal(bob, "group")
    before = position()
    with pytest.raises(ValidationError) as theirs:
        _log(app, ann, goal_id=bobs_goal.id)
    with pytest.raises(ValidationError) as missing:
        _log(app, ann, goal_id=uuid4())
    assert theirs.value.field == missing.value.field == "goal_id"
    assert theirs.value.message == missing.value.message
    assert position() == before


def test_action_cannot_be_moved_onto_another_members_goal(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann, bob = register("Ann"), register("Bob")
    action = _log(app, ann, goal_id=set_goal(ann).id)
    with pytest.raises(ValidationError) as raised:
        app.handle(c.EditAction(ann, action.id, {"goal_id": set_goal(bob).id}))
    assert raised.value.field == "goal_id"


@pytest.mark.parametrize(
    "close", [("achieve", "Gave the talk"), ("abandon", "Not now")]
)
def test_no_new_action_on_a_closed_goal(
    app: MomentumApplication,
    register: Register,
    set_goal: SetGoal,
    close: tuple[str, str],
) -> None:
    ann = register("Ann")
    goal = set_goal(ann)
    app.handle(c.ChangeGoalStatus(ann, goal.id, *close))
    with pytest.raises(RuleViolationError):
        _log(app, ann, goal_id=goal.id)


def test_action_on_a_paused_goal_is_allowed(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    goal = set_goal(ann)
    app.handle(c.ChangeGoalStatus(ann, goal.id, "pause"))
    action = _log(app, ann, goal_id=goal.id)
    assert state_of(app, ann, action.id, Action).goal_id == goal.id
    assert goal_as_of(app, ann, goal.id).status == "paused"  # logging did not resume it


def test_typo_in_an_action_of_an_achieved_goal_can_still_be_fixed(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    goal = set_goal(ann)
    action = _log(app, ann, goal_id=goal.id, notes="Chapter 3, negotiatoin")
    app.handle(c.ChangeGoalStatus(ann, goal.id, "achieve", "Gave the talk"))
    app.handle(c.EditAction(ann, action.id, {"notes": "Chapter 3, negotiation"}))
    assert app.history(ann, action.id)[-1].type == "ActionEdited"


@pytest.mark.parametrize(
    ("goal_visibility", "action_visibility"),
    [("private", "mentors"), ("private", "group"), ("mentors", "group")],
)
def test_action_cannot_be_shown_wider_than_its_goal(
    app: MomentumApplication,
    register: Register,
    set_goal: SetGoal,
    goal_visibility: str,
    action_visibility: str,
) -> None:
    ann = register("Ann")
    goal = set_goal(ann, goal_visibility)
    with pytest.raises(ValidationError) as raised:
        _log(app, ann, goal_id=goal.id, visibility=action_visibility)
    assert raised.value.field == "visibility"
    narrower = _log(app, ann, goal_id=goal.id, visibility=goal_visibility)
    with pytest.raises(ValidationError) as widened:
        app.handle(c.EditAction(ann, narrower.id, {"visibility": action_visibility}))
    assert widened.value.field == "visibility"


def test_action_cannot_be_moved_onto_a_narrower_goal_than_it_is_shown(
    app: MomentumApplication, register: Register, set_goal: SetGoal
) -> None:
    ann = register("Ann")
    action = _log(app, ann, visibility="group")
    with pytest.raises(ValidationError) as raised:
        app.handle(
            c.EditAction(ann, action.id, {"goal_id": set_goal(ann, "private").id})
        )
    assert raised.value.field == "visibility"


EDITS: dict[str, Callable[[UUID, UUID], c.Command]] = {
    "edit": lambda a, x: c.EditAction(a, x, {"title": "Read two chapters"}),
    "retract": lambda a, x: c.RetractAction(a, x, "Logged by mistake"),
}


@pytest.mark.parametrize("change", sorted(EDITS))
def test_only_the_owner_edits_or_retracts_an_action(
    app: MomentumApplication,
    register: Register,
    mentor: Callable[[UUID, str], UUID],
    position: Position,
    change: str,
) -> None:
    ann, bob, max_ = register("Ann"), register("Bob"), register("Max")
    mentor(ann, "Max")
    action = _log(app, ann)
    before = position()
    messages = set()
    for other in (bob, max_):
        with pytest.raises(NotFoundError) as raised:
            app.handle(EDITS[change](other, action.id))
        messages.add(raised.value.message)
    with pytest.raises(NotFoundError) as invented:
        app.handle(EDITS[change](bob, uuid4()))
    assert messages == {invented.value.message}
    assert position() == before
    assert app.handle(EDITS[change](ann, action.id)).version == 2


def test_retracted_action_can_be_neither_edited_nor_retracted_again(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    action = _log(app, ann)
    app.handle(c.RetractAction(ann, action.id, "Duplicate"))
    with pytest.raises(RuleViolationError):
        app.handle(c.EditAction(ann, action.id, {"title": "Read two chapters"}))
    with pytest.raises(RuleViolationError):
        app.handle(c.RetractAction(ann, action.id))


def test_unknown_category_is_rejected(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    with pytest.raises(ValidationError) as raised:
        app.handle(c.LogAction(ann, "napping", "Long nap"))
    assert raised.value.field == "category"
