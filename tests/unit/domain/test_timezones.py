"""The timezone pickers list canonical zones only (issue 14)."""

from __future__ import annotations

from zoneinfo import available_timezones

from service.domain.timezones import (
    aliases,
    canonical_timezones,
    is_area_location,
    picker_timezones,
)


def test_pickers_list_utc_first_then_area_location_zones_sorted() -> None:
    zones = canonical_timezones()
    assert zones[0] == "UTC"
    assert list(zones[1:]) == sorted(zones[1:])
    assert all(is_area_location(zone) for zone in zones[1:])
    assert set(zones) <= available_timezones()


def test_pickers_leave_out_machine_names_and_legacy_aliases() -> None:
    zones = set(canonical_timezones())
    for odd in ("Factory", "localtime", "posixrules", "Etc/GMT+3", "US/Eastern", "GB"):
        assert odd not in zones, odd
    for alias in ("Asia/Calcutta", "Europe/Belfast", "America/Buenos_Aires"):
        assert alias not in zones, alias


def test_pickers_keep_the_zones_people_look_for() -> None:
    zones = set(canonical_timezones())
    wanted = (
        "Europe/Berlin",
        "Europe/London",
        "Europe/Amsterdam",  # a link since 2022, but its country's zone
        "Asia/Kolkata",
        "America/New_York",
        "America/Argentina/Buenos_Aires",
        "Australia/Sydney",
    )
    assert set(wanted) <= zones


def test_area_location_needs_a_known_area_and_a_place() -> None:
    assert is_area_location("America/Indiana/Indianapolis")
    assert not is_area_location("Europe")
    assert not is_area_location("Etc/UTC")
    assert not is_area_location("Factory")


def test_an_alias_is_a_link_that_the_country_table_does_not_list() -> None:
    links = [("Asia/Kolkata", "Asia/Calcutta"), ("Europe/Brussels", "Europe/Amsterdam")]
    assert aliases(links, {"Asia/Kolkata", "Europe/Amsterdam"}) == {"Asia/Calcutta"}


def test_a_members_own_old_zone_stays_listed_for_them() -> None:
    assert picker_timezones("US/Eastern")[0] == "US/Eastern"
    assert picker_timezones("Europe/Berlin") == canonical_timezones()
    assert picker_timezones(None) == canonical_timezones()
