"""Reading notifications: a member's page, newest first, their unread count, and the
position "mark all read" sends.

A buddy's activity names an action of someone else, so it is shown only while the
recipient may still see that action (SPEC 9: `relations.visible_levels`, the action's
current visibility, not retracted); everything else is about the recipient's own
items or requests addressed to them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Row, Select, and_, func, select

from projections.notifications_facts import (
    inbox,
    items,
    members,
    suggestions,
)
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
        query = _rows(member).order_by(inbox.c.position.desc()).limit(want)
        if before is not None:
            query = query.where(inbox.c.position < before)
        if unread_only:
            query = query.where(inbox.c.position > mark)
        rows = conn.execute(query).all()
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
    mark = (
        select(members.c.read_up_to)
        .where(members.c.member_id == member)
        .scalar_subquery()
    )
    unread = _rows(member).where(inbox.c.position > func.coalesce(mark, 0)).subquery()
    decides = (
        unread.c.kind,
        unread.c.action_owner,
        unread.c.action_visibility,
        unread.c.action_goal,
        unread.c.action_retracted,
        unread.c.goal_visibility,
    )
    groups = conn.execute(
        select(*decides, func.count().label("unread")).group_by(*decides)
    ).all()
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
    found = conn.execute(
        select(members.c.read_up_to).where(members.c.member_id == member)
    ).scalar()
    return int(found or 0)


def _rows(member: str) -> Select[Any]:
    """A member's notifications with the actor's name and, for a buddy's activity,
    what decides whether its action is still visible."""
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
        .where(inbox.c.member_id == member)
    )


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
