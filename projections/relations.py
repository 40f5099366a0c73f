"""Members, mentorships and group memberships as rows: what visibility checks read.

`visible_levels(conn, viewer, owner)` is what every read path asks: which item
visibilities of `owner` the `viewer` may see right now. It finds the viewer's closest
relation to the owner here and takes its levels from the rule, SPEC 9, in
`service.domain.visibility`.

The model applies a batch at a time (`projections.batching.BatchedProjection`, as the
journal does): `load` brings in the rows the batch's events read (members whose
profile or target changes, mentorships whose status changes), one query per table;
the handlers (`HANDLERS`, keyed by event class) change them in memory in log order;
the changes are written in bulk. Group memberships (key columns only: written with
`INSERT … ON CONFLICT DO NOTHING`) are only added or deleted by key, preferences
replaced whole and members deleted by key, so none is loaded for that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    String,
    Table,
    and_,
    exists,
    or_,
    select,
)

from projections.batching import Batch, BatchedProjection, Handlers
from projections.db import metadata
from service.domain.group import Group
from service.domain.member import DEFAULT_PREFERENCES, SCHEDULE_PREFERENCES, Member
from service.domain.mentorship import Mentorship
from service.domain.visibility import Relation, levels_seen_by


def preference_row(preferences: Mapping[str, Any]) -> dict[str, Any]:
    """A member's preferences as the columns of `member_preferences` (reminders as
    their names, comma-separated)."""
    values = {
        k: preferences.get(k, DEFAULT_PREFERENCES[k]) for k in SCHEDULE_PREFERENCES
    }
    chosen = preferences.get("reminders", DEFAULT_PREFERENCES["reminders"])
    values["reminders"] = ",".join(chosen)
    return values


DEFAULT_PREFERENCE_ROW = preference_row(DEFAULT_PREFERENCES)
"""The row of a member who never changed their preferences (who has no row)."""

members = Table(
    "rm_members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("email", String(254), nullable=False),
    Column("display_name", String(80), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("weekly_target", Integer, nullable=False, default=3),
)

mentor_links = Table(
    "rm_mentor_links",
    metadata,
    Column("mentorship_id", String(36), primary_key=True),
    Column("mentee_id", String(36), nullable=False, index=True),
    Column("mentor_email", String(254), nullable=False),
    Column("mentor_id", String(36), nullable=True, index=True),
    Column("status", String(16), nullable=False),
)

group_members = Table(
    "rm_group_members",
    metadata,
    Column("group_id", String(36), primary_key=True),
    Column("member_id", String(36), primary_key=True, index=True),
)

member_preferences = Table(
    "rm_member_preferences",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("digest", String(8), nullable=False),
    Column("mentor_digest", String(8), nullable=False),
    Column("group_digest", String(8), nullable=False),
    Column("digest_weekday", Integer, nullable=False),
    Column("digest_hour", Integer, nullable=False),
    Column("review_weekday", Integer, nullable=False),
    Column("reminders", String(200), nullable=False),  # names, comma-separated
    Column("quiet_start", Integer, nullable=True),
    Column("quiet_end", Integer, nullable=True),
)
"""When a member wants which digests, which reminders, their review day and their
quiet hours (what the sender plans by); a member without a row has the defaults
(`DEFAULT_PREFERENCE_ROW`)."""


# --- The read model -------------------------------------------------------------

HANDLERS = Handlers[Batch]()
"""The handler of each event class: (rows, event, log position)."""
MEMBER_CHANGES = (Member.ProfileUpdated, Member.WeeklyTargetSet)
STATUS_CHANGES = (
    Mentorship.MentorshipRenewed,
    Mentorship.MentorshipAccepted,
    Mentorship.MentorshipDeclined,
    Mentorship.MentorshipEnded,
)


class Relations(BatchedProjection[Batch]):
    """Keeps members, mentor links and group memberships in step with the log."""

    name = "relations"
    tables = (members, mentor_links, group_members, member_preferences)
    handlers = HANDLERS

    def load(self, conn: Connection, batch: Batch, events: Sequence[Any]) -> None:
        """The members whose profile or target changes and the mentorships whose
        status changes; one query per table (the rest is only added or deleted)."""
        member_ids: set[str] = set()
        mentorship_ids: set[str] = set()
        for e in events:
            kind = type(e)
            if kind in MEMBER_CHANGES:
                member_ids.add(str(e.originator_id))
            elif kind in STATUS_CHANGES:
                mentorship_ids.add(str(e.originator_id))
        batch.load(conn, members, member_id=member_ids)
        batch.load(conn, mentor_links, mentorship_id=mentorship_ids)


# Members.


@HANDLERS.on(Member.Registered)
def _member_registered(b: Batch, e: Member.Registered, _pos: int) -> None:
    b[members].insert(
        member_id=str(e.originator_id),
        email=e.email,
        display_name=e.display_name,
        timezone=e.timezone,
        weekly_target=3,
    )


@HANDLERS.on(Member.Erased)
def _member_erased(b: Batch, e: Member.Erased, _pos: int) -> None:
    """An erased member leaves no name, email or link behind (SPEC 9)."""
    member_id = str(e.originator_id)
    # A link's mentor_id changes, which `purge` allows here: a row changed in the
    # batch is written again after the purge, as it is in memory.
    b[mentor_links].purge("mentee_id", [member_id])
    b[mentor_links].purge("mentor_id", [member_id])
    b[group_members].purge("member_id", [member_id])
    b[member_preferences].delete(member_id)
    b[members].delete(member_id)


@HANDLERS.on(Member.NotificationPreferencesChanged)
def _preferences_changed(
    b: Batch, e: Member.NotificationPreferencesChanged, _pos: int
) -> None:
    member_id = str(e.originator_id)
    b[member_preferences].insert(member_id=member_id, **preference_row(e.preferences))


@HANDLERS.on(Member.ProfileUpdated)
def _member_profile_updated(b: Batch, e: Member.ProfileUpdated, _pos: int) -> None:
    b[members].update(
        str(e.originator_id), display_name=e.display_name, timezone=e.timezone
    )


@HANDLERS.on(Member.WeeklyTargetSet)
def _member_weekly_target_set(b: Batch, e: Member.WeeklyTargetSet, _pos: int) -> None:
    b[members].update(str(e.originator_id), weekly_target=e.actions_per_week)


# Mentorships.


@HANDLERS.on(Mentorship.MentorshipProposed)
def _mentorship_proposed(b: Batch, e: Mentorship.MentorshipProposed, _pos: int) -> None:
    b[mentor_links].insert(
        mentorship_id=str(e.originator_id),
        mentee_id=str(e.mentee_id),
        mentor_email=e.mentor_email,
        mentor_id=None,
        status="proposed",
    )


def _status(b: Batch, e: Any, **values: Any) -> None:
    b[mentor_links].update(str(e.originator_id), **values)


@HANDLERS.on(Mentorship.MentorshipRenewed)
def _mentorship_renewed(b: Batch, e: Mentorship.MentorshipRenewed, _pos: int) -> None:
    _status(b, e, status="proposed", mentor_id=None)


@HANDLERS.on(Mentorship.MentorshipAccepted)
def _mentorship_accepted(b: Batch, e: Mentorship.MentorshipAccepted, _pos: int) -> None:
    _status(b, e, status="accepted", mentor_id=str(e.mentor_id))


@HANDLERS.on(Mentorship.MentorshipDeclined)
def _mentorship_declined(b: Batch, e: Mentorship.MentorshipDeclined, _pos: int) -> None:
    _status(b, e, status="declined")


@HANDLERS.on(Mentorship.MentorshipEnded)
def _mentorship_ended(b: Batch, e: Mentorship.MentorshipEnded, _pos: int) -> None:
    _status(b, e, status="ended")


# Group memberships.


@HANDLERS.on(Group.GroupCreated)
def _group_created(b: Batch, e: Group.GroupCreated, _pos: int) -> None:
    b[group_members].insert(
        group_id=str(e.originator_id), member_id=str(e.facilitator_id)
    )


@HANDLERS.on(Group.MemberJoined)
def _group_member_joined(b: Batch, e: Group.MemberJoined, _pos: int) -> None:
    b[group_members].insert(group_id=str(e.originator_id), member_id=str(e.member_id))


@HANDLERS.on(Group.MemberLeft, Group.MemberRemoved)
def _group_member_left(
    b: Batch, e: Group.MemberLeft | Group.MemberRemoved, _pos: int
) -> None:
    b[group_members].delete((str(e.originator_id), str(e.member_id)))


def is_mentor(conn: Connection, mentor_id: str, mentee_id: str) -> bool:
    """True while `mentor_id` is an accepted mentor of `mentee_id`."""
    return bool(
        conn.execute(
            select(
                exists().where(
                    mentor_links.c.mentee_id == mentee_id,
                    mentor_links.c.mentor_id == mentor_id,
                    mentor_links.c.status == "accepted",
                )
            )
        ).scalar()
    )


def share_a_group(conn: Connection, a: str, b: str) -> bool:
    """True if two members are in at least one group together."""
    mine, theirs = group_members.alias("mine"), group_members.alias("theirs")
    return bool(
        conn.execute(
            select(
                exists().where(
                    and_(
                        mine.c.member_id == a,
                        theirs.c.member_id == b,
                        mine.c.group_id == theirs.c.group_id,
                    )
                )
            )
        ).scalar()
    )


def visible_levels(conn: Connection, viewer_id: str, owner_id: str) -> frozenset[str]:
    """The item visibilities of `owner_id` that `viewer_id` may see (SPEC 9): those
    of their closest relation, looked up closest first."""
    return levels_seen_by(relation_of(conn, viewer_id, owner_id))


def relation_of(conn: Connection, viewer_id: str, owner_id: str) -> Relation:
    """How `viewer_id` is related to `owner_id` now, the closest relation if several."""
    if viewer_id == owner_id:
        return Relation.OWNER
    if is_mentor(conn, viewer_id, owner_id):
        return Relation.MENTOR
    if share_a_group(conn, viewer_id, owner_id):
        return Relation.GROUP_MEMBER
    return Relation.STRANGER


@dataclass(frozen=True)
class MentorLink:
    """A mentorship as either side sees it."""

    mentorship_id: str
    mentee_id: str
    mentor_email: str
    mentor_id: str | None
    status: str


def member_names(conn: Connection, member_ids: Iterable[str]) -> dict[str, str]:
    """Display names of these members (erased or unknown ones are left out)."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    rows = conn.execute(
        select(members.c.member_id, members.c.display_name).where(
            members.c.member_id.in_(ids)
        )
    )
    return {r.member_id: r.display_name for r in rows}


def member_timezone(conn: Connection, member_id: str) -> str | None:
    """The member's IANA timezone, or None for an unknown member."""
    return conn.execute(
        select(members.c.timezone).where(members.c.member_id == member_id)
    ).scalar()


def mentee_ids(conn: Connection, mentor_id: str) -> list[str]:
    """The members `mentor_id` mentors now (accepted, not ended)."""
    return list(
        conn.scalars(
            select(mentor_links.c.mentee_id)
            .where(
                mentor_links.c.mentor_id == mentor_id,
                mentor_links.c.status == "accepted",
            )
            .order_by(mentor_links.c.mentee_id)
        )
    )


def mentorships_of(conn: Connection, member_id: str) -> list[MentorLink]:
    """Every mentorship the member is in, as mentee or as (invited) mentor."""
    email = select(members.c.email).where(members.c.member_id == member_id)
    rows = conn.execute(
        select(mentor_links)
        .where(
            or_(
                mentor_links.c.mentee_id == member_id,
                mentor_links.c.mentor_id == member_id,
                and_(
                    mentor_links.c.mentor_email == email.scalar_subquery(),
                    mentor_links.c.status == "proposed",
                ),
            )
        )
        .order_by(mentor_links.c.mentorship_id)
    )
    return [MentorLink(**row._mapping) for row in rows]


def group_member_ids(conn: Connection, group_id: str) -> list[str]:
    """The current members of a group."""
    return list(
        conn.scalars(
            select(group_members.c.member_id)
            .where(group_members.c.group_id == group_id)
            .order_by(group_members.c.member_id)
        )
    )


def group_ids_of(conn: Connection, member_id: str) -> list[str]:
    """The groups a member belongs to now."""
    return list(
        conn.scalars(
            select(group_members.c.group_id)
            .where(group_members.c.member_id == member_id)
            .order_by(group_members.c.group_id)
        )
    )


@dataclass(frozen=True)
class Account:
    """A member's account as an admin's list shows it."""

    member_id: str
    email: str
    display_name: str


def accounts(conn: Connection, after_email: str = "", limit: int = 50) -> list[Account]:
    """Accounts by email, the first `limit` after `after_email` (erased ones are
    gone from this table)."""
    rows = conn.execute(
        select(members.c.member_id, members.c.email, members.c.display_name)
        .where(members.c.email > after_email)
        .order_by(members.c.email)
        .limit(limit)
    )
    return [Account(**row._mapping) for row in rows]
