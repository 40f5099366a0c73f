"""Reading the relations read model for many members at once: who mail goes to, when
they want it, their mentees and their groups' members (what `notify` plans by).

Each function runs one statement whatever the number of members (SPEC 11).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, select

from projections.relations import (
    DEFAULT_PREFERENCE_ROW,
    group_members,
    member_preferences,
    members,
    mentor_links,
)


@dataclass(frozen=True)
class Contact:
    """A member as mail addresses them."""

    member_id: str
    email: str
    display_name: str
    timezone: str
    weekly_target: int


def contacts(conn: Connection, member_ids: Iterable[str]) -> dict[str, Contact]:
    """The known members among `member_ids`, by id."""
    wanted = sorted(set(member_ids))
    if not wanted:
        return {}
    rows = conn.execute(select(members).where(members.c.member_id.in_(wanted)))
    return {r.member_id: Contact(**r._mapping) for r in rows}


def current_member_ids() -> Select[tuple[str]]:
    """The ids of the current members (erased members are dropped), as a subquery
    for a statement on another table (one statement, however many members)."""
    return select(members.c.member_id)


def mentees_by_mentor(
    conn: Connection, mentor_ids: Collection[str]
) -> dict[str, list[str]]:
    """Per mentor, the members they mentor now (accepted, not ended), by id."""
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


def members_of_groups(
    conn: Connection, group_ids: Collection[str]
) -> dict[str, list[str]]:
    """Per group, its current members, by id (groups without any are left out)."""
    gm = group_members.c
    rows = conn.execute(
        select(gm.group_id, gm.member_id)
        .where(gm.group_id.in_(group_ids))
        .order_by(gm.group_id, gm.member_id)
    )
    found: dict[str, list[str]] = defaultdict(list)
    for group_id, member_id in rows:
        found[group_id].append(member_id)
    return found


@dataclass(frozen=True)
class MailPreferences:
    """A member's address, timezone and mail preferences."""

    member_id: str
    email: str
    timezone: str
    values: Mapping[str, Any]
    """Each column of `DEFAULT_PREFERENCE_ROW`: the member's, or the defaults if
    they never changed their preferences (they have no preferences row)."""


def mail_preferences(conn: Connection) -> list[MailPreferences]:
    """Every member's mail preferences, by member id."""
    prefs = member_preferences.c
    columns = [prefs[name] for name in DEFAULT_PREFERENCE_ROW]
    query = (
        select(members.c.member_id, members.c.email, members.c.timezone, *columns)
        .outerjoin(member_preferences, prefs.member_id == members.c.member_id)
        .order_by(members.c.member_id)
    )
    return [_preferences(row) for row in conn.execute(query)]


def _preferences(row: Any) -> MailPreferences:
    values: dict[str, Any] = dict(DEFAULT_PREFERENCE_ROW)
    if row.digest is not None:  # the member has a preferences row
        values = {name: row._mapping[name] for name in DEFAULT_PREFERENCE_ROW}
    return MailPreferences(row.member_id, row.email, row.timezone, values)
