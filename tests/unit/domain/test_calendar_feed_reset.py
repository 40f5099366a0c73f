"""Resetting the calendar feed (Member.CalendarFeedReset) counts up a generation."""

from __future__ import annotations

import pytest

from service.errors import RuleViolationError

from .helpers import new_member, recorded


def test_resetting_the_calendar_feed_counts_up_a_generation() -> None:
    member = new_member()
    assert member.calendar_feed_resets == 0
    member.collect_events()
    member.reset_calendar_feed(member.id)
    member.reset_calendar_feed(member.id)
    assert member.calendar_feed_resets == 2
    assert recorded(member) == ["CalendarFeedReset", "CalendarFeedReset"]


def test_an_erased_member_cannot_reset_the_feed() -> None:
    member = new_member()
    member.erase(member.id)
    member.collect_events()
    with pytest.raises(RuleViolationError):
        member.reset_calendar_feed(member.id)
    assert recorded(member) == []
