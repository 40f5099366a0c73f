"""Who digests go to, and their mentees and groups, read for many members at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from projections.groups import facilitators, groups
from projections.relations import group_members, members, mentor_links


@dataclass(frozen=True)
class Person:
    """A member as a digest addresses them."""

    member_id: str
    email: str
    display_name: str
    timezone: str
    weekly_target: int


@dataclass(frozen=True)
class Roster:
    """A peer group and its current members."""

    group_id: str
    name: str
    member_ids: tuple[str, ...]


def people(conn: Connection, ids: Iterable[str]) -> dict[str, Person]:
    """The known members among `ids`."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = conn.execute(select(members).where(members.c.member_id.in_(wanted)))
    return {r.member_id: Person(**r._mapping) for r in rows}


def mentees_of(conn: Connection, mentor_ids: Collection[str]) -> dict[str, list[str]]:
    """Per mentor, the members they mentor now (accepted, not ended)."""
    link = mentor_links.c
    rows = conn.execute(
        select(link.mentor_id, link.mentee_id)
        .where(link.mentor_id.in_(mentor_ids), link.status == "accepted")
        .order_by(link.mentor_id, link.mentee_id)
    )
    found: dict[str, list[str]] = defaultdict(list)
    for mentor_id, mentee_id in rows:
        found[mentor_id].append(mentee_id)
    return found


def groups_led_by(
    conn: Connection, facilitator_ids: Collection[str]
) -> dict[str, list[Roster]]:
    """Per facilitator, the groups they facilitate, by name, with their members."""
    led = conn.execute(
        select(facilitators.c.member_id, groups.c.group_id, groups.c.name)
        .join(groups, groups.c.group_id == facilitators.c.group_id)
        .where(facilitators.c.member_id.in_(facilitator_ids))
        .order_by(groups.c.name, groups.c.group_id)
    ).all()
    roster: dict[str, list[str]] = defaultdict(list)
    group_ids = sorted({r.group_id for r in led})
    if group_ids:
        rows = conn.execute(
            select(group_members.c.group_id, group_members.c.member_id)
            .where(group_members.c.group_id.in_(group_ids))
            .order_by(group_members.c.group_id, group_members.c.member_id)
        )
        for group_id, member_id in rows:
            roster[group_id].append(member_id)
    found: dict[str, list[Roster]] = defaultdict(list)
    for member_id, group_id, name in led:
        found[member_id].append(Roster(group_id, name, tuple(roster[group_id])))
    return found
