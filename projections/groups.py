"""Group board: each peer group's name, facilitators and buddy pairs (SPEC 4).

Membership itself lives in `relations` (visibility needs it); the board's query
combines these tables with the members' metrics and their group-visible wins.

The model applies a batch at a time (`projections.batching.BatchedProjection`, as the
journal does): `load` brings in the pairs of the groups someone leaves, one query;
the handlers (`HANDLERS`, keyed by event class) change the rows in memory in log
order; the changes are written in bulk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Connection, Row, String, Table, Text, select

from projections import relations
from projections.base import UTCDateTime
from projections.batching import Batch, BatchedProjection, Handlers
from projections.db import metadata
from projections.formulas import week_start
from projections.journal_queries import JournalEntry
from projections.journal_queries import wins as journal_wins
from projections.metrics_queries import metrics_for_many
from service.clock import local_date
from service.domain.group import Group

MAX_WINS = 100
"""The most wins a board shows (the newest of the week)."""

groups = Table(
    "rm_groups",
    metadata,
    Column("group_id", String(36), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

facilitators = Table(
    "rm_groups_facilitators",
    metadata,
    Column("group_id", String(36), primary_key=True),
    Column("member_id", String(36), primary_key=True),
)

buddies = Table(
    "rm_groups_buddies",
    metadata,
    Column("group_id", String(36), primary_key=True),
    Column("member_a", String(36), primary_key=True),
    Column("member_b", String(36), primary_key=True),
)


def _pair(e: Any) -> tuple[str, str]:
    a, b = sorted((str(e.member_a), str(e.member_b)))
    return a, b


HANDLERS = Handlers[Batch]()
"""The handler of each event class: (rows, event, log position)."""
LEAVING = (Group.MemberLeft, Group.MemberRemoved)


class GroupBoard(BatchedProjection[Batch]):
    """Keeps groups, facilitators and buddy pairs in step with the log."""

    name = "groups"
    tables = (groups, facilitators, buddies)
    handlers = HANDLERS

    def load(self, conn: Connection, batch: Batch, events: Sequence[Any]) -> None:
        """The buddy pairs of the groups someone leaves, in one query (the rest is
        only added, or deleted by key)."""
        left = {str(e.originator_id) for e in events if type(e) in LEAVING}
        batch.load(conn, buddies, group_id=left)


@HANDLERS.on(Group.GroupCreated)
def _created(b: Batch, e: Group.GroupCreated, _pos: int) -> None:
    gid = str(e.originator_id)
    b[groups].insert(
        group_id=gid, name=e.name, purpose=e.purpose, created_at=e.timestamp
    )
    b[facilitators].insert(group_id=gid, member_id=str(e.facilitator_id))


@HANDLERS.on(Group.FacilitatorAdded)
def _facilitator_added(b: Batch, e: Group.FacilitatorAdded, _pos: int) -> None:
    b[facilitators].insert(group_id=str(e.originator_id), member_id=str(e.member_id))


@HANDLERS.on(Group.BuddiesPaired)
def _paired(b: Batch, e: Group.BuddiesPaired, _pos: int) -> None:
    a, other = _pair(e)
    b[buddies].insert(group_id=str(e.originator_id), member_a=a, member_b=other)


@HANDLERS.on(Group.BuddiesUnpaired)
def _unpaired(b: Batch, e: Group.BuddiesUnpaired, _pos: int) -> None:
    a, other = _pair(e)
    b[buddies].delete((str(e.originator_id), a, other))


@HANDLERS.on(*LEAVING)
def _left(b: Batch, e: Any, _pos: int) -> None:
    gid, member = str(e.originator_id), str(e.member_id)
    pairs = b[buddies]
    for row in pairs.where("group_id", gid):
        if member in (row["member_a"], row["member_b"]):
            pairs.delete((gid, row["member_a"], row["member_b"]))
    b[facilitators].delete((gid, member))


@dataclass(frozen=True)
class BoardMember:
    """A member as the group board shows them."""

    member_id: str
    display_name: str
    momentum: int  # shown, capped at 100
    pace: int  # uncapped momentum: the % of the target pace (tells 100s apart)
    streak: int  # ISO weeks
    actions_this_week: int
    weekly_target: int
    facilitator: bool
    buddy_id: str | None


@dataclass(frozen=True)
class Board:
    """A group's board for one viewer at one instant."""

    group_id: str
    name: str
    purpose: str
    members: tuple[BoardMember, ...]
    buddy_pairs: tuple[tuple[str, str], ...]
    wins: tuple[JournalEntry, ...]
    week_of: date

    def is_facilitator(self, member_id: str) -> bool:
        """True if the member facilitates this group."""
        return any(m.facilitator for m in self.members if m.member_id == member_id)


def group_info(conn: Connection, group_id: str) -> Row[Any] | None:
    """The group's name and purpose, or None."""
    return conn.execute(select(groups).where(groups.c.group_id == group_id)).first()


def board(
    conn: Connection, viewer_id: str, group_id: str, now: datetime
) -> Board | None:
    """The board, or None unless the viewer is a member of the group now."""
    ids = relations.group_member_ids(conn, group_id)
    info = group_info(conn, group_id)
    if info is None or viewer_id not in ids:
        return None
    names = relations.member_names(conn, ids)
    metrics = metrics_for_many(conn, ids, now)
    leads = set(
        conn.scalars(
            select(facilitators.c.member_id).where(facilitators.c.group_id == group_id)
        )
    )
    pairs = [
        (r.member_a, r.member_b)
        for r in conn.execute(select(buddies).where(buddies.c.group_id == group_id))
    ]
    buddy_of = {a: b for a, b in pairs} | {b: a for a, b in pairs}
    rows = [
        BoardMember(
            member_id=m,
            display_name=names[m],
            momentum=metrics[m].momentum_shown,
            pace=metrics[m].momentum,
            streak=metrics[m].streak,
            actions_this_week=metrics[m].actions_this_week,
            weekly_target=metrics[m].weekly_target,
            facilitator=m in leads,
            buddy_id=buddy_of.get(m),
        )
        for m in ids
        if m in names and m in metrics
    ]
    rows.sort(key=lambda r: (-r.pace, r.display_name))
    today = local_date(now, relations.member_timezone(conn, viewer_id) or "UTC")
    monday = week_start(today)
    return Board(
        group_id,
        info.name,
        info.purpose,
        tuple(rows),
        tuple(pairs),
        journal_wins(conn, viewer_id, ids, monday, limit=MAX_WINS, visibility="group"),
        monday,
    )


def groups_of(conn: Connection, member_id: str) -> list[tuple[str, str]]:
    """(group id, name) of the groups the member belongs to now."""
    ids = relations.group_ids_of(conn, member_id)
    if not ids:
        return []
    rows = conn.execute(
        select(groups.c.group_id, groups.c.name)
        .where(groups.c.group_id.in_(ids))
        .order_by(groups.c.name)
    )
    return [(r.group_id, r.name) for r in rows]


@dataclass(frozen=True)
class GroupListing:
    """One of a member's groups as their list of groups shows it."""

    group_id: str
    name: str
    purpose: str
    facilitator: bool


def groups_listed(conn: Connection, member_id: str) -> list[GroupListing]:
    """The groups the member belongs to now, by name, with their role in each."""
    ids = relations.group_ids_of(conn, member_id)
    if not ids:
        return []
    leads = set(
        conn.scalars(
            select(facilitators.c.group_id).where(
                facilitators.c.member_id == member_id,
                facilitators.c.group_id.in_(ids),
            )
        )
    )
    rows = conn.execute(
        select(groups.c.group_id, groups.c.name, groups.c.purpose)
        .where(groups.c.group_id.in_(ids))
        .order_by(groups.c.name, groups.c.group_id)
    )
    return [
        GroupListing(r.group_id, r.name, r.purpose, r.group_id in leads) for r in rows
    ]
