"""A member's history from the read models: the log positions of every event they
caused or that concerns them, newest first, one keyset page at a time (issue 17).

Four sources, each served by an index and read newest first down to the page's
size, then merged (a UNION: an event found twice is listed once):

- "caused": what the member caused, `audit_index` by `(actor_id, position)`;
- "account": their account's events, `audit_index` by `aggregate_id`;
- "shared": every event of a shared item they are party to (feedback and cheers
  given or received, suggestions, mentorships), `rm_history_parties` by member
  joined to `audit_index` by item;
- "mentions": group, token and role events that concern them (as actor or named),
  `rm_history_mentions` by `(member_id, position)`.

A kind filter reads only the sources that hold that kind (`SOURCES`): feedback,
cheers, mentoring and group events are all in "shared" or "mentions", actor
included, so a member with thousands of actions finds their few cheers without
reading through what they caused. An item filter reads that item's events by
`aggregate_id`.

Bookkeeping aggregates (email index, idempotency records, group membership index,
reminders) repeat what the events beside them say and are left out. The rows are
metadata (`AuditRow`); what an event said is read from the event store by the
service (`service.history`), as far as the member may read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, or_, select, union

from projections.audit import audit_index as t
from projections.audit_queries import COLUMNS, AuditRow
from projections.history import mentions, parties

KINDS: dict[str, tuple[str, ...]] = {
    "goal": ("Goal",),
    "action": ("Action",),
    "review": ("Review",),
    "feedback": ("Feedback",),
    "cheer": ("Cheer",),
    "mentoring": ("Mentorship", "Suggestion"),
    "group": ("Group",),
    "account": ("Member", "ApiToken"),
}
"""The `kind` filter: each kind and the aggregate types it covers."""
KIND_OF = {aggregate: kind for kind, types in KINDS.items() for aggregate in types}
"""An aggregate type's kind (types not listed are not shown)."""
SOURCES: dict[str | None, frozenset[str]] = {
    None: frozenset({"caused", "account", "shared", "mentions"}),
    "goal": frozenset({"caused"}),
    "action": frozenset({"caused"}),
    "review": frozenset({"caused"}),
    "feedback": frozenset({"shared"}),
    "cheer": frozenset({"shared"}),
    "mentoring": frozenset({"shared"}),
    "group": frozenset({"mentions"}),
    "account": frozenset({"account", "mentions"}),
}
"""Which sources hold the events of each kind (None: no kind filter)."""


@dataclass(frozen=True)
class HistoryFilter:
    """Whose history, and optionally which kind and which item (an item's own
    events and those of the feedback, cheers and suggestions about it)."""

    member_id: str
    kind: str | None = None
    item_id: str | None = None

    def types(self) -> tuple[str, ...]:
        """The aggregate types shown."""
        return KINDS[self.kind] if self.kind else tuple(KIND_OF)


def _newest(query: Select[Any], position: Any, before: int | None, limit: int) -> Any:
    """`query` down from `before` (exclusive), newest first, at most `limit`."""
    if before is not None:
        query = query.where(position < before)
    return query.order_by(position.desc()).limit(limit).subquery()


def _branches(where: HistoryFilter, before: int | None, limit: int) -> list[Any]:
    member, item, types = where.member_id, where.item_id, where.types()
    sources = SOURCES[where.kind]
    if item is not None and item != member:
        sources = sources - {"account"}
    shown = t.c.aggregate_type.in_(types)
    found = []
    if "caused" in sources:
        caused = select(t.c.position).where(shown)
        if item is None:
            caused = caused.where(t.c.actor_id == member)
        else:  # by the item's index, not through all the member caused
            caused = caused.where(t.c.aggregate_id == item, _unindexed(member))
        found.append(_newest(caused, t.c.position, before, limit))
    if "account" in sources:
        account = select(t.c.position).where(
            t.c.aggregate_id == member, t.c.aggregate_type == "Member"
        )
        found.append(_newest(account, t.c.position, before, limit))
    if "shared" in sources:
        p = parties.c
        shared = (
            select(t.c.position)
            .select_from(t.join(parties, t.c.aggregate_id == p.aggregate_id))
            .where(p.member_id == member, shown)
        )
        if item is not None:
            shared = shared.where(or_(p.item_id == item, p.aggregate_id == item))
        found.append(_newest(shared, t.c.position, before, limit))
    if "mentions" in sources:
        m = mentions.c
        named = (
            select(m.position)
            .select_from(mentions.join(t, t.c.position == m.position))
            .where(m.member_id == member, shown)
        )
        if item is not None:
            named = named.where(t.c.aggregate_id == item)
        found.append(_newest(named, m.position, before, limit))
    return found


def _unindexed(member: str) -> Any:
    """`actor_id = member`, written so that no planner reads it from the actor's
    index (through everything the member caused) instead of the item's."""
    return (t.c.actor_id + "") == member


def history_page(
    conn: Connection, where: HistoryFilter, before: int | None = None, limit: int = 50
) -> list[AuditRow]:
    """Up to `limit` events of the member's history before log position `before`
    (all if None), newest first."""
    merged = union(*(select(b.c.position) for b in _branches(where, before, limit)))
    page = merged.subquery()
    positions = (
        select(page.c.position)
        .order_by(page.c.position.desc())
        .limit(limit)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(*COLUMNS)
        .where(t.c.position.in_(positions))
        .order_by(t.c.position.desc())
    )
    return [AuditRow.of(row) for row in rows]
