"""The domain's input limits (issue 11), from `service.domain.base`: every date a
member gives lies from 1 January 1900 to five years after today, every number is
finite and within ±1e12; anything else is a ValidationError naming the field, and
the aggregate records nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import uuid4

import pytest

from service.clock import FixedClock, using
from service.domain.base import latest_day, require_number
from service.domain.feedback import Suggestion
from service.errors import InvalidFieldsError, ValidationError

from .helpers import NOW, TODAY, new_goal, new_member, records_nothing

LAST_DAY = date(2031, 3, 2)  # five years after TODAY (2026-03-02)
AFTER = date(2031, 3, 3)
BEFORE = date(1899, 12, 31)


@pytest.fixture(autouse=True)
def clock_in_force() -> Iterator[None]:
    """Commands run under the application's clock: here, TODAY."""
    with using(FixedClock(NOW)):
        yield


def test_the_last_day_is_five_years_on_and_29_february_has_one() -> None:
    assert latest_day(TODAY) == LAST_DAY
    assert latest_day() == LAST_DAY  # the clock in force
    assert latest_day(date(2028, 2, 29)) == date(2033, 2, 28)


def test_away_periods_outside_the_window_are_refused_those_on_its_edges_kept() -> None:
    member = new_member()
    refused = [
        (date(9999, 12, 31), date(9999, 12, 31), "starts_on"),
        (AFTER, AFTER, "starts_on"),
        (LAST_DAY, AFTER, "ends_on"),
        (BEFORE, date(1900, 1, 2), "starts_on"),
        (date.min, date.min, "starts_on"),
    ]
    for starts, ends, field in refused:
        with records_nothing(member), pytest.raises(ValidationError) as error:
            member.set_away_period(uuid4(), starts, ends, "holiday", member.id)
        assert error.value.field == field, (starts, ends)
    for day in (date(1900, 1, 1), LAST_DAY):
        member.set_away_period(uuid4(), day, day, "holiday", member.id)
    assert member.is_away_on(date(1900, 1, 1)) and member.is_away_on(LAST_DAY)


def test_goal_and_milestone_due_dates_stay_within_five_years() -> None:
    with pytest.raises(InvalidFieldsError) as refused:
        new_goal(due_on=AFTER)
    assert "due_on" in refused.value.errors
    goal = new_goal(due_on=LAST_DAY)
    for day in (AFTER, BEFORE, date.max):
        with records_nothing(goal), pytest.raises(ValidationError) as bad:
            goal.add_milestone(uuid4(), "A step", day, goal.owner_id, set_on=TODAY)
        assert bad.value.field == "due_on"
    goal.add_milestone(uuid4(), "A step", LAST_DAY, goal.owner_id, set_on=TODAY)
    with records_nothing(goal), pytest.raises(InvalidFieldsError) as revised:
        goal.revise({"due_on": AFTER}, "later", TODAY, goal.owner_id)
    assert "due_on" in revised.value.errors


def test_suggestion_due_dates_stay_within_five_years() -> None:
    mentor, mentee, goal = uuid4(), uuid4(), uuid4()
    with pytest.raises(ValidationError) as refused:
        Suggestion.make(mentor, mentee, goal, "milestone", "A step", "", AFTER)
    assert refused.value.field == "due_on"
    made = Suggestion.make(mentor, mentee, goal, "milestone", "A step", "", LAST_DAY)
    assert made.due_on == LAST_DAY


@pytest.mark.parametrize(
    ("metric", "field"),
    [
        ({"baseline": -1e308, "target": 1e308}, "metric.baseline"),
        ({"baseline": 0, "target": 1e12 + 1}, "metric.target"),
        ({"baseline": -(10**400), "target": 0}, "metric.baseline"),
    ],
)
def test_metric_ends_beyond_a_trillion_are_refused(
    metric: dict[str, float], field: str
) -> None:
    with pytest.raises(InvalidFieldsError) as refused:
        new_goal(metric={"name": "m", "unit": ""} | metric)
    assert field in refused.value.errors


def test_progress_beyond_a_trillion_is_refused_and_the_edges_accepted() -> None:
    goal = new_goal(metric={"name": "m", "unit": "", "baseline": 0, "target": 1})
    for value in (1e12 + 1, -2e12, 10**400):
        with records_nothing(goal), pytest.raises(ValidationError) as refused:
            goal.record_progress(value, "", goal.owner_id)
        assert refused.value.field == "value"
    for value in (1e12, -1e12, 5e-324):
        goal.record_progress(value, "", goal.owner_id)
    assert goal.current_value == 5e-324
    assert require_number(10**12, "n", "N") == 1e12
