"""Export (SPEC 9): every event about a member, decrypted, as JSON-ready data.

"About a member" means: the events of their own account (Member, whoever acted) and
every event they acted on — what they wrote, sealed with their key. Events others
wrote stay out, even on shared items (a mentor's note on a mentorship, a
facilitator's invitations), so one member's export never carries another member's
content; what others wrote *to* a member and the member may see is in the read-model
part of the export (`projections.privacy`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from service.application import PRIVATE_FIELDS, MomentumApplication
from service.crypto import ERASED_FLAG, event_name, key_owner
from service.inspect import all_notifications

BASE_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "actor_id"}
)


@dataclass(frozen=True)
class ExportedEvent:
    """One event as the export shows it."""

    position: int
    aggregate_id: UUID
    aggregate_type: str
    type: str
    version: int
    time: datetime
    actor_id: UUID | None
    data: dict[str, Any]


def member_events(app: MomentumApplication, member_id: UUID) -> list[ExportedEvent]:
    """The member's events in log order (see the module docstring)."""
    return list(_member_events(app, member_id))


def _member_events(
    app: MomentumApplication, member_id: UUID
) -> Iterator[ExportedEvent]:
    marker = member_id.hex.encode()
    for n in all_notifications(app):
        originator = UUID(str(n.originator_id))
        if originator != member_id and marker not in bytes(n.state):
            continue  # cheap: neither theirs nor naming them
        state = vars(app.mapper.to_domain_event(n))
        name = event_name(n.topic)
        mine = (name.startswith("Member.") and originator == member_id) or (
            state.get("actor_id") == member_id
            and key_owner(name, state, originator) in (member_id, None)
        )
        if mine:
            yield _exported(n, name, state)


def _exported(n: Notification, name: str, state: dict[str, Any]) -> ExportedEvent:
    aggregate_type, _, event_type = name.rpartition(".")
    data = {
        k: v
        for k, v in state.items()
        if k not in BASE_FIELDS and k not in PRIVATE_FIELDS and k != ERASED_FLAG
    }
    return ExportedEvent(
        position=n.id,
        aggregate_id=UUID(str(n.originator_id)),
        aggregate_type=aggregate_type,
        type=event_type,
        version=n.originator_version,
        time=state["timestamp"],
        actor_id=state.get("actor_id"),
        data=data,
    )


def jsonable(value: Any) -> Any:
    """`value` with ids, times, dates, sets and numbers as JSON understands them."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=str)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    return value


def event_json(event: ExportedEvent) -> dict[str, Any]:
    """One exported event as JSON data."""
    return {
        "position": event.position,
        "aggregate_id": str(event.aggregate_id),
        "aggregate_type": event.aggregate_type,
        "type": event.type,
        "version": event.version,
        "time": event.time.isoformat(),
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "data": jsonable(event.data),
    }
