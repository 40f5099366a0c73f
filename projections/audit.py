"""Audit index: per event its position, aggregate, type, actor, time and chain hash.

Each hash is SHA-256 over the previous hash and the stored event's canonical bytes,
so changing, removing or reordering a stored event breaks the chain from there on.
`verify` recomputes the chain; `export_lines` writes the log as JSON Lines with
metadata of every event and content only where the viewer may see the item.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Notification
from pydantic_core import to_jsonable_python
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    String,
    Table,
    select,
)

from projections.db import metadata
from service.application import MomentumApplication, to_history_entry
from service.domain.base import MomentumAggregate
from service.errors import NotFoundError
from service.inspect import all_notifications
from service.queries import require_visible

GENESIS = "0" * 64
EXPORT_BATCH = 500

audit_index = Table(
    "audit_index",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("aggregate_id", String(36), nullable=False, index=True),
    Column("aggregate_type", String(64), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("actor_id", String(36), nullable=True, index=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("chain_hash", String(64), nullable=False),
)


def canonical_bytes(n: Notification) -> bytes:
    """The stored event as bytes: position, aggregate, version, topic and state."""
    head = f"{n.id}\n{n.originator_id}\n{n.originator_version}\n{n.topic}\n"
    return head.encode() + bytes(n.state)


def chain(previous: str, n: Notification) -> str:
    """The hash of this event chained to the previous hash."""
    return hashlib.sha256(previous.encode() + canonical_bytes(n)).hexdigest()


class AuditIndex:
    """The audit index read model."""

    name = "audit"
    tables = (audit_index,)

    def apply(self, conn: Connection, event: Any, notification: Notification) -> None:
        """Index one event and extend the chain."""
        self.apply_batch(conn, [(notification, event)])

    def apply_batch(
        self, conn: Connection, events: Sequence[tuple[Notification, Any]]
    ) -> None:
        """Index events in log order, each hash chained to the one before."""
        last = conn.execute(
            select(audit_index.c.chain_hash)
            .order_by(audit_index.c.position.desc())
            .limit(1)
        ).scalar()
        previous = last or GENESIS
        rows = []
        for notification, event in events:
            previous = chain(previous, notification)
            actor = getattr(event, "actor_id", None)
            aggregate_type, _, event_type = type(event).__qualname__.rpartition(".")
            rows.append(
                {
                    "position": notification.id,
                    "aggregate_id": str(notification.originator_id),
                    "aggregate_type": aggregate_type,
                    "event_type": event_type,
                    "actor_id": str(actor) if actor else None,
                    "occurred_at": event.timestamp,
                    "chain_hash": previous,
                }
            )
        conn.execute(audit_index.insert(), rows)


@dataclass(frozen=True)
class ChainCheck:
    """The result of recomputing the chain."""

    checked: int
    first_break: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True if every indexed event matches the stored log."""
        return self.first_break is None


def verify(app: MomentumApplication, engine: Engine) -> ChainCheck:
    """Recompute the chain from the event store; point at the first break."""
    previous, checked = GENESIS, 0
    with engine.connect() as conn:
        indexed = conn.execute(
            select(audit_index.c.position, audit_index.c.chain_hash).order_by(
                audit_index.c.position
            )
        )
        stored = iter(indexed)
        for n in all_notifications(app):
            row = next(stored, None)
            if row is None:
                break  # not indexed yet: the projection is behind, not broken
            if row.position != n.id:
                return ChainCheck(checked, n.id, "an event is missing from the log")
            previous = chain(previous, n)
            if previous != row.chain_hash:
                return ChainCheck(checked, n.id, "the stored event was changed")
            checked += 1
        if next(stored, None) is not None:
            return ChainCheck(checked, checked + 1, "events were removed from the log")
    return ChainCheck(checked, None)


def export_lines(
    app: MomentumApplication,
    engine: Engine,
    viewer_id: UUID | None,
    after: int = 0,
    limit: int | None = None,
) -> Iterator[str]:
    """The log after position `after` (at most `limit` events) as JSON Lines, oldest
    first: position, aggregate, type, version, actor, time and chain hash of every
    event, and its content only where `viewer_id` may see the item like anyone
    else (SPEC 9). Viewer None, the operator at the command line, gets metadata
    only. Read in batches, so it can be streamed."""
    visible: dict[UUID, bool] = {}
    left = limit
    while left is None or left > 0:
        size = EXPORT_BATCH if left is None else min(EXPORT_BATCH, left)
        batch = app.recorder.select_notifications(
            start=after, limit=size, inclusive_of_start=False
        )
        if not batch:
            return
        hashes = _chain_hashes(engine, after, batch[-1].id)
        for notification in batch:
            line = _export_line(app, viewer_id, notification, hashes, visible)
            yield json.dumps(to_jsonable_python(line), separators=(",", ":")) + "\n"
        after = batch[-1].id
        left = None if left is None else left - len(batch)


def _chain_hashes(engine: Engine, after: int, last: int) -> dict[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(audit_index.c.position, audit_index.c.chain_hash).where(
                audit_index.c.position > after, audit_index.c.position <= last
            )
        )
        return {row.position: row.chain_hash for row in rows}


def _export_line(
    app: MomentumApplication,
    viewer_id: UUID | None,
    notification: Notification,
    hashes: dict[int, str],
    visible: dict[UUID, bool],
) -> dict[str, Any]:
    event = cast(MomentumAggregate.Event, app.mapper.to_domain_event(notification))
    aggregate_type, _, event_type = type(event).__qualname__.rpartition(".")
    aggregate_id = cast(UUID, notification.originator_id)
    if aggregate_id not in visible:
        visible[aggregate_id] = _may_see(app, viewer_id, aggregate_id)
    return {
        "position": notification.id,
        "aggregate_id": aggregate_id,
        "aggregate_type": aggregate_type,
        "type": event_type,
        "version": notification.originator_version,
        "actor_id": getattr(event, "actor_id", None),
        "time": event.timestamp,
        "chain_hash": hashes.get(notification.id),
        "content": to_history_entry(event).data if visible[aggregate_id] else None,
    }


def _may_see(app: MomentumApplication, viewer_id: UUID | None, item: UUID) -> bool:
    if viewer_id is None:
        return False
    try:
        require_visible(app, viewer_id, item)
    except NotFoundError:
        return False
    return True


def members_with_role_changes(conn: Connection) -> list[str]:
    """Members who were ever granted or revoked a role (every role holder is
    among them; their aggregates say which roles they hold now)."""
    return list(
        conn.scalars(
            select(audit_index.c.aggregate_id)
            .where(
                audit_index.c.aggregate_type == "Member",
                audit_index.c.event_type.in_(("RoleGranted", "RoleRevoked")),
            )
            .distinct()
            .order_by(audit_index.c.aggregate_id)
        )
    )
