"""Reading the journal: a member's entries as a viewer may see them (SPEC 9).

Entry kinds: goal_set, goal_revised, milestone_added, milestone_completed,
milestone_reopened, progress, goal_paused, goal_resumed, goal_achieved,
goal_abandoned, action (with a `win` flag) and review. The `kind` filter of `entries`
takes any of those, or a group: "goals" (every goal event), "milestones" (the three
milestone kinds) or "wins" (actions flagged as a win). `entries` raises ValueError for
a cursor it did not hand out, an unknown kind or a page size outside 1–200.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Date,
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
)

from projections import journal as t
from projections.relations import members as known_members
from projections.relations import visible_levels

GOAL_KINDS = (
    "goal_set",
    "goal_revised",
    "milestone_added",
    "milestone_completed",
    "milestone_reopened",
    "progress",
    "goal_paused",
    "goal_resumed",
    "goal_achieved",
    "goal_abandoned",
)
KINDS = (*GOAL_KINDS, "action", "review")
KIND_FILTERS: dict[str, tuple[str, ...]] = {
    **{kind: (kind,) for kind in KINDS},
    "goals": GOAL_KINDS,
    "milestones": GOAL_KINDS[2:5],
    "wins": ("action",),
}
MAX_LIMIT = 200
_CURSOR_TAG = "j1"


@dataclass(frozen=True)
class JournalEntry:
    """One journal entry, with its item's current visibility and counts."""

    entry_id: int
    member_id: str
    kind: str
    item_kind: str
    item_id: str
    goal_id: str | None
    day: date
    at: datetime
    title: str
    summary: str
    category: str | None
    win: bool
    visibility: str
    feedback_count: int
    cheer_count: int


@dataclass(frozen=True)
class JournalPage:
    """A page of entries, newest first; `next_cursor` is None on the last page."""

    entries: tuple[JournalEntry, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class FeedbackNote:
    """Written feedback on an item (withdrawn feedback is never listed)."""

    feedback_id: str
    author_id: str
    item_kind: str
    item_id: str
    text: str
    at: datetime


def _entry_query() -> Select[Any]:
    e, i = t.entries, t.items
    feedback_count = (
        select(func.count())
        .where(t.feedback.c.target_id == e.c.item_id)
        .scalar_subquery()
    )
    cheer_count = (
        select(func.count())
        .where(t.cheers.c.target_id == e.c.item_id)
        .scalar_subquery()
    )
    return select(
        e,
        i.c.visibility,
        feedback_count.label("feedback_count"),
        cheer_count.label("cheer_count"),
    ).join(i, i.c.item_id == e.c.item_id)


def _newest_first(query: Select[Any]) -> Select[Any]:
    return query.order_by(t.entries.c.day.desc(), t.entries.c.position.desc())


def _to_entry(row: Any) -> JournalEntry:
    return JournalEntry(
        entry_id=row.position,
        member_id=row.member_id,
        kind=row.kind,
        item_kind=row.item_kind,
        item_id=row.item_id,
        goal_id=row.goal_id,
        day=row.day,
        at=row.at,
        title=row.title,
        summary=row.summary,
        category=row.category,
        win=bool(row.win),
        visibility=row.visibility,
        feedback_count=row.feedback_count,
        cheer_count=row.cheer_count,
    )


def encode_cursor(day: date, position: int) -> str:
    """The opaque cursor that continues a page after the entry at (day, position)."""
    raw = f"{_CURSOR_TAG}|{day.isoformat()}|{position}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decode_cursor(cursor: str) -> tuple[date, int]:
    """The (day, position) inside a cursor; ValueError if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
        tag, day, position = raw.split("|")
        if tag != _CURSOR_TAG or not 0 <= int(position) < 2**63:
            raise ValueError(tag)
        return date.fromisoformat(day), int(position)
    except (binascii.Error, UnicodeError, ValueError):
        raise ValueError(
            "Invalid journal cursor: use the next_cursor of a previous page."
        ) from None


def _kinds(kind: str) -> list[str]:
    kinds = KIND_FILTERS.get(kind)
    if kinds is None:
        raise ValueError(
            f"Unknown journal entry kind {kind!r}: use one of "
            f"{', '.join(KIND_FILTERS)}."
        )
    return list(kinds)


_PAGES: dict[tuple[str | None, bool, bool], Select[Any]] = {}


def _page_query(kind: str | None, goal: bool, cursor: bool) -> Select[Any]:
    """The page query of `entries` for this shape, built once (its cache key with
    it: building it per call cost more than sending it). Parameters: `owner`,
    `levels`, `limit`, and `kinds`, `goal_id`, `day` and `position` as asked."""
    shape = None if kind is None else "wins" if kind == "wins" else "kinds"
    key = (shape, goal, cursor)
    query = _PAGES.get(key)
    if query is not None:
        return query
    e = t.entries.c
    conditions = [e.member_id == bindparam("owner")]
    if kind is not None:
        conditions.append(e.kind.in_(bindparam("kinds", expanding=True)))
        if kind == "wins":
            conditions.append(e.win.is_(True))
    if goal:
        conditions.append(e.goal_id == bindparam("goal_id"))
    if cursor:
        day = bindparam("day", type_=Date)
        position = bindparam("position", type_=BigInteger)
        conditions.append(or_(e.day < day, and_(e.day == day, e.position < position)))
    conditions.append(t.items.c.visibility.in_(bindparam("levels", expanding=True)))
    query = _newest_first(_entry_query().where(*conditions))
    query = _PAGES[key] = query.limit(bindparam("limit"))
    return query


def entries(
    conn: Connection,
    viewer_id: str,
    *,
    member_id: str | None = None,
    kind: str | None = None,
    goal_id: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> JournalPage:
    """A page of a member's entries that the viewer may see, newest first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"The page size must be from 1 to {MAX_LIMIT}.")
    owner = member_id or viewer_id
    params: dict[str, Any] = {"owner": owner, "limit": limit + 1}
    if goal_id is not None:
        params["goal_id"] = goal_id
    if kind is not None:
        params["kinds"] = _kinds(kind)
    if cursor is not None:
        params["day"], params["position"] = decode_cursor(cursor)
    levels = visible_levels(conn, viewer_id, owner)
    if not levels:
        return JournalPage((), None)
    params["levels"] = sorted(levels)
    query = _page_query(kind, goal_id is not None, cursor is not None)
    found = [_to_entry(row) for row in conn.execute(query, params)]
    page = tuple(found[:limit])
    more = len(found) > limit
    next_cursor = encode_cursor(page[-1].day, page[-1].entry_id) if more else None
    return JournalPage(page, next_cursor)


def entry(conn: Connection, viewer_id: str, entry_id: int) -> JournalEntry | None:
    """One entry, or None if there is no such entry or the viewer may not see it."""
    row = conn.execute(
        _entry_query().where(t.entries.c.position == entry_id)
    ).one_or_none()
    if row is None:
        return None
    if row.visibility not in visible_levels(conn, viewer_id, row.member_id):
        return None
    return _to_entry(row)


def wins(
    conn: Connection,
    viewer_id: str,
    member_ids: Iterable[str],
    since_day: date,
    *,
    limit: int = 100,
    visibility: str | None = None,
) -> tuple[JournalEntry, ...]:
    """The wins of these members since `since_day` the viewer may see, newest first;
    `visibility` keeps only items of that visibility (the group board: "group")."""
    only = frozenset({visibility} if visibility else ("private", "mentors", "group"))
    visible = [
        and_(t.entries.c.member_id == member, t.items.c.visibility.in_(sorted(levels)))
        for member in dict.fromkeys(member_ids)
        if (levels := visible_levels(conn, viewer_id, member) & only)
    ]
    if not visible:
        return ()
    query = _entry_query().where(
        t.entries.c.kind == "action",
        t.entries.c.win.is_(True),
        t.entries.c.day >= since_day,
        or_(*visible),
    )
    rows = conn.execute(_newest_first(query).limit(limit))
    return tuple(_to_entry(row) for row in rows)


def feedback_on(
    conn: Connection, viewer_id: str, item_kind: str, item_id: str
) -> tuple[FeedbackNote, ...]:
    """Feedback on an item, oldest first; empty if the viewer may not see the item."""
    item = conn.execute(
        select(t.items.c.owner_id, t.items.c.visibility).where(
            t.items.c.item_id == item_id, t.items.c.item_kind == item_kind
        )
    ).one_or_none()
    if item is None:
        return ()
    if item.visibility not in visible_levels(conn, viewer_id, item.owner_id):
        return ()
    f = t.feedback.c
    rows = conn.execute(
        select(t.feedback).where(f.target_id == item_id).order_by(f.at, f.feedback_id)
    )
    return tuple(
        FeedbackNote(
            feedback_id=row.feedback_id,
            author_id=row.author_id,
            item_kind=row.target_kind,
            item_id=row.target_id,
            text=row.text,
            at=row.at,
        )
        for row in rows
    )


@dataclass(frozen=True)
class EntryPlace:
    """Where an item's entry stands in its owner's journal (for a link to it)."""

    member_id: str
    day: date
    entry_id: int


def places_of(
    conn: Connection, kind: str, item_ids: Iterable[str]
) -> dict[str, EntryPlace]:
    """The journal entry of each action or review (`kind`) among `item_ids`, by item
    id, in one query; visibility is the journal page's to check when it is opened."""
    wanted = sorted(set(item_ids))
    if not wanted:
        return {}
    e = t.entries.c
    rows = conn.execute(
        select(e.item_id, e.member_id, e.day, e.position).where(
            e.item_id.in_(wanted), e.kind == kind
        )
    )
    return {
        row.item_id: EntryPlace(row.member_id, row.day, row.position) for row in rows
    }


# What digests read (notify.facts), for many members at once: each function runs one
# statement whatever the number of members (SPEC 11).

_author = known_members.alias("author")


@dataclass(frozen=True)
class EntryLine:
    """A journal entry worth a line in a digest: a win or a check-in."""

    member_id: str
    member_name: str
    item_id: str
    day: date
    title: str
    summary: str
    visibility: str


@dataclass(frozen=True)
class Received:
    """Feedback or a cheer on one of the member's items."""

    member_id: str
    author_id: str
    author_name: str
    at: datetime
    item_kind: str
    item_title: str
    text: str  # the feedback; empty for a cheer


def action_counts_by_day(
    conn: Connection, member_ids: Collection[str], first: date, last: date
) -> dict[str, dict[date, int]]:
    """Per member, how many actions they logged on each day from `first` to `last`."""
    e = t.entries.c
    rows = conn.execute(
        select(e.member_id, e.day, func.count())
        .where(
            e.member_id.in_(member_ids),
            e.kind == "action",
            e.day >= first,
            e.day <= last,
        )
        .group_by(e.member_id, e.day)
    )
    found: dict[str, dict[date, int]] = defaultdict(dict)
    for member_id, day, count in rows:
        found[member_id][day] = count
    return found


def _entry_lines(
    conn: Connection,
    member_ids: Collection[str],
    first: date,
    last: date,
    visibilities: Collection[str],
    *conditions: ColumnElement[bool],
) -> dict[str, list[EntryLine]]:
    e, i = t.entries.c, t.items.c
    rows = conn.execute(
        select(
            e.member_id,
            func.coalesce(known_members.c.display_name, "").label("member_name"),
            e.item_id,
            e.day,
            e.title,
            e.summary,
            i.visibility,
        )
        .join(t.items, i.item_id == e.item_id)
        .outerjoin(known_members, known_members.c.member_id == e.member_id)
        .where(
            e.member_id.in_(member_ids),
            e.day >= first,
            e.day <= last,
            i.visibility.in_(sorted(visibilities)),
            *conditions,
        )
        .order_by(e.day, e.position)
    )
    found: dict[str, list[EntryLine]] = defaultdict(list)
    for r in rows:
        found[r.member_id].append(EntryLine(**r._mapping))
    return found


def win_lines(
    conn: Connection,
    member_ids: Collection[str],
    first: date,
    last: date,
    visibilities: Collection[str],
) -> dict[str, list[EntryLine]]:
    """Per member, their wins from `first` to `last` with these visibilities."""
    e = t.entries.c
    win = and_(e.kind == "action", e.win.is_(True))
    return _entry_lines(conn, member_ids, first, last, visibilities, win)


def check_in_lines(
    conn: Connection,
    member_ids: Collection[str],
    first: date,
    last: date,
    visibilities: Collection[str],
) -> dict[str, list[EntryLine]]:
    """Per member, their check-ins from `first` to `last` with these visibilities."""
    review = t.entries.c.kind == "review"
    return _entry_lines(conn, member_ids, first, last, visibilities, review)


def feedback_received(
    conn: Connection, member_ids: Collection[str], since: datetime, until: datetime
) -> dict[str, list[Received]]:
    """Per member, feedback (not withdrawn) others left on their items in [since,
    until), oldest first, its text summarised."""
    f = t.feedback.c
    rows = conn.execute(
        select(
            f.target_owner_id,
            f.author_id,
            func.coalesce(_author.c.display_name, "Someone"),
            f.at,
            f.target_kind,
            func.coalesce(t.items.c.title, ""),
            f.text,
        )
        .outerjoin(_author, _author.c.member_id == f.author_id)
        .outerjoin(t.items, t.items.c.item_id == f.target_id)
        .where(
            f.target_owner_id.in_(member_ids),
            f.author_id != f.target_owner_id,
            f.at >= since,
            f.at < until,
        )
        .order_by(f.at, f.feedback_id)
    )
    found: dict[str, list[Received]] = defaultdict(list)
    for owner, author, name, at, kind, title, text in rows:
        note = Received(owner, author, name, at, kind, title, t.summarise(text))
        found[owner].append(note)
    return found


def last_action_days(conn: Connection, member_ids: Collection[str]) -> dict[str, date]:
    """Per member, the last day they logged an action (members who never did are
    left out)."""
    e = t.entries.c
    rows = conn.execute(
        select(e.member_id, func.max(e.day))
        .where(e.member_id.in_(member_ids), e.kind == "action")
        .group_by(e.member_id)
    )
    return {member_id: day for member_id, day in rows}
