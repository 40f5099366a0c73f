"""Group board: each peer group's name, facilitators and buddy pairs (SPEC 4).

Membership itself lives in `relations` (visibility needs it); the board's query
combines these tables with the members' metrics and their group-visible wins.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, String, Table, Text, delete, or_

from projections.base import Projection, UTCDateTime, on
from projections.db import metadata

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


class GroupBoard(Projection):
    """Keeps groups, facilitators and buddy pairs in step with the log."""

    name = "groups"
    tables = (groups, facilitators, buddies)

    @on("Group.GroupCreated")
    def _created(self, conn: Connection, e: Any, _pos: int) -> None:
        gid = str(e.originator_id)
        conn.execute(
            groups.insert().values(
                group_id=gid, name=e.name, purpose=e.purpose, created_at=e.timestamp
            )
        )
        conn.execute(
            facilitators.insert().values(group_id=gid, member_id=str(e.facilitator_id))
        )

    @on("Group.FacilitatorAdded")
    def _facilitator_added(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            facilitators.insert().values(
                group_id=str(e.originator_id), member_id=str(e.member_id)
            )
        )

    @on("Group.BuddiesPaired")
    def _paired(self, conn: Connection, e: Any, _pos: int) -> None:
        a, b = _pair(e)
        conn.execute(
            buddies.insert().values(
                group_id=str(e.originator_id), member_a=a, member_b=b
            )
        )

    @on("Group.BuddiesUnpaired")
    def _unpaired(self, conn: Connection, e: Any, _pos: int) -> None:
        a, b = _pair(e)
        conn.execute(
            delete(buddies).where(
                buddies.c.group_id == str(e.originator_id),
                buddies.c.member_a == a,
                buddies.c.member_b == b,
            )
        )

    @on("Group.MemberLeft", "Group.MemberRemoved")
    def _left(self, conn: Connection, e: Any, _pos: int) -> None:
        gid, member = str(e.originator_id), str(e.member_id)
        conn.execute(
            delete(buddies).where(
                buddies.c.group_id == gid,
                or_(buddies.c.member_a == member, buddies.c.member_b == member),
            )
        )
        conn.execute(
            delete(facilitators).where(
                facilitators.c.group_id == gid, facilitators.c.member_id == member
            )
        )
