"""IdempotencyRecord: remembers the result of a request sent with an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from service.domain.base import MomentumAggregate, derived_id

KEY_LIFETIME = timedelta(hours=24)


def idempotency_record_id(scope: str, key: str) -> UUID:
    """Keys are scoped (per member): the same key in two scopes are two records."""
    return derived_id("idempotency", scope, key)


class IdempotencyRecord(MomentumAggregate):
    """Saved in the same append as the command's own events."""

    class RequestRemembered(MomentumAggregate.Created):
        """The result of a request sent with an Idempotency-Key was kept."""

        fingerprint: str
        result: dict[str, Any]
        actor_id: UUID | None

    @event(RequestRemembered)
    def __init__(
        self, id: UUID, fingerprint: str, result: dict[str, Any], actor_id: UUID | None
    ) -> None:
        self.fingerprint = fingerprint
        self.result = result

    def is_fresh(self, now: datetime) -> bool:
        """True within 24 hours of the request it remembers (its latest event)."""
        return now - self.modified_on < KEY_LIFETIME

    class RequestRememberedAgain(MomentumAggregate.Event):
        """An expired key was reused: a new request's result was kept."""

        fingerprint: str
        result: dict[str, Any]
        actor_id: UUID | None

    @event(RequestRememberedAgain)
    def remember_again(
        self, fingerprint: str, result: dict[str, Any], actor_id: UUID | None
    ) -> None:
        """Reuse an expired key for a new request."""
        self.fingerprint = fingerprint
        self.result = result
