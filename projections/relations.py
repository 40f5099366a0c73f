"""Members, mentorships and group memberships as rows: what visibility checks read.

`visible_levels(conn, viewer, owner)` is the one read-side implementation of SPEC 9:
which item visibilities of `owner` the `viewer` may see right now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import Notification
from sqlalchemy import (
    Column,
    Connection,
    Integer,
    String,
    Table,
    and_,
    delete,
    exists,
    select,
    update,
)

from projections.db import metadata

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


class Relations:
    """Keeps members, mentor links and group memberships in step with the log."""

    name = "relations"
    tables = (members, mentor_links, group_members)

    def __init__(self) -> None:
        self._handlers: dict[str, Callable[[Connection, Any, str], None]] = {
            "Member.Registered": self._member_registered,
            "Member.ProfileUpdated": self._member_profile_updated,
            "Member.WeeklyTargetSet": self._member_weekly_target_set,
            "Mentorship.MentorshipProposed": self._mentorship_proposed,
            "Mentorship.MentorshipRenewed": self._mentorship_renewed,
            "Mentorship.MentorshipAccepted": self._mentorship_accepted,
            "Mentorship.MentorshipDeclined": self._mentorship_declined,
            "Mentorship.MentorshipEnded": self._mentorship_ended,
            "Group.GroupCreated": self._group_group_created,
            "Group.MemberJoined": self._group_member_joined,
            "Group.MemberLeft": self._group_member_left,
            "Group.MemberRemoved": self._group_member_removed,
        }

    def apply(self, conn: Connection, event: Any, notification: Notification) -> None:
        """Change rows for the events that concern relations; ignore the rest."""
        handler = self._handlers.get(type(event).__qualname__)
        if handler is not None:
            handler(conn, event, str(event.originator_id))

    def _member_registered(self, conn: Connection, e: Any, oid: str) -> None:
        conn.execute(
            members.insert().values(
                member_id=oid,
                email=e.email,
                display_name=e.display_name,
                timezone=e.timezone,
                weekly_target=3,
            )
        )

    def _member_profile_updated(self, conn: Connection, e: Any, oid: str) -> None:
        conn.execute(
            update(members)
            .where(members.c.member_id == oid)
            .values(display_name=e.display_name, timezone=e.timezone)
        )

    def _member_weekly_target_set(self, conn: Connection, e: Any, oid: str) -> None:
        conn.execute(
            update(members)
            .where(members.c.member_id == oid)
            .values(weekly_target=e.actions_per_week)
        )

    def _mentorship_proposed(self, conn: Connection, e: Any, oid: str) -> None:
        conn.execute(
            mentor_links.insert().values(
                mentorship_id=oid,
                mentee_id=str(e.mentee_id),
                mentor_email=e.mentor_email,
                mentor_id=None,
                status="proposed",
            )
        )

    def _status(self, conn: Connection, oid: str, **values: Any) -> None:
        conn.execute(
            update(mentor_links)
            .where(mentor_links.c.mentorship_id == oid)
            .values(**values)
        )

    def _mentorship_renewed(self, conn: Connection, e: Any, oid: str) -> None:
        self._status(conn, oid, status="proposed", mentor_id=None)

    def _mentorship_accepted(self, conn: Connection, e: Any, oid: str) -> None:
        self._status(conn, oid, status="accepted", mentor_id=str(e.mentor_id))

    def _mentorship_declined(self, conn: Connection, e: Any, oid: str) -> None:
        self._status(conn, oid, status="declined")

    def _mentorship_ended(self, conn: Connection, e: Any, oid: str) -> None:
        self._status(conn, oid, status="ended")

    def _join(self, conn: Connection, group_id: str, member_id: str) -> None:
        conn.execute(
            group_members.insert().values(group_id=group_id, member_id=member_id)
        )

    def _leave(self, conn: Connection, group_id: str, member_id: str) -> None:
        conn.execute(
            delete(group_members).where(
                group_members.c.group_id == group_id,
                group_members.c.member_id == member_id,
            )
        )

    def _group_group_created(self, conn: Connection, e: Any, oid: str) -> None:
        self._join(conn, oid, str(e.facilitator_id))

    def _group_member_joined(self, conn: Connection, e: Any, oid: str) -> None:
        self._join(conn, oid, str(e.member_id))

    def _group_member_left(self, conn: Connection, e: Any, oid: str) -> None:
        self._leave(conn, oid, str(e.member_id))

    def _group_member_removed(self, conn: Connection, e: Any, oid: str) -> None:
        self._leave(conn, oid, str(e.member_id))


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
    """The item visibilities of `owner_id` that `viewer_id` may see (SPEC 9)."""
    if viewer_id == owner_id:
        return frozenset({"private", "mentors", "group"})
    if is_mentor(conn, viewer_id, owner_id):
        return frozenset({"mentors", "group"})
    if share_a_group(conn, viewer_id, owner_id):
        return frozenset({"group"})
    return frozenset()
