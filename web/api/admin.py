"""Administration: audit chain verification and export.

Admins only; anyone else gets 404 (the routes do not exist for them). The export is
the event log as JSON Lines: metadata of every event, content only of the items the
admin may see like anyone else (SPEC 2 and 9: an admin role is no key to other
people's private items).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from flask import Response
from pydantic import BaseModel, Field
from pydantic_core import to_jsonable_python
from sqlalchemy import select

from projections.audit import audit_index, verify
from service.application import to_history_entry
from service.domain.base import MomentumAggregate
from service.errors import NotFoundError
from service.queries import require_visible
from web.api.common import ERRORS, blueprint
from web.auth import BEARER, caller
from web.system import System
from web.system import current_system as system

api = blueprint("admin", __name__, __doc__ or "")
EXPORT_BATCH = 500
NDJSON = "application/x-ndjson"


class AuditCheckOut(BaseModel):
    """The chain recomputed from the stored events."""

    ok: bool
    checked: int = Field(description="Events verified (before the break, if any).")
    first_break: int | None = Field(description="Log position of the first break.")
    reason: str


class AuditExportQuery(BaseModel):
    """Which part of the log to export."""

    after: int = Field(0, ge=0, description="Start after this log position.")
    limit: int | None = Field(
        None, ge=1, le=1_000_000, description="At most this many events (all if unset)."
    )


class AuditExportLine(BaseModel):
    """One line of the export: one stored event."""

    position: int
    aggregate_id: UUID
    aggregate_type: str
    type: str
    version: int
    actor_id: UUID | None
    time: datetime
    chain_hash: str | None = Field(description="None while the audit index lags.")
    content: dict[str, Any] | None = Field(
        description="The event's data, only where the admin may see the item."
    )


EXPORT_RESPONSE: dict[str, Any] = {
    "description": "One JSON object per line (`AuditExportLine`), oldest first.",
    "content": {NDJSON: {"schema": AuditExportLine.model_json_schema()}},
}


def _admin() -> UUID:
    """The caller, if they are an admin; 404 otherwise."""
    member = system().app.get_member(caller())
    if "admin" not in member.roles:
        raise NotFoundError("No such page.")
    return member.id


@api.get(
    "/admin/audit/verify", responses={200: AuditCheckOut, **ERRORS}, security=BEARER
)
def audit_verify() -> dict[str, Any]:
    """Recompute the hash chain over the stored events; point at the first break."""
    _admin()
    check = verify(system().app, system().engine)
    return AuditCheckOut(
        ok=check.ok,
        checked=check.checked,
        first_break=check.first_break,
        reason=check.reason,
    ).model_dump(mode="json")


@api.get(
    "/admin/audit/export",
    responses={200: EXPORT_RESPONSE, **ERRORS},
    security=BEARER,
)
def audit_export(query: AuditExportQuery) -> Response:
    """The event log as JSON Lines, streamed; page with `after` and `limit`."""
    admin = _admin()
    lines = export_lines(system(), admin, query.after, query.limit)
    return Response(lines, mimetype=NDJSON)


def export_lines(
    running: System, viewer: UUID, after: int, limit: int | None
) -> Iterator[str]:
    """The export, one JSON line per event, read from the store in batches."""
    visible: dict[UUID, bool] = {}
    left = limit
    while left is None or left > 0:
        size = EXPORT_BATCH if left is None else min(EXPORT_BATCH, left)
        batch = running.app.recorder.select_notifications(
            start=after, limit=size, inclusive_of_start=False
        )
        if not batch:
            return
        hashes = _chain_hashes(running, after, batch[-1].id)
        for notification in batch:
            line = _line(running, viewer, notification, hashes, visible)
            yield json.dumps(to_jsonable_python(line), separators=(",", ":")) + "\n"
        after = batch[-1].id
        left = None if left is None else left - len(batch)


def _chain_hashes(running: System, after: int, last: int) -> dict[int, str]:
    with running.read() as conn:
        rows = conn.execute(
            select(audit_index.c.position, audit_index.c.chain_hash).where(
                audit_index.c.position > after, audit_index.c.position <= last
            )
        )
        return {row.position: row.chain_hash for row in rows}


def _line(
    running: System,
    viewer: UUID,
    notification: Any,
    hashes: dict[int, str],
    visible: dict[UUID, bool],
) -> dict[str, Any]:
    event = cast(
        MomentumAggregate.Event, running.app.mapper.to_domain_event(notification)
    )
    aggregate_type, _, event_type = type(event).__qualname__.rpartition(".")
    aggregate_id: UUID = notification.originator_id
    if aggregate_id not in visible:
        visible[aggregate_id] = _may_see(running, viewer, aggregate_id)
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


def _may_see(running: System, viewer: UUID, aggregate_id: UUID) -> bool:
    try:
        require_visible(running.app, viewer, aggregate_id)
    except NotFoundError:
        return False
    return True
