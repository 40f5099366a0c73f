"""Reading the peer groups read model for many members at once (what `notify`
plans group digests by): one statement per table whatever the number of members."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection, select

from projections.groups import facilitators, groups
from projections.relations_queries import members_of_groups


@dataclass(frozen=True)
class Roster:
    """A peer group and its current members."""

    group_id: str
    name: str
    member_ids: tuple[str, ...]


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
    group_ids = sorted({r.group_id for r in led})
    roster = members_of_groups(conn, group_ids) if group_ids else {}
    found: dict[str, list[Roster]] = defaultdict(list)
    for member_id, group_id, name in led:
        members = tuple(roster.get(group_id, ()))
        found[member_id].append(Roster(group_id, name, members))
    return found
