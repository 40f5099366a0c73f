"""Goal: SMART validation, revisions, milestones, progress and status transitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from service.domain.goal import Goal
from service.errors import InvalidFieldsError, RuleViolationError, ValidationError

from .helpers import (
    TODAY,
    closed_goal,
    goal_fields,
    metric,
    new_goal,
    recorded,
    records_nothing,
)

OWNER = uuid4()


def test_new_goal_is_active_and_keeps_its_fields() -> None:
    goal = new_goal(OWNER, metric=metric(baseline=2, target=5), description=" Talk ")
    assert (goal.owner_id, goal.status, goal.horizon) == (OWNER, "active", "short")
    assert goal.description == "Talk"
    assert goal.visibility == "mentors"
    assert goal.current_value == 2
    assert recorded(goal) == ["GoalSet"]


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"title": "Get promoted"}, "title", "at least 3 words"),
        ({"title": "   "}, "title", "Title is required"),
        ({"title": "word " * 40}, "title", "at most 150"),
        ({"horizon": "medium"}, "horizon", "one of: short, long"),
        ({"why": ""}, "why", "is required"),
        ({"why": "  \n "}, "why", "is required"),
        ({"due_on": TODAY}, "due_on", "new goal needs a due date in the future"),
        ({"due_on": TODAY - timedelta(days=1)}, "due_on", "in the future"),
        ({"due_on": "2026-06-01"}, "due_on", "must be a date"),
        ({"visibility": "public"}, "visibility", "one of: private, mentors, group"),
        (
            {"metric": metric(baseline=4, target=4)},
            "metric.target",
            "differ from the baseline",
        ),
        ({"metric": metric(baseline="none")}, "metric.baseline", "must be a number"),
        ({"metric": metric(target=True)}, "metric.target", "must be a number"),
        ({"metric": {**metric(), "name": ""}}, "metric.name", "is required"),
        ({"metric": "ten talks"}, "metric", "name, unit, baseline and target"),
        ({"status": "achieved"}, "status", "Unknown field"),
    ],
)
def test_goal_that_is_not_smart_is_rejected_with_the_field_named(
    overrides: dict[str, object], field: str, fragment: str
) -> None:
    with pytest.raises(InvalidFieldsError) as excinfo:
        Goal.set(OWNER, TODAY, **goal_fields(**overrides))
    assert fragment in excinfo.value.errors[field]
    assert excinfo.value.field == field


def test_every_missing_required_field_is_reported() -> None:
    with pytest.raises(InvalidFieldsError) as excinfo:
        Goal.set(OWNER, TODAY, horizon="long")
    assert set(excinfo.value.errors) == {"title", "why", "due_on"}


def test_several_bad_fields_are_reported_together() -> None:
    with pytest.raises(InvalidFieldsError) as excinfo:
        Goal.set(
            OWNER,
            TODAY,
            **goal_fields(
                title="Promotion",
                horizon="forever",
                due_on=TODAY,
                metric=metric(baseline=1, target=1),
            ),
        )
    assert set(excinfo.value.errors) == {"title", "horizon", "due_on", "metric.target"}


def test_a_missing_field_and_a_bad_field_are_reported_together() -> None:
    fields = goal_fields(title="Promotion")
    del fields["due_on"]
    with pytest.raises(InvalidFieldsError) as excinfo:
        Goal.set(OWNER, TODAY, **fields)
    assert set(excinfo.value.errors) == {"title", "due_on"}


def test_due_date_given_as_a_datetime_is_a_validation_error_not_a_crash() -> None:
    with pytest.raises(ValidationError) as excinfo:
        Goal.set(OWNER, TODAY, **goal_fields(due_on=datetime(2026, 6, 1, tzinfo=UTC)))
    assert excinfo.value.field == "due_on"


# Revisions -----------------------------------------------------------------------


def test_revision_changes_only_what_differs_and_keeps_the_old_values_in_history() -> (
    None
):
    goal = new_goal(OWNER)
    goal.revise(
        {"title": "Give two talks at meetups", "horizon": "short"},
        "One talk felt too easy.",
        TODAY,
        OWNER,
    )
    set_event, revised = goal.collect_events()
    assert goal.title == "Give two talks at meetups"
    assert set_event.title == "Give a talk at a meetup"
    assert revised.changes == {"title": "Give two talks at meetups"}
    assert revised.reason == "One talk felt too easy."


@pytest.mark.parametrize(
    ("changes", "reason", "field", "fragment"),
    [
        (
            {"title": "Give two talks at meetups"},
            "  ",
            "reason",
            "Reason for the revision",
        ),
        ({}, "Because.", "changes", "at least one field"),
        (
            {"title": "Give a talk at a meetup"},
            "Because.",
            "changes",
            "Nothing changed",
        ),
    ],
)
def test_revision_without_reason_or_change_is_rejected(
    changes: dict[str, object], reason: str, field: str, fragment: str
) -> None:
    goal = new_goal(OWNER)
    with (
        records_nothing(goal),
        pytest.raises(ValidationError, match=fragment) as excinfo,
    ):
        goal.revise(changes, reason, TODAY, OWNER)
    assert excinfo.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"due_on": TODAY}, "due_on"),
        ({"title": "Promotion"}, "title"),
        ({"owner_id": uuid4()}, "owner_id"),
    ],
)
def test_revision_applies_the_same_rules_as_setting(
    changes: dict[str, object], field: str
) -> None:
    goal = new_goal(OWNER)
    with records_nothing(goal), pytest.raises(InvalidFieldsError) as excinfo:
        goal.revise(changes, "Because.", TODAY, OWNER)
    assert field in excinfo.value.errors


@pytest.mark.parametrize("how", ["achieved", "abandoned"])
def test_goal_cannot_be_revised_once_closed(how: str) -> None:
    goal = closed_goal(OWNER, how)
    with records_nothing(goal), pytest.raises(RuleViolationError, match=f"is {how}"):
        goal.revise({"horizon": "long"}, "Because.", TODAY, OWNER)


def test_adding_a_metric_by_revision_starts_progress_at_its_baseline() -> None:
    goal = new_goal(OWNER)
    goal.revise(
        {"metric": metric(baseline=1, target=3)}, "Make it measurable.", TODAY, OWNER
    )
    assert goal.current_value == 1
    goal.record_progress(2, "First talk done", OWNER)
    assert goal.progress_percent() == 50
