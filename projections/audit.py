"""Audit index: per event its position, aggregate, type, actor, time and chain hash.

Each hash is SHA-256 over the previous hash and the stored event's canonical bytes,
so changing, removing or reordering a stored event breaks the chain from there on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Notification
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
from service.application import MomentumApplication
from service.inspect import all_notifications

GENESIS = "0" * 64

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
