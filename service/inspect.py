"""Read the event log directly: for the command line and for the audit check."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import cast
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification

from service.application import MomentumApplication
from service.domain.base import MomentumAggregate
from service.domain.goal import Goal

BATCH = 1000


def all_notifications(app: MomentumApplication) -> Iterator[Notification]:
    """Every stored event as recorded (position, topic, bytes), read in batches."""
    start = 0
    while True:
        batch = app.recorder.select_notifications(
            start=start, limit=BATCH, inclusive_of_start=False
        )
        if not batch:
            return
        yield from batch
        start = batch[-1].id


def all_events(app: MomentumApplication) -> Iterator[DomainEventProtocol[UUID]]:
    """Every event in the order it was recorded."""
    for notification in all_notifications(app):
        yield app.mapper.to_domain_event(notification)


def event_type_counts(app: MomentumApplication) -> Counter[str]:
    """How many events of each type the store holds."""
    return Counter(type(e).__qualname__ for e in all_events(app))


def member_goals(app: MomentumApplication, member_id: UUID) -> list[Goal]:
    """The member's goals, current state, oldest first."""
    ids = [
        e.originator_id
        for e in all_events(app)
        if type(e).__qualname__ == "Goal.GoalSet"
        and getattr(e, "owner_id", None) == member_id
    ]
    goals: list[object] = [app.repository.get(i) for i in ids]
    return [g for g in goals if isinstance(g, Goal)]


def recent_events(
    app: MomentumApplication, member_id: UUID, limit: int
) -> list[MomentumAggregate.Event]:
    """The member's own most recent events (those they acted on), newest first."""
    mine = [
        cast(MomentumAggregate.Event, e)
        for e in all_events(app)
        if getattr(e, "actor_id", None) == member_id
    ]
    return list(reversed(mine[-limit:]))
