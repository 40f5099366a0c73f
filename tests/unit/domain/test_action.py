"""Action: dates, categories, minutes, evidence links, edits and retraction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from service.domain.action import CATEGORIES, Action
from service.errors import InvalidFieldsError, RuleViolationError, ValidationError

from .helpers import TODAY, new_action, recorded, records_nothing

OWNER = uuid4()


def rejected_field(**overrides: object) -> InvalidFieldsError:
    """The error raised when logging an action with `overrides`."""
    with pytest.raises(InvalidFieldsError) as excinfo:
        new_action(OWNER, **overrides)
    return excinfo.value


def test_action_is_logged_for_today_by_default() -> None:
    action = new_action(OWNER, notes=" felt good ")
    assert action.owner_id == OWNER
    assert action.occurred_on == TODAY
    assert (action.notes, action.win, action.retracted) == ("felt good", False, False)
    assert (action.goal_id, action.minutes, action.evidence_url, action.visibility) == (
        None,
        None,
        None,
        None,
    )
    assert recorded(action) == ["ActionLogged"]


@pytest.mark.parametrize("days_back", [0, 1, 30])
def test_action_can_be_logged_up_to_30_days_back(days_back: int) -> None:
    day = TODAY - timedelta(days=days_back)
    assert new_action(OWNER, occurred_on=day).occurred_on == day


@pytest.mark.parametrize(
    ("day", "fragment"),
    [
        (TODAY - timedelta(days=31), "at most 30 days"),
        (TODAY - timedelta(days=365), "at most 30 days"),
        (TODAY + timedelta(days=1), "future date"),
        ("2026-03-01", "must be a date"),
    ],
)
def test_action_date_outside_the_window_is_rejected(day: object, fragment: str) -> None:
    error = rejected_field(occurred_on=day)
    assert fragment in error.errors["occurred_on"]


def test_action_date_given_as_a_datetime_is_a_validation_error_not_a_crash() -> None:
    with pytest.raises(ValidationError) as excinfo:
        new_action(OWNER, occurred_on=datetime(2026, 3, 1, 12, tzinfo=UTC))
    assert excinfo.value.field == "occurred_on"


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_spec_category_is_accepted(category: str) -> None:
    assert new_action(OWNER, category=category).category == category


@pytest.mark.parametrize("category", ["hobby", "Learning", ""])
def test_unknown_category_is_rejected(category: str) -> None:
    assert (
        "one of: learning, networking"
        in rejected_field(category=category).errors["category"]
    )


@pytest.mark.parametrize("minutes", [None, 1, 45, 1440])
def test_minutes_within_a_day_are_accepted(minutes: int | None) -> None:
    assert new_action(OWNER, minutes=minutes).minutes == minutes


@pytest.mark.parametrize("minutes", [0, -5, 1441, 2.5, "30", True])
def test_minutes_outside_1_to_1440_are_rejected(minutes: object) -> None:
    assert "from 1 to 1440" in rejected_field(minutes=minutes).errors["minutes"]


@pytest.mark.parametrize(
    "url",
    ["https://example.com/cert.pdf", "http://localhost:8080/x", "https://a.b/c?d=e"],
)
def test_http_and_https_evidence_links_are_accepted(url: str) -> None:
    assert new_action(OWNER, evidence_url=url).evidence_url == url


def test_blank_evidence_link_means_no_link() -> None:
    assert new_action(OWNER, evidence_url="  ").evidence_url is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/cert.pdf",
        "javascript:alert(1)",
        "example.com/cert.pdf",
        "https://",
        "file:///etc/passwd",
        "https://user:pw@example.com/",
    ],
)
def test_evidence_link_that_is_not_a_web_address_is_rejected(url: str) -> None:
    assert "web address" in rejected_field(evidence_url=url).errors["evidence_url"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"win": "yes"}, "win"),
        ({"visibility": "public"}, "visibility"),
        ({"goal_id": "not-an-id"}, "goal_id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_other_bad_fields_are_named(overrides: dict[str, object], field: str) -> None:
    assert field in rejected_field(**overrides).errors


def test_missing_category_and_title_are_both_reported() -> None:
    with pytest.raises(InvalidFieldsError) as excinfo:
        Action.log(OWNER, TODAY)
    assert set(excinfo.value.errors) == {"category", "title"}


def test_several_bad_fields_are_reported_together() -> None:
    error = rejected_field(
        category="hobby",
        minutes=0,
        occurred_on=TODAY + timedelta(days=2),
        evidence_url="ftp://x.y",
    )
    assert set(error.errors) == {"category", "minutes", "occurred_on", "evidence_url"}


def test_win_and_goal_are_kept() -> None:
    goal_id = uuid4()
    action = new_action(OWNER, win=True, goal_id=goal_id, visibility="private")
    assert (action.win, action.goal_id, action.visibility) == (True, goal_id, "private")


# Edits and retraction ------------------------------------------------------------


def test_edit_records_only_the_changed_fields() -> None:
    action = new_action(OWNER)
    action.collect_events()
    action.edit(
        {"title": "Read a chapter on SQL", "minutes": 30, "win": True}, TODAY, OWNER
    )
    (event,) = action.collect_events()
    assert type(event).__name__ == "ActionEdited"
    assert event.changes == {"minutes": 30, "win": True}
    assert (action.minutes, action.win) == (30, True)


def test_edit_that_changes_nothing_is_rejected() -> None:
    action = new_action(OWNER)
    with (
        records_nothing(action),
        pytest.raises(ValidationError, match="Nothing changed"),
    ):
        action.edit({"title": "Read a chapter on SQL"}, TODAY, OWNER)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"occurred_on": TODAY - timedelta(days=31)}, "occurred_on"),
        ({"occurred_on": TODAY + timedelta(days=1)}, "occurred_on"),
        ({"minutes": 0}, "minutes"),
        ({"retracted": True}, "retracted"),
    ],
)
def test_edit_applies_the_same_rules_as_logging(
    changes: dict[str, object], field: str
) -> None:
    action = new_action(OWNER)
    with records_nothing(action), pytest.raises(InvalidFieldsError) as excinfo:
        action.edit(changes, TODAY, OWNER)
    assert field in excinfo.value.errors


def test_edited_date_is_checked_against_the_day_of_the_edit() -> None:
    action = new_action(OWNER)
    later = TODAY + timedelta(days=5)
    action.edit({"occurred_on": later}, later, OWNER)
    assert action.occurred_on == later


def test_retracted_action_is_kept_but_marked() -> None:
    action = new_action(OWNER)
    action.collect_events()
    action.retract("Logged it twice.", OWNER)
    (event,) = action.collect_events()
    assert type(event).__name__ == "ActionRetracted"
    assert event.reason == "Logged it twice."
    assert action.retracted is True
    assert action.title == "Read a chapter on SQL"


def test_retracted_action_cannot_be_edited() -> None:
    action = new_action(OWNER)
    action.retract("", OWNER)
    with records_nothing(action), pytest.raises(RuleViolationError, match="retracted"):
        action.edit({"minutes": 20}, TODAY, OWNER)


def test_action_cannot_be_retracted_twice() -> None:
    action = new_action(OWNER)
    action.retract("Mistake.", OWNER)
    with (
        records_nothing(action),
        pytest.raises(RuleViolationError, match="already retracted"),
    ):
        action.retract("Again.", OWNER)
