"""The notifications read model's tables, and the facts it keeps from other aggregates.

`inbox` holds one row per recipient and event (the event's log position is the
notification's id); `pending` holds mentor requests to emails nobody has registered
yet. The other tables are what deciding and wording notifications needs: names and
read marks, goal and action titles and visibility, mentorships, suggestions, groups,
facilitators and buddy pairs. `Facts` keeps them current; `Notifications` (in
`projections.notifications`) adds the events that notify someone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    String,
    Table,
    Text,
    delete,
    or_,
    select,
    update,
)

from projections.base import Projection, UTCDateTime, on
from projections.db import metadata

NOTICE_FIELDS = ("kind", "created_at", "actor_id", "text", "item_kind", "item_id")


def _notice_columns() -> list[Column[Any]]:
    return [
        Column("kind", String(32), nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("actor_id", String(36), nullable=True),
        Column("text", Text, nullable=False),
        Column("item_kind", String(16), nullable=True),
        Column("item_id", String(36), nullable=True),
    ]


inbox = Table(
    "rm_notifications_inbox",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    *_notice_columns(),
)
pending = Table(
    "rm_notifications_pending",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    *_notice_columns(),
)
members = Table(
    "rm_notifications_members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("display_name", String(80), nullable=False),
    Column("read_up_to", BigInteger, nullable=False, default=0),
)
mentorships = Table(
    "rm_notifications_mentorships",
    metadata,
    Column("mentorship_id", String(36), primary_key=True),
    Column("mentee_id", String(36), nullable=False),
    Column("mentor_email", String(254), nullable=False),
    Column("mentor_id", String(36), nullable=True),
    Column("status", String(16), nullable=False),
    Column("asked_at", UTCDateTime(), nullable=True),  # when last proposed
)
items = Table(  # goals, milestones, actions: titles for texts, visibility for buddies
    "rm_notifications_items",
    metadata,
    Column("item_id", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("owner_id", String(36), nullable=False),
    Column("title", String(150), nullable=False),
    Column("goal_id", String(36), nullable=True),
    Column("visibility", String(16), nullable=True),
    Column("retracted", Boolean, nullable=False, default=False),
)
suggestions = Table(
    "rm_notifications_suggestions",
    metadata,
    Column("suggestion_id", String(36), primary_key=True),
    Column("mentor_id", String(36), nullable=False),
    Column("mentee_id", String(36), nullable=False),
    Column("goal_id", String(36), nullable=False),
    Column("title", String(150), nullable=False),
    Column("made_at", UTCDateTime(), nullable=True),
    Column("status", String(16), nullable=True),  # open, accepted or declined
)
groups = Table(
    "rm_notifications_groups",
    metadata,
    Column("group_id", String(36), primary_key=True),
    Column("name", String(80), nullable=False),
)
facilitators = Table(
    "rm_notifications_facilitators",
    metadata,
    Column("group_id", String(36), primary_key=True),
    Column("member_id", String(36), primary_key=True),
)
buddies = Table(  # both directions of each pair; the key starts with the member
    "rm_notifications_buddies",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("group_id", String(36), primary_key=True),
    Column("buddy_id", String(36), nullable=False),
)
TABLES = (
    inbox,
    pending,
    members,
    mentorships,
    items,
    suggestions,
    groups,
    facilitators,
    buddies,
)


def text_or_none(value: Any) -> str | None:
    """An id (or any value) as a string column value; None stays None."""
    return None if value is None else str(value)


class Facts(Projection):
    """Keeps the small facts notifications need; these events notify nobody."""

    @on("Member.ProfileUpdated")
    def _profile_updated(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            update(members)
            .where(members.c.member_id == str(e.originator_id))
            .values(display_name=e.display_name)
        )

    @on("Member.NotificationsRead")
    def _read(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            update(members)
            .where(members.c.member_id == str(e.originator_id))
            .values(read_up_to=e.up_to)
        )

    @on("Member.Erased")
    def _erased(self, conn: Connection, e: Any, _pos: int) -> None:
        """Purge the member: their inbox, what they caused, their titles and links."""
        m = str(e.originator_id)
        for table, condition in (
            (inbox, or_(inbox.c.member_id == m, inbox.c.actor_id == m)),
            (pending, pending.c.actor_id == m),
            (items, items.c.owner_id == m),
            (
                mentorships,
                or_(mentorships.c.mentee_id == m, mentorships.c.mentor_id == m),
            ),
            (
                suggestions,
                or_(suggestions.c.mentor_id == m, suggestions.c.mentee_id == m),
            ),
            (facilitators, facilitators.c.member_id == m),
            (buddies, or_(buddies.c.member_id == m, buddies.c.buddy_id == m)),
            (members, members.c.member_id == m),
        ):
            conn.execute(delete(table).where(condition))

    @on("Goal.GoalSet")
    def _goal_set(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            items.insert().values(
                item_id=str(e.originator_id),
                kind="goal",
                owner_id=str(e.owner_id),
                title=e.title,
                goal_id=None,
                visibility=e.visibility,
                retracted=False,
            )
        )

    @on("Goal.MilestoneAdded")
    def _milestone_added(self, conn: Connection, e: Any, _pos: int) -> None:
        goal_id = str(e.originator_id)
        owner = conn.execute(
            select(items.c.owner_id).where(items.c.item_id == goal_id)
        ).scalar()
        if owner is None:  # its owner was erased
            return
        conn.execute(
            items.insert().values(
                item_id=str(e.milestone_id),
                kind="milestone",
                owner_id=owner,
                title=e.title,
                goal_id=goal_id,
                visibility=None,
                retracted=False,
            )
        )

    @staticmethod
    def _changed(conn: Connection, e: Any, names: tuple[str, ...]) -> None:
        values = {k: text_or_none(v) for k, v in e.changes.items() if k in names}
        if values:
            conn.execute(
                update(items)
                .where(items.c.item_id == str(e.originator_id))
                .values(**values)
            )

    @on("Goal.GoalRevised")
    def _goal_revised(self, conn: Connection, e: Any, _pos: int) -> None:
        self._changed(conn, e, ("title", "visibility"))

    @on("Action.ActionEdited")
    def _action_edited(self, conn: Connection, e: Any, _pos: int) -> None:
        self._changed(conn, e, ("title", "goal_id", "visibility"))

    @on("Action.ActionRetracted")
    def _action_retracted(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            update(items)
            .where(items.c.item_id == str(e.originator_id))
            .values(retracted=True)
        )

    @on("Group.GroupCreated")
    def _group_created(self, conn: Connection, e: Any, _pos: int) -> None:
        group_id = str(e.originator_id)
        conn.execute(groups.insert().values(group_id=group_id, name=e.name))
        conn.execute(
            facilitators.insert().values(
                group_id=group_id, member_id=str(e.facilitator_id)
            )
        )

    @on("Group.FacilitatorAdded")
    def _facilitator_added(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            facilitators.insert().values(
                group_id=str(e.originator_id), member_id=str(e.member_id)
            )
        )

    @on("Group.MemberLeft", "Group.MemberRemoved")
    def _member_left(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            delete(facilitators).where(
                facilitators.c.group_id == str(e.originator_id),
                facilitators.c.member_id == str(e.member_id),
            )
        )

    @on("Group.BuddiesPaired")
    def _paired(self, conn: Connection, e: Any, _pos: int) -> None:
        group_id, a, b = str(e.originator_id), str(e.member_a), str(e.member_b)
        conn.execute(
            buddies.insert(),
            [
                {"member_id": a, "group_id": group_id, "buddy_id": b},
                {"member_id": b, "group_id": group_id, "buddy_id": a},
            ],
        )

    @on("Group.BuddiesUnpaired")
    def _unpaired(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            delete(buddies).where(
                buddies.c.group_id == str(e.originator_id),
                buddies.c.member_id.in_((str(e.member_a), str(e.member_b))),
            )
        )
