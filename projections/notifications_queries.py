"""Reading notifications: a member's page, newest first, their unread count, and the
position "mark all read" sends.

A buddy's activity names an action of someone else, so it is shown only while the
recipient may still see that action (SPEC 9: `relations.visible_levels`, the action's
current visibility, not retracted); everything else is about the recipient's own
items or requests addressed to them.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Row, Select, and_, bindparam, func, select

from projections import journal
from projections.journal_queries import Received
from projections.notifications_facts import (
    buddies,
    inbox,
    items,
    members,
    mentorships,
    suggestions,
)
from projections.relations import members as known_members
from projections.relations import visible_levels
from service.domain.visibility import action_visibility

MAX_LIMIT = 200
BUDDY_ACTIVITY = "buddy_activity"

_actor = members.alias("actor")
_action = items.alias("action")
_goal = items.alias("goal")


@dataclass(frozen=True)
class Notification:
    """One in-app notification; `id` is its position in the event log."""

    id: int
    member_id: str
    kind: str
    created_at: datetime
    actor_id: str | None
    text: str
    item_kind: str | None
    item_id: str | None
    read: bool


@dataclass(frozen=True)
class NotificationPage:
    """A page of notifications, newest first; `next_cursor` None on the last page."""

    items: tuple[Notification, ...]
    next_cursor: str | None


def notifications_for(
    conn: Connection,
    member_id: str | UUID,
    *,
    unread_only: bool = False,
    limit: int = 50,
    cursor: str | None = None,
) -> NotificationPage:
    """A member's notifications, newest first (ValueError on a bad cursor or limit)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be from 1 to {MAX_LIMIT}")
    member = str(member_id)
    mark = _mark(conn, member)
    before = None if cursor is None else _decode(cursor)
    shown: list[Notification] = []
    levels: dict[str, frozenset[str]] = {}
    while len(shown) <= limit:
        want = limit + 1 - len(shown)
        query = _page_query(before is not None, unread_only)
        params = {"member": member, "want": want, "before": before, "mark": mark}
        rows = conn.execute(query, params).all()
        shown += [
            _notification(member, row, mark)
            for row in rows
            if _visible(conn, member, row, levels)
        ]
        if len(rows) < want:
            break
        before = rows[-1].position
    page = tuple(shown[:limit])
    more = len(shown) > limit
    return NotificationPage(page, _encode(page[-1].id) if more else None)


def unread_count(conn: Connection, member_id: str | UUID) -> int:
    """How many of a member's notifications are unread (those a page would show).

    One statement counts them (the read mark a subquery), grouped by what decides a
    buddy's activity's visibility; only a group of unread buddy activity costs more
    (`visible_levels` once per buddy): the navigation asks on every page."""
    member = str(member_id)
    groups = conn.execute(_UNREAD, {"member": member}).all()
    levels: dict[str, frozenset[str]] = {}
    return sum(int(row.unread) for row in groups if _visible(conn, member, row, levels))


def newest_position(conn: Connection, member_id: str | UUID) -> int:
    """A member's newest notification id (0 if none): what "mark all read" sends."""
    newest = conn.execute(
        select(func.max(inbox.c.position)).where(inbox.c.member_id == str(member_id))
    ).scalar()
    return int(newest or 0)


def suggestion_ids_to(conn: Connection, mentee_id: str | UUID) -> list[str]:
    """The ids of the suggestions made to a mentee, answered or not (no read model
    keeps their status: the Suggestion aggregate has it), from mentors still here."""
    return list(
        conn.scalars(
            select(suggestions.c.suggestion_id)
            .where(suggestions.c.mentee_id == str(mentee_id))
            .order_by(suggestions.c.suggestion_id)
        )
    )


def _mark(conn: Connection, member: str) -> int:
    found = conn.execute(_MARK, {"member": member}).scalar()
    return int(found or 0)


def _rows() -> Select[Any]:
    """A member's notifications (bound parameter `member`) with the actor's name
    and, for a buddy's activity, what decides whether its action is still
    visible."""
    joined = (
        inbox.outerjoin(_actor, _actor.c.member_id == inbox.c.actor_id)
        .outerjoin(
            _action,
            and_(inbox.c.kind == BUDDY_ACTIVITY, _action.c.item_id == inbox.c.item_id),
        )
        .outerjoin(_goal, _goal.c.item_id == _action.c.goal_id)
    )
    return (
        select(
            inbox,
            _actor.c.display_name.label("actor_name"),
            _action.c.owner_id.label("action_owner"),
            _action.c.visibility.label("action_visibility"),
            _action.c.goal_id.label("action_goal"),
            _action.c.retracted.label("action_retracted"),
            _goal.c.visibility.label("goal_visibility"),
        )
        .select_from(joined)
        .where(inbox.c.member_id == bindparam("member"))
    )


# Statements built once (their cache keys with them): built per call, SQLAlchemy
# spent more on them than on sending them (the navigation counts on every page).
_MARK = select(members.c.read_up_to).where(members.c.member_id == bindparam("member"))
_PAGES: dict[tuple[bool, bool], Select[Any]] = {}


def _page_query(before: bool, unread_only: bool) -> Select[Any]:
    """The page query (parameters `member`, `want`, and `before` and `mark` if
    asked), built once per shape."""
    key = (before, unread_only)
    query = _PAGES.get(key)
    if query is None:
        query = _rows().order_by(inbox.c.position.desc()).limit(bindparam("want"))
        if before:
            query = query.where(inbox.c.position < bindparam("before"))
        if unread_only:
            query = query.where(inbox.c.position > bindparam("mark"))
        _PAGES[key] = query
    return query


def _unread() -> Select[Any]:
    """The unread notifications of `member`, counted by what decides a buddy's
    activity's visibility."""
    mark = _MARK.scalar_subquery()
    unread = _rows().where(inbox.c.position > func.coalesce(mark, 0)).subquery()
    decides = (
        unread.c.kind,
        unread.c.action_owner,
        unread.c.action_visibility,
        unread.c.action_goal,
        unread.c.action_retracted,
        unread.c.goal_visibility,
    )
    return select(*decides, func.count().label("unread")).group_by(*decides)


_UNREAD = _unread()


def _visible(
    conn: Connection, member: str, row: Row[Any], levels: dict[str, frozenset[str]]
) -> bool:
    if row.kind != BUDDY_ACTIVITY:
        return True
    if row.action_owner is None or row.action_retracted:
        return False
    owner = row.action_owner
    if owner not in levels:
        levels[owner] = visible_levels(conn, member, owner)
    shown_as = action_visibility(
        row.action_visibility, row.action_goal, row.goal_visibility
    )
    return shown_as in levels[owner]


def _notification(member: str, row: Row[Any], mark: int) -> Notification:
    text = row.text
    if row.actor_id is not None:
        text = f"{row.actor_name or 'Someone'} {text}"
    return Notification(
        id=row.position,
        member_id=member,
        kind=row.kind,
        created_at=row.created_at,
        actor_id=row.actor_id,
        text=text,
        item_kind=row.item_kind,
        item_id=row.item_id,
        read=row.position <= mark,
    )


def _encode(position: int) -> str:
    return base64.urlsafe_b64encode(f"n:{position}".encode()).decode()


def _decode(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except ValueError:  # binascii.Error and UnicodeError are ValueErrors
        raise ValueError("bad cursor") from None
    prefix, _, number = raw.partition(":")
    if prefix != "n" or not number.isdigit():
        raise ValueError("bad cursor")
    return int(number)


# What digests and reminders read (notify), for many members at once: each function
# runs one statement whatever the number of members (SPEC 11).

_author = known_members.alias("author")


def cheers_received(
    conn: Connection, member_ids: Collection[str], since: datetime, until: datetime
) -> dict[str, list[Received]]:
    """Per member, the cheers on their items in [since, until) (from their inbox,
    where each cheer is timed), in inbox order."""
    n = inbox.c
    rows = conn.execute(
        select(
            n.member_id,
            n.actor_id,
            func.coalesce(_author.c.display_name, "Someone"),
            n.created_at,
            n.item_kind,
            func.coalesce(journal.items.c.title, ""),
        )
        .outerjoin(_author, _author.c.member_id == n.actor_id)
        .outerjoin(journal.items, journal.items.c.item_id == n.item_id)
        .where(
            n.member_id.in_(member_ids),
            n.kind == "cheer_received",
            n.created_at >= since,
            n.created_at < until,
        )
        .order_by(n.position)
    )
    found: dict[str, list[Received]] = defaultdict(list)
    for member_id, author, name, at, kind, title in rows:
        found[member_id].append(Received(member_id, author, name, at, kind, title, ""))
    return found


def buddy_pairs(conn: Connection, member_ids: Collection[str]) -> list[tuple[str, str]]:
    """(member, buddy) for each buddy of these members, in any order."""
    b = buddies.c
    rows = conn.execute(
        select(b.member_id, b.buddy_id).where(b.member_id.in_(sorted(member_ids)))
    )
    return [(member_id, buddy_id) for member_id, buddy_id in rows]


@dataclass(frozen=True)
class WaitingRequest:
    """A mentorship request still proposed, to the mentor with `mentor_email`."""

    mentorship_id: str
    mentee_id: str
    mentor_email: str
    asked_at: datetime


@dataclass(frozen=True)
class WaitingSuggestion:
    """A mentor's suggestion still open."""

    suggestion_id: str
    mentor_id: str
    mentee_id: str
    title: str
    made_at: datetime


def requests_waiting(
    conn: Connection, mentor_emails: Collection[str], asked_by: datetime
) -> list[WaitingRequest]:
    """The mentorship requests to these mentors (by email) proposed at or before
    `asked_by` and still unanswered."""
    m = mentorships.c
    rows = conn.execute(
        select(m.mentorship_id, m.mentee_id, m.mentor_email, m.asked_at).where(
            m.mentor_email.in_(sorted(mentor_emails)),
            m.status == "proposed",
            m.asked_at <= asked_by,
        )
    )
    return [WaitingRequest(**r._mapping) for r in rows]


def suggestions_waiting(
    conn: Connection, mentee_ids: Collection[str], made_by: datetime
) -> list[WaitingSuggestion]:
    """The suggestions to these mentees made at or before `made_by` and still open,
    oldest first."""
    sg = suggestions.c
    rows = conn.execute(
        select(sg.suggestion_id, sg.mentor_id, sg.mentee_id, sg.title, sg.made_at)
        .where(
            sg.mentee_id.in_(sorted(mentee_ids)),
            sg.status == "open",
            sg.made_at <= made_by,
        )
        .order_by(sg.made_at)
    )
    return [WaitingSuggestion(**r._mapping) for r in rows]
