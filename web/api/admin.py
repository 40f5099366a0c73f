"""Administration: audit chain verification and export.

Admins only; anyone else gets 404 (the routes do not exist for them). The export is
the event log as JSON Lines: metadata of every event, content only of the items the
admin may see like anyone else (SPEC 2 and 9: an admin role is no key to other
people's private items).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Response
from pydantic import BaseModel, Field

from projections.audit import PROBLEMS_KEPT, ProblemKind, export_lines, verify
from web.api.common import ERRORS, blueprint
from web.auth import BEARER, caller
from web.system import current_system as system

api = blueprint("admin", __name__, __doc__ or "")
NDJSON = "application/x-ndjson"


class AuditProblemOut(BaseModel):
    """One thing wrong with the log, at its own position."""

    position: int = Field(description="Log position of the event (or checkpoint).")
    kind: ProblemKind = Field(
        description="altered: the event's bytes changed; deleted: the chain has the "
        "position, the log does not; reordered: the event holds the state chained "
        "at another position; inserted: an event where the chain has none; "
        "malformed: the stored row cannot be read as bytes (TEXT, NULL); "
        "checkpoint-invalid: a checkpoint's signature is wrong; "
        "checkpoint-mismatch: a signed checkpoint disagrees with the chain (events "
        "and chain rows were rewritten)."
    )
    detail: str


class AuditCheckOut(BaseModel):
    """The chain recomputed from the stored events, compared with the chain kept
    (append-only) and the signed checkpoints."""

    ok: bool
    checked: int = Field(description="Events verified (before the break, if any).")
    first_break: int | None = Field(description="Log position of the first break.")
    reason: str
    problems: list[AuditProblemOut] = Field(
        description=f"Every problem by position (at most {PROBLEMS_KEPT})."
    )
    problem_count: int = Field(description="How many problems there are in all.")
    checkpoints: int = Field(
        description="Signed checkpoints whose signature and hash verified."
    )


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
    me = caller()
    system().app.require_role(me, "admin")
    return me


@api.get(
    "/admin/audit/verify", responses={200: AuditCheckOut, **ERRORS}, security=BEARER
)
def audit_verify() -> dict[str, Any]:
    """Recompute the hash chain over the stored events; compare it with the chain
    kept and the signed checkpoints; name every problem at its position."""
    _admin()
    running = system()
    check = verify(running.app, running.engine, running.settings.secret_key)
    return AuditCheckOut(
        ok=check.ok,
        checked=check.checked,
        first_break=check.first_break,
        reason=check.reason,
        problems=[
            AuditProblemOut(position=p.position, kind=p.kind, detail=p.detail)
            for p in check.problems
        ],
        problem_count=check.problem_count,
        checkpoints=check.checkpoints,
    ).model_dump(mode="json")


@api.get(
    "/admin/audit/export",
    responses={200: EXPORT_RESPONSE, **ERRORS},
    security=BEARER,
)
def audit_export(query: AuditExportQuery) -> Response:
    """The event log as JSON Lines, streamed; page with `after` and `limit`."""
    admin = _admin()
    running = system()
    lines = export_lines(running.app, running.engine, admin, query.after, query.limit)
    return Response(lines, mimetype=NDJSON)
