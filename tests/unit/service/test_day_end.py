"""When a member's past day ended (`service.clock.day_end`): at its last instant in
the timezone they had then, whatever they moved to later."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from service.clock import day_end

D = date(2026, 3, 4)
JOINED = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_day_ends_at_its_last_microsecond_in_the_members_zone() -> None:
    assert day_end(D, [(JOINED, "Europe/Berlin")]) == (
        _utc(2026, 3, 4, 22, 59, 59, 999999),
        "Europe/Berlin",
    )


def test_a_later_move_does_not_move_a_past_day() -> None:
    zones = [(JOINED, "Europe/Berlin"), (_utc(2026, 3, 6, 12), "America/New_York")]
    assert day_end(D, zones) == day_end(D, zones[:1])


def test_a_move_east_during_the_day_ends_it_at_the_move() -> None:
    flight = _utc(2026, 3, 4, 20)  # 15:00 in New York, already 5 March in Tokyo
    zones = [(JOINED, "America/New_York"), (flight, "Asia/Tokyo")]
    assert day_end(D, zones) == (
        _utc(2026, 3, 4, 19, 59, 59, 999999),
        "America/New_York",
    )


def test_a_move_west_during_the_day_makes_it_longer() -> None:
    flight = _utc(2026, 3, 4, 15)  # 10:00 in New York, 07:00 in Los Angeles
    zones = [(JOINED, "America/New_York"), (flight, "America/Los_Angeles")]
    assert day_end(D, zones) == (
        _utc(2026, 3, 5, 7, 59, 59, 999999),
        "America/Los_Angeles",
    )


def test_a_move_west_after_the_day_ended_does_not_bring_it_back() -> None:
    flight = _utc(2026, 3, 4, 12)  # Thursday 01:00 in Auckland, Wednesday in LA
    zones = [(JOINED, "Pacific/Auckland"), (flight, "America/Los_Angeles")]
    assert day_end(D, zones) == (
        _utc(2026, 3, 4, 10, 59, 59, 999999),
        "Pacific/Auckland",
    )


def test_a_day_before_joining_is_in_the_first_zone() -> None:
    later = [(JOINED, "Asia/Tokyo"), (_utc(2026, 2, 1), "Europe/Paris")]
    assert day_end(date(2025, 12, 31), later) == (
        _utc(2025, 12, 31, 14, 59, 59, 999999),
        "Asia/Tokyo",
    )


def test_no_zone_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one zone"):
        day_end(D, [])
