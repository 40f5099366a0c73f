"""The calendar feed: a member's dates as iCalendar, behind a secret, resettable URL.

Token: `<member id>.<mac>`, where mac is HMAC-SHA256 (first 128 bits, hex) under a
key derived from the server secret (`secret_keys.CALENDAR_FEED`) over the member id
and their feed generation (`Member.calendar_feed_resets`). Nothing is stored: the
URL names the member directly and the mac proves it was handed out; resetting the
feed (`ResetCalendarFeed`, event `Member.CalendarFeedReset`) counts the generation
up, so every URL made before stops matching. Rotating the server secret changes
every feed URL too (members copy the new one from the settings page).

Feed: all-day events for the due date of each open goal (active or paused), each
open milestone with a due date of those goals (completed ones are left out), and
the weekly review day (the member's `review_weekday`, Friday unless they chose
another; the day the review reminder comes) as a weekly recurring event. Only the
member's own items, whatever else they may see (a mentor's feed holds nothing of
their mentees).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta
from uuid import UUID

from icalendar import Calendar, Event
from sqlalchemy import Connection

from projections.goals_queries import goal_board, milestones
from service.clock import zone_info
from service.domain.member import Member
from service.secret_keys import CALENDAR_FEED, derive_key

OPEN_GOALS = ("active", "paused")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_MAC_HEX = 32


def _mac(secret_key: str, member_id: UUID, generation: int) -> str:
    key = derive_key(secret_key, CALENDAR_FEED)
    message = f"{member_id}:{generation}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:_MAC_HEX]


def calendar_token(secret_key: str, member: Member) -> str:
    """The member's current feed token (changes when they reset the feed)."""
    return f"{member.id}.{_mac(secret_key, member.id, member.calendar_feed_resets)}"


def token_member(token: str) -> UUID | None:
    """The member id a token names (None if it is malformed); check it with
    `token_matches` against that member's current state."""
    raw_id, _, mac = token.partition(".")
    try:
        return UUID(raw_id) if len(mac) == _MAC_HEX else None
    except ValueError:
        return None


def token_matches(secret_key: str, token: str, member: Member) -> bool:
    """Whether `token` is the member's current feed token (constant time)."""
    return hmac.compare_digest(token, calendar_token(secret_key, member))


def _all_day(uid: str, summary: str, day: date, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    return event


def calendar_feed(
    conn: Connection, member: Member, now: datetime, base_url: str
) -> bytes:
    """The member's feed as iCalendar bytes (see the module docstring)."""
    host = base_url.split("://", 1)[-1].split("/", 1)[0] or "momentum"
    owner = str(member.id)
    cal = Calendar()
    cal.add("prodid", "-//Momentum//Calendar feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Momentum")
    cal.add("x-wr-timezone", member.timezone)
    goals = [
        card
        for card in goal_board(conn, owner, owner, now)
        if card.status in OPEN_GOALS and card.owner_id == owner
    ]
    for card in goals:
        goal_event = _all_day(
            f"goal-{card.goal_id}@{host}", f"Goal due: {card.title}", card.due_on, now
        )
        goal_event.add("url", f"{base_url}/goals/{card.goal_id}")
        cal.add_component(goal_event)
        for milestone in milestones(conn, owner, card.goal_id):
            if milestone.completed or milestone.due_on is None:
                continue
            event = _all_day(
                f"milestone-{milestone.milestone_id}@{host}",
                f"Milestone due: {milestone.title} ({card.title})",
                milestone.due_on,
                now,
            )
            event.add("url", f"{base_url}/goals/{card.goal_id}")
            cal.add_component(event)
    cal.add_component(_weekly_review(member, now, host, base_url))
    return bytes(cal.to_ical())


def _weekly_review(member: Member, now: datetime, host: str, base_url: str) -> Event:
    """The weekly review day, recurring from this week's (member's timezone)."""
    weekday = int(member.preferences["review_weekday"])
    today = now.astimezone(zone_info(member.timezone)).date()
    first = today - timedelta(days=today.weekday()) + timedelta(days=weekday)
    event = _all_day(f"weekly-review-{member.id}@{host}", "Weekly review", first, now)
    event.add("rrule", {"freq": "weekly", "byday": WEEKDAYS[weekday]})
    event.add("url", f"{base_url}/reviews/new")
    return event
