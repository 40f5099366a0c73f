"""Member: registration, target, preferences, away periods, roles and erasure."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest

from service.domain.member import DEFAULT_PREFERENCES, Member
from service.errors import ConflictError, RuleViolationError, ValidationError

from .helpers import new_member, recorded, records_nothing

MAY_1 = date(2026, 5, 1)


def test_registration_normalises_the_email_and_sets_defaults() -> None:
    member = new_member(email="  Ada.Lovelace@Example.COM ")
    assert member.email == "ada.lovelace@example.com"
    assert member.timezone == "Europe/Paris"
    assert member.weekly_target == 3
    assert member.preferences == DEFAULT_PREFERENCES
    assert (member.roles, member.away_periods, member.erased) == (set(), {}, False)
    (event,) = member.collect_events()
    assert type(event).__name__ == "Registered"
    assert event.actor_id == member.id


@pytest.mark.parametrize(
    "email",
    [
        "",
        "ada",
        "ada@example",
        "@example.com",
        "ada@@example.com",
        "ada lovelace@example.com",
        "ada@exa mple.com",
        "a" * 250 + "@example.com",
    ],
)
def test_invalid_email_is_rejected(email: str) -> None:
    with pytest.raises(ValidationError, match="valid email") as excinfo:
        new_member(email=email)
    assert excinfo.value.field == "email"


@pytest.mark.parametrize(
    "timezone", ["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires"]
)
def test_iana_timezones_are_accepted(timezone: str) -> None:
    assert new_member(timezone=timezone).timezone == timezone


@pytest.mark.parametrize(
    "timezone", ["", "Mars/Olympus_Mons", "europe/paris", "+02:00", "GMT+2"]
)
def test_unknown_timezone_is_rejected(timezone: str) -> None:
    with pytest.raises(ValidationError, match="IANA name") as excinfo:
        new_member(timezone=timezone)
    assert excinfo.value.field == "timezone"


def test_display_name_is_required() -> None:
    with pytest.raises(ValidationError, match="Display name is required") as excinfo:
        Member.register(uuid4(), "ada@example.com", "  ", "UTC", "hash")
    assert excinfo.value.field == "display_name"


def test_profile_update_checks_the_timezone() -> None:
    member = new_member()
    member.update_profile("Ada L.", "Asia/Tokyo", "Data engineer", member.id)
    assert (member.display_name, member.timezone, member.headline) == (
        "Ada L.",
        "Asia/Tokyo",
        "Data engineer",
    )
    with records_nothing(member), pytest.raises(ValidationError, match="IANA"):
        member.update_profile("Ada", "Tokyo", "", member.id)


@pytest.mark.parametrize("target", [1, 7, 50])
def test_weekly_target_from_1_to_50_is_accepted(target: int) -> None:
    member = new_member()
    member.set_weekly_target(target, member.id)
    assert member.weekly_target == target


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        (0, "between 1 and 50"),
        (51, "between 1 and 50"),
        (-3, "between 1 and 50"),
        (2.5, "whole number"),
        ("5", "whole number"),
        (True, "whole number"),
    ],
)
def test_weekly_target_outside_1_to_50_is_rejected(
    target: object, fragment: str
) -> None:
    member = new_member()
    with (
        records_nothing(member),
        pytest.raises(ValidationError, match=fragment) as excinfo,
    ):
        member.set_weekly_target(target, member.id)  # type: ignore[arg-type]
    assert excinfo.value.field == "weekly_target"
    assert member.weekly_target == 3


# Preferences --------------------------------------------------------------------


def test_preferences_change_keeps_the_unchanged_ones() -> None:
    member = new_member()
    member.change_preferences(member.id, digest="daily", digest_hour=18)
    assert member.preferences == {
        **DEFAULT_PREFERENCES,
        "digest": "daily",
        "digest_hour": 18,
    }
    assert recorded(member)[-1] == "NotificationPreferencesChanged"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"digest": "hourly"}, "digest"),
        ({"digest_weekday": 7}, "digest_weekday"),
        ({"digest_weekday": -1}, "digest_weekday"),
        ({"digest_hour": 24}, "digest_hour"),
        ({"digest_hour": "8"}, "digest_hour"),
        ({"quiet_start": 25}, "quiet_start"),
        ({"quiet_end": True}, "quiet_end"),
        ({"quiet_start": None}, "quiet_start"),
        ({"quiet_end": None}, "quiet_start"),
        ({"reminders": ["review_due", "spam"]}, "reminders"),
        ({"reminders": "review_due"}, "reminders"),
        ({"theme": "dark"}, "theme"),
    ],
)
def test_bad_preference_is_rejected(changes: dict[str, Any], field: str) -> None:
    member = new_member()
    with records_nothing(member), pytest.raises(ValidationError) as excinfo:
        member.change_preferences(member.id, **changes)
    assert excinfo.value.field == field
    assert member.preferences == DEFAULT_PREFERENCES


def test_quiet_hours_can_be_switched_off_by_clearing_both_ends() -> None:
    member = new_member()
    member.change_preferences(member.id, quiet_start=None, quiet_end=None)
    assert (member.preferences["quiet_start"], member.preferences["quiet_end"]) == (
        None,
        None,
    )


def test_reminders_are_a_subset_kept_in_canonical_order() -> None:
    member = new_member()
    member.change_preferences(member.id, reminders=["inactivity", "review_due"])
    assert member.preferences["reminders"] == ["review_due", "inactivity"]
    member.change_preferences(member.id, reminders=[])
    assert member.preferences["reminders"] == []


# Away periods -------------------------------------------------------------------


def test_away_period_covers_its_days() -> None:
    member = new_member()
    period = uuid4()
    member.set_away_period(
        period, MAY_1, MAY_1 + timedelta(days=6), "holiday", member.id
    )
    assert member.is_away_on(MAY_1) and member.is_away_on(MAY_1 + timedelta(days=6))
    assert not member.is_away_on(MAY_1 + timedelta(days=7))
    member.cancel_away_period(period, member.id)
    assert not member.is_away_on(MAY_1)
    assert recorded(member)[-2:] == ["AwayPeriodSet", "AwayPeriodCancelled"]


@pytest.mark.parametrize(
    ("starts", "ends", "reason", "field", "fragment"),
    [
        (
            MAY_1,
            MAY_1 - timedelta(days=1),
            "holiday",
            "ends_on",
            "end before it starts",
        ),
        (MAY_1, MAY_1 + timedelta(days=366), "holiday", "ends_on", "at most a year"),
        (MAY_1, MAY_1, "vacation", "reason", "one of: holiday, sick_leave, other"),
    ],
)
def test_bad_away_period_is_rejected(
    starts: date, ends: date, reason: str, field: str, fragment: str
) -> None:
    member = new_member()
    with (
        records_nothing(member),
        pytest.raises(ValidationError, match=fragment) as excinfo,
    ):
        member.set_away_period(uuid4(), starts, ends, reason, member.id)
    assert excinfo.value.field == field


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        (MAY_1 - timedelta(days=3), MAY_1),
        (MAY_1 + timedelta(days=2), MAY_1 + timedelta(days=3)),
        (MAY_1 + timedelta(days=4), MAY_1 + timedelta(days=20)),
    ],
)
def test_overlapping_away_period_is_rejected(starts: date, ends: date) -> None:
    member = new_member()
    member.set_away_period(
        uuid4(), MAY_1, MAY_1 + timedelta(days=4), "sick_leave", member.id
    )
    with records_nothing(member), pytest.raises(ConflictError, match="overlaps"):
        member.set_away_period(uuid4(), starts, ends, "holiday", member.id)


def test_back_to_back_away_periods_are_allowed() -> None:
    member = new_member()
    member.set_away_period(
        uuid4(), MAY_1, MAY_1 + timedelta(days=4), "holiday", member.id
    )
    member.set_away_period(
        uuid4(),
        MAY_1 + timedelta(days=5),
        MAY_1 + timedelta(days=5),
        "sick_leave",
        member.id,
    )
    assert len(member.away_periods) == 2


def test_unknown_away_period_cannot_be_cancelled() -> None:
    member = new_member()
    with (
        records_nothing(member),
        pytest.raises(ValidationError, match="no such") as excinfo,
    ):
        member.cancel_away_period(uuid4(), member.id)
    assert excinfo.value.field == "period_id"


# Roles, password, erasure -------------------------------------------------------


def test_granting_and_revoking_a_role_is_idempotent() -> None:
    member, operator = new_member(), uuid4()
    member.collect_events()
    member.grant_role("admin", operator)
    member.grant_role("admin", operator)
    assert member.roles == {"admin"}
    member.revoke_role("admin", operator)
    member.revoke_role("admin", operator)
    assert member.roles == set()
    assert recorded(member) == ["RoleGranted", "RoleRevoked"]


@pytest.mark.parametrize("command", ["grant_role", "revoke_role"])
def test_unknown_role_is_rejected(command: str) -> None:
    member = new_member()
    with records_nothing(member), pytest.raises(ValidationError, match="one of: admin"):
        getattr(member, command)("superuser", uuid4())


def test_password_change_replaces_the_hash() -> None:
    member = new_member()
    member.change_password("new-hash", member.id)
    assert member.password_hash == "new-hash"


def test_erasure_forgets_the_password_and_blocks_further_changes() -> None:
    member = new_member()
    member.erase(member.id)
    assert (member.erased, member.password_hash) == (True, "")
    for attempt in (
        lambda: member.erase(member.id),
        lambda: member.update_profile("Ada", "UTC", "", member.id),
        lambda: member.set_weekly_target(5, member.id),
        lambda: member.change_preferences(member.id, digest="off"),
        lambda: member.change_password("again", member.id),
    ):
        with (
            records_nothing(member),
            pytest.raises(RuleViolationError, match="deleted"),
        ):
            attempt()
