"""Members, mentorships and group memberships as rows: what visibility checks read.

`visible_levels(conn, viewer, owner)` is what every read path asks: which item
visibilities of `owner` the `viewer` may see right now. It finds the viewer's closest
relation to the owner here and takes its levels from the rule, SPEC 9, in
`service.domain.visibility`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    String,
    Table,
    and_,
    delete,
    exists,
    or_,
    select,
    update,
)

from projections.base import Projection, on
from projections.db import metadata
from service.domain.member import DEFAULT_PREFERENCES, SCHEDULE_PREFERENCES
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


class Relations(Projection):
    """Keeps members, mentor links and group memberships in step with the log."""

    name = "relations"
    tables = (members, mentor_links, group_members, member_preferences)

    @on("Member.Registered")
    def _member_registered(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            members.insert().values(
                member_id=str(e.originator_id),
                email=e.email,
                display_name=e.display_name,
                timezone=e.timezone,
                weekly_target=3,
            )
        )

    @on("Member.Erased")
    def _member_erased(self, conn: Connection, e: Any, _pos: int) -> None:
        """An erased member leaves no name, email or link behind (SPEC 9)."""
        member_id = str(e.originator_id)
        conn.execute(
            delete(mentor_links).where(
                or_(
                    mentor_links.c.mentee_id == member_id,
                    mentor_links.c.mentor_id == member_id,
                )
            )
        )
        conn.execute(
            delete(group_members).where(group_members.c.member_id == member_id)
        )
        conn.execute(
            delete(member_preferences).where(
                member_preferences.c.member_id == member_id
            )
        )
        conn.execute(delete(members).where(members.c.member_id == member_id))

    @on("Member.NotificationPreferencesChanged")
    def _preferences_changed(self, conn: Connection, e: Any, _pos: int) -> None:
        member_id = str(e.originator_id)
        values = preference_row(e.preferences)
        prefs = member_preferences.c.member_id == member_id
        conn.execute(delete(member_preferences).where(prefs))
        conn.execute(member_preferences.insert().values(member_id=member_id, **values))

    @on("Member.ProfileUpdated")
    def _member_profile_updated(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            update(members)
            .where(members.c.member_id == str(e.originator_id))
            .values(display_name=e.display_name, timezone=e.timezone)
        )

    @on("Member.WeeklyTargetSet")
    def _member_weekly_target_set(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            update(members)
            .where(members.c.member_id == str(e.originator_id))
            .values(weekly_target=e.actions_per_week)
        )

    @on("Mentorship.MentorshipProposed")
    def _mentorship_proposed(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            mentor_links.insert().values(
                mentorship_id=str(e.originator_id),
                mentee_id=str(e.mentee_id),
                mentor_email=e.mentor_email,
                mentor_id=None,
                status="proposed",
            )
        )

    @staticmethod
    def _status(conn: Connection, e: Any, **values: Any) -> None:
        conn.execute(
            update(mentor_links)
            .where(mentor_links.c.mentorship_id == str(e.originator_id))
            .values(**values)
        )

    @on("Mentorship.MentorshipRenewed")
    def _mentorship_renewed(self, conn: Connection, e: Any, _pos: int) -> None:
        self._status(conn, e, status="proposed", mentor_id=None)

    @on("Mentorship.MentorshipAccepted")
    def _mentorship_accepted(self, conn: Connection, e: Any, _pos: int) -> None:
        self._status(conn, e, status="accepted", mentor_id=str(e.mentor_id))

    @on("Mentorship.MentorshipDeclined")
    def _mentorship_declined(self, conn: Connection, e: Any, _pos: int) -> None:
        self._status(conn, e, status="declined")

    @on("Mentorship.MentorshipEnded")
    def _mentorship_ended(self, conn: Connection, e: Any, _pos: int) -> None:
        self._status(conn, e, status="ended")

    @on("Group.GroupCreated")
    def _group_created(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            group_members.insert().values(
                group_id=str(e.originator_id), member_id=str(e.facilitator_id)
            )
        )

    @on("Group.MemberJoined")
    def _group_member_joined(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            group_members.insert().values(
                group_id=str(e.originator_id), member_id=str(e.member_id)
            )
        )

    @on("Group.MemberLeft", "Group.MemberRemoved")
    def _group_member_left(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            delete(group_members).where(
                group_members.c.group_id == str(e.originator_id),
                group_members.c.member_id == str(e.member_id),
            )
        )


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
