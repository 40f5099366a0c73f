"""Who digests go to, and their mentees and groups, read for many members at once
(by the relations and groups read models' queries)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import Connection

from projections.groups_queries import Roster, groups_led_by
from projections.relations_queries import Contact as Person
from projections.relations_queries import contacts, mentees_by_mentor

__all__ = ["Person", "Roster", "groups_led_by", "mentees_of", "people"]


def people(conn: Connection, ids: Iterable[str]) -> dict[str, Person]:
    """The known members among `ids`."""
    return contacts(conn, ids)


def mentees_of(conn: Connection, mentor_ids: Collection[str]) -> dict[str, list[str]]:
    """Per mentor, the members they mentor now (accepted, not ended)."""
    return mentees_by_mentor(conn, mentor_ids)
