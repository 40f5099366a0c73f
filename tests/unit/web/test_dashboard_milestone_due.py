"""The dashboard's next milestones: a date before the goal was set is not overdue."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from web.pages.dashboard_view import _milestone_due

SET_ON = date(2026, 3, 2)


def _due(due_on: date | None, today: date) -> str:
    card: Any = SimpleNamespace(set_on=SET_ON, today=today)
    milestone: Any = SimpleNamespace(due_on=due_on)
    return str(_milestone_due(card, milestone))


def test_a_milestone_dated_before_its_goal_was_set_is_not_called_overdue() -> None:
    # an event recorded before the rule: due 40 days before the goal was set
    assert _due(date(2026, 1, 21), SET_ON) == "dated before the goal was set"


def test_other_milestones_say_when_they_are_due() -> None:
    assert _due(SET_ON, SET_ON) == "due today"
    assert _due(date(2026, 3, 5), SET_ON) == "due in 3 days"
    assert _due(SET_ON, date(2026, 3, 4)) == "overdue by 2 days"
    assert _due(None, SET_ON) == "no date set"
