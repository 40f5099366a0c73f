"""Goal: milestones, metric progress, status transitions and progress % (SPEC 5)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from service.errors import RuleViolationError, ValidationError

from .helpers import TODAY, closed_goal, metric, new_goal, recorded, records_nothing

OWNER = uuid4()


# Milestones ----------------------------------------------------------------------


def test_milestone_is_added_completed_and_reopened() -> None:
    goal = new_goal(OWNER)
    mid = uuid4()
    goal.add_milestone(
        mid, "Write the abstract", TODAY + timedelta(days=7), OWNER, set_on=TODAY
    )
    assert goal.milestones[str(mid)]["completed"] is False
    goal.complete_milestone(mid, OWNER)
    assert goal.milestones[str(mid)]["completed"] is True
    goal.reopen_milestone(mid, OWNER)
    assert goal.milestones[str(mid)]["completed"] is False
    assert recorded(goal)[1:] == [
        "MilestoneAdded",
        "MilestoneCompleted",
        "MilestoneReopened",
    ]


@pytest.mark.parametrize(
    ("completions", "command", "fragment"),
    [
        (1, "complete_milestone", "already completed"),
        (0, "reopen_milestone", "not completed"),
    ],
)
def test_milestone_is_not_completed_twice_nor_reopened_while_open(
    completions: int, command: str, fragment: str
) -> None:
    goal = new_goal(OWNER)
    mid = uuid4()
    goal.add_milestone(mid, "Write the abstract", None, OWNER, set_on=TODAY)
    for _ in range(completions):
        goal.complete_milestone(mid, OWNER)
    with records_nothing(goal), pytest.raises(RuleViolationError, match=fragment):
        getattr(goal, command)(mid, OWNER)
    assert goal.milestones[str(mid)]["completed"] is bool(completions)


@pytest.mark.parametrize("command", ["complete_milestone", "reopen_milestone"])
def test_unknown_milestone_is_rejected(command: str) -> None:
    goal = new_goal(OWNER)
    with (
        records_nothing(goal),
        pytest.raises(ValidationError, match="no such milestone") as e,
    ):
        getattr(goal, command)(uuid4(), OWNER)
    assert e.value.field == "milestone_id"


@pytest.mark.parametrize(
    ("title", "due_on", "field"),
    [("", None, "title"), ("Write the abstract", "next week", "due_on")],
)
def test_milestone_needs_a_title_and_a_real_date(
    title: str, due_on: object, field: str
) -> None:
    goal = new_goal(OWNER)
    with records_nothing(goal), pytest.raises(ValidationError) as excinfo:
        goal.add_milestone(uuid4(), title, due_on, OWNER, set_on=TODAY)  # type: ignore[arg-type]
    assert excinfo.value.field == field


@pytest.mark.parametrize("how", ["achieved", "abandoned"])
def test_closed_goal_takes_no_milestone_changes(how: str) -> None:
    mid = uuid4()
    goal = closed_goal(OWNER, how, mid)
    with records_nothing(goal):
        for attempt in (
            lambda: goal.add_milestone(
                uuid4(), "Another step", None, OWNER, set_on=TODAY
            ),
            lambda: goal.complete_milestone(mid, OWNER),
        ):
            with pytest.raises(RuleViolationError, match=how):
                attempt()


# Progress and status -------------------------------------------------------------


def test_progress_is_recorded_on_a_goal_with_a_metric() -> None:
    goal = new_goal(OWNER, metric=metric())
    goal.collect_events()
    goal.record_progress(4, "Two talks booked", OWNER)
    (event,) = goal.collect_events()
    assert (event.value, event.note, goal.current_value) == (
        4.0,
        "Two talks booked",
        4.0,
    )


def test_progress_needs_a_metric() -> None:
    goal = new_goal(OWNER)
    with records_nothing(goal), pytest.raises(RuleViolationError, match="no metric"):
        goal.record_progress(3, "", OWNER)


def test_no_progress_can_be_logged_on_an_abandoned_goal() -> None:
    goal = closed_goal(OWNER, "abandoned", metric=metric())
    with records_nothing(goal), pytest.raises(RuleViolationError, match="abandoned"):
        goal.record_progress(3, "", OWNER)


def test_progress_value_must_be_a_number() -> None:
    goal = new_goal(OWNER, metric=metric())
    with records_nothing(goal), pytest.raises(ValidationError) as excinfo:
        goal.record_progress("three", "", OWNER)  # type: ignore[arg-type]
    assert excinfo.value.field == "value"


def test_goal_is_paused_resumed_achieved_and_abandoned() -> None:
    goal = new_goal(OWNER)
    goal.pause("Busy with a release.", OWNER)
    assert goal.status == "paused"
    goal.resume(OWNER)
    assert goal.status == "active"
    goal.achieve("It went well.", OWNER)
    assert (goal.status, goal.closing_note, goal.is_closed) == (
        "achieved",
        "It went well.",
        True,
    )
    other = new_goal(OWNER)
    other.abandon("Priorities changed.", OWNER)
    assert (other.status, other.closing_note) == ("abandoned", "Priorities changed.")


@pytest.mark.parametrize(
    ("setup", "command", "fragment"),
    [
        ([], "resume", "Only a paused goal"),
        (["pause"], "pause", "Only an active goal"),
        (["achieve"], "pause", "Only an active goal"),
        (["abandon"], "resume", "Only a paused goal"),
        (["achieve"], "achieve", "is achieved"),
        (["abandon"], "achieve", "is abandoned"),
        (["achieve"], "abandon", "is achieved"),
        (["abandon"], "abandon", "is abandoned"),
    ],
)
def test_illegal_status_transition_is_rejected(
    setup: list[str], command: str, fragment: str
) -> None:
    goal = new_goal(OWNER)
    args = {
        "pause": ("Busy.",),
        "resume": (),
        "achieve": ("Done.",),
        "abandon": ("Dropped.",),
    }
    for step in setup:
        getattr(goal, step)(*args[step], OWNER)
    with records_nothing(goal), pytest.raises(RuleViolationError, match=fragment):
        getattr(goal, command)(*args[command], OWNER)


def test_abandoning_needs_a_reason() -> None:
    goal = new_goal(OWNER)
    with (
        records_nothing(goal),
        pytest.raises(ValidationError, match="Reason") as excinfo,
    ):
        goal.abandon(" ", OWNER)
    assert excinfo.value.field == "reason"
    assert goal.status == "active"


@pytest.mark.parametrize(
    ("baseline", "target", "value", "expected"),
    [(0, 10, 4, 40.0), (0, 10, 15, 100.0), (0, 10, -3, 0.0), (80, 70, 75, 50.0)],
)
def test_progress_percent_follows_the_metric_clamped_to_0_100(
    baseline: float, target: float, value: float, expected: float
) -> None:
    goal = new_goal(OWNER, metric=metric(baseline, target))
    goal.record_progress(value, "", OWNER)
    assert goal.progress_percent() == pytest.approx(expected)


def test_progress_percent_without_metric_is_the_share_of_completed_milestones() -> None:
    goal = new_goal(OWNER)
    ids = [uuid4() for _ in range(4)]
    for i, mid in enumerate(ids):
        goal.add_milestone(mid, f"Step number {i}", None, OWNER, set_on=TODAY)
    goal.complete_milestone(ids[0], OWNER)
    assert goal.progress_percent() == 25.0


def test_metric_wins_over_milestones_for_progress() -> None:
    goal = new_goal(OWNER, metric=metric(0, 4))
    mid = uuid4()
    goal.add_milestone(mid, "Step one", None, OWNER, set_on=TODAY)
    goal.complete_milestone(mid, OWNER)
    goal.record_progress(1, "", OWNER)
    assert goal.progress_percent() == 25.0


@pytest.mark.parametrize("with_metric", [False, True])
def test_progress_percent_is_zero_until_achieved_then_100(with_metric: bool) -> None:
    goal = new_goal(OWNER, metric=metric() if with_metric else None)
    assert goal.progress_percent() == 0.0
    goal.achieve("Done sooner than planned.", OWNER)
    assert goal.progress_percent() == 100.0


def test_a_milestone_cannot_be_due_before_the_goal_was_set() -> None:
    goal = new_goal(OWNER)
    with records_nothing(goal), pytest.raises(ValidationError) as early:
        goal.add_milestone(
            uuid4(), "Step one", TODAY - timedelta(days=1), OWNER, set_on=TODAY
        )
    assert early.value.field == "due_on"
    assert TODAY.isoformat() in early.value.message
    # due on the very day the goal was set is fine
    goal.add_milestone(uuid4(), "Step one", TODAY, OWNER, set_on=TODAY)


def test_old_milestones_due_before_their_goal_still_apply() -> None:
    # events are forever: a MilestoneAdded recorded before the rule still replays
    goal = new_goal(OWNER)
    mid = uuid4()
    early = TODAY - timedelta(days=40)
    goal._milestone_added(
        milestone_id=mid, title="Old step", due_on=early, actor_id=OWNER
    )
    replayed = None
    for stored in goal.collect_events():
        replayed = stored.mutate(replayed)
    assert replayed is not None
    assert replayed.milestones[str(mid)]["due_on"] == early
