"""Idempotency keys: the same key from the same member within 24 h → the first result.

The record is saved in the same append as the command's events, so a request either
happened with its record or not at all. Two concurrent requests with one key both try
to create (or renew) the record at the same version: one append wins, the other gets a
conflict and then finds the winner's record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from uuid import UUID

from service.commands import Command, Result
from service.domain.idempotency import IdempotencyRecord, idempotency_record_id
from service.errors import IdempotencyKeyReusedError, ValidationError
from service.uow import UnitOfWork


@dataclass(frozen=True)
class Recall:
    """What a key recalls: a result to return, or the (expired) record it saw."""

    result: Result | None
    record: IdempotencyRecord | None


def _actor(command: Command) -> UUID | None:
    actor = getattr(command, "actor_id", None)
    return actor if isinstance(actor, UUID) else None


def _record_id(command: Command, key: str) -> UUID:
    """Keys are per member; before sign-up, per email address."""
    actor = _actor(command)
    scope = str(actor) if actor else f"email:{getattr(command, 'email', '')}".lower()
    return idempotency_record_id(scope, key)


def fingerprint(command: Command) -> str:
    """A digest of the request, leaving secrets out (it is stored forever)."""
    fields = {k: ("" if "password" in k else v) for k, v in command.as_dict().items()}
    body = json.dumps([type(command).__name__, fields], default=str, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def recall(uow: UnitOfWork, command: Command, key: str) -> Recall:
    """The first result if this key was used for this request within 24 h."""
    if not key or len(key) > 255:
        raise ValidationError(
            "Idempotency-Key must be 1 to 255 characters.", "idempotency_key"
        )
    record = uow.find(IdempotencyRecord, _record_id(command, key))
    if record is None or not record.is_fresh(uow.now):
        return Recall(None, record)
    if record.fingerprint != fingerprint(command):
        raise IdempotencyKeyReusedError(
            "This Idempotency-Key was already used for a different request."
        )
    stored = record.result
    return Recall(
        Result(id=UUID(stored["id"]), version=stored["version"], extra=stored["extra"]),
        record,
    )


def remember(
    uow: UnitOfWork, command: Command, key: str, result: Result, seen: Recall
) -> None:
    """Record the result with the command's events, renewing the record `seen`."""
    stored = {
        "id": str(result.id),
        "version": result.version,
        "extra": dict(result.extra),
    }
    if seen.record is None:
        uow.add(
            IdempotencyRecord(
                id=_record_id(command, key),
                fingerprint=fingerprint(command),
                result=stored,
                actor_id=_actor(command),
            )
        )
    else:
        seen.record.remember_again(
            fingerprint=fingerprint(command), result=stored, actor_id=_actor(command)
        )
