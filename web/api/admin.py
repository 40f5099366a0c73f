"""Administration: audit chain verification, export and search.

Admins only; anyone else gets 404 (the routes do not exist for them). The export is
the event log as JSON Lines: metadata of every event, content only of the items the
admin may see like anyone else (SPEC 2 and 9: an admin role is no key to other
people's private items). The search (`/admin/audit/events`) answers from the audit
index: metadata only, never content, as JSON pages, JSON Lines or CSV.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from uuid import UUID

from flask import Response, jsonify
from pydantic import BaseModel, ConfigDict, Field

from projections.audit import PROBLEMS_KEPT, ProblemKind, export_lines, verify
from projections.audit_queries import AuditFilter, AuditRow, search, stream
from service.errors import ValidationError
from web.api.common import (
    ERRORS,
    QueryModel,
    blueprint,
    decode_cursor,
    encode_cursor,
)
from web.auth import BEARER, caller
from web.system import current_system as system

api = blueprint("admin", __name__, __doc__ or "")
NDJSON = "application/x-ndjson"
CSV = "text/csv"
SEARCH_LIMIT = 500
SEARCH_DEFAULT = 50


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


class AuditExportQuery(QueryModel):
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


# --- search ------------------------------------------------------------------------


class AuditSearchQuery(QueryModel):
    """Which events to find in the audit index; every filter given must match."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    member: UUID | None = Field(
        None, description="The member who caused the event (the actor's id)."
    )
    aggregate: UUID | None = Field(None, description="The item's (aggregate's) id.")
    type: str | None = Field(
        None,
        pattern=r"^[A-Z][A-Za-z]{0,63}(\.[A-Z][A-Za-z]{0,63})?$",
        description="`Aggregate.Event` (`Goal.GoalSet`), or `Aggregate` for all "
        "of its events.",
    )
    from_: str | None = Field(
        None,
        alias="from",
        max_length=40,
        description="From this date (`YYYY-MM-DD`, from 00:00 UTC) or instant (ISO "
        "8601 with offset), inclusive.",
    )
    to: str | None = Field(
        None,
        max_length=40,
        description="Up to this date (`YYYY-MM-DD`, to its end, UTC) or instant "
        "(ISO 8601 with offset), inclusive.",
    )
    limit: int | None = Field(
        None,
        ge=1,
        le=SEARCH_LIMIT,
        description=f"Page size, 1–{SEARCH_LIMIT}; default {SEARCH_DEFAULT}. With "
        "`format=jsonl` or `csv`: at most this many (every match if unset).",
    )
    cursor: str | None = Field(
        None, max_length=500, description="The `next_cursor` of the previous page."
    )
    format: Literal["json", "jsonl", "csv"] = Field(
        "json",
        description="`json`: one page as `{items, next_cursor}`; `jsonl`: every "
        "match after the cursor streamed as JSON Lines (`application/x-ndjson`); "
        "`csv`: the same as CSV with a header row (`text/csv`).",
    )


class AuditEventOut(BaseModel):
    """One event's metadata from the audit index (no content)."""

    position: int = Field(description="Log position.")
    time: datetime
    actor_id: UUID | None = Field(description="Who caused it (None: the system).")
    aggregate_id: UUID
    aggregate_type: str
    type: str = Field(description="The event's type within its aggregate.")
    chain_hash: str


COLUMNS = tuple(AuditEventOut.model_fields)
_ITEM = AuditEventOut.model_json_schema()
_PAGE = {
    "title": "AuditEventsPage",
    "type": "object",
    "properties": {
        "items": {"type": "array", "items": _ITEM},
        "next_cursor": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
    "required": ["items", "next_cursor"],
}
SEARCH_RESPONSE: dict[str, Any] = {
    "description": "`format=json`: a page of events, oldest first; `jsonl`: one "
    "`AuditEventOut` per line; `csv`: a header row and one row per event.",
    "content": {
        "application/json": {"schema": _PAGE},
        NDJSON: {"schema": _ITEM},
        CSV: {"schema": {"type": "string"}},
    },
}


def _instant(raw: str | None, field: str, end: bool) -> datetime | None:
    """A `from`/`to` value as an instant: a date is its start (`end`: the start
    of the next day, so the day is included); 422 naming `field` otherwise."""
    if raw is None or raw == "":
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            moment = datetime.combine(day, time(), tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        found = datetime.fromisoformat(raw)
    except ValueError:
        found = None
    if found is None or found.tzinfo is None:
        raise ValidationError(
            "Use a date (YYYY-MM-DD) or an ISO 8601 time with its offset.", field
        )
    return found + timedelta(microseconds=1) if end else found


def audit_filter(query: AuditSearchQuery) -> AuditFilter:
    """The query's filters; 422 for dates or times that are not."""
    aggregate_type, _, event_type = (query.type or "").partition(".")
    since = _instant(query.from_, "from", end=False)
    until = _instant(query.to, "to", end=True)
    if since is not None and until is not None and until <= since:
        raise ValidationError("`to` must not be before `from`.", "to")
    return AuditFilter(
        actor_id=str(query.member) if query.member else None,
        aggregate_id=str(query.aggregate) if query.aggregate else None,
        aggregate_type=aggregate_type or None,
        event_type=event_type or None,
        since=since,
        until=until,
    )


def after_cursor(cursor: str | None) -> int:
    """The position a cursor continues after (0 without one); 422 if it is not
    one of ours."""
    if cursor is None or cursor == "":
        return 0
    key = decode_cursor(cursor)
    if not key.isdigit():
        raise ValidationError(
            "Invalid cursor: use the next_cursor of a previous page.", "cursor"
        )
    return int(key)


def event_out(row: AuditRow) -> dict[str, Any]:
    """One event as the API shows it."""
    return AuditEventOut(
        position=row.position,
        time=row.occurred_at,
        actor_id=UUID(row.actor_id) if row.actor_id else None,
        aggregate_id=UUID(row.aggregate_id),
        aggregate_type=row.aggregate_type,
        type=row.event_type,
        chain_hash=row.chain_hash,
    ).model_dump(mode="json")


def jsonl_lines(rows: Iterable[AuditRow]) -> Iterator[str]:
    """Events as JSON Lines."""
    for row in rows:
        yield json.dumps(event_out(row), separators=(",", ":")) + "\n"


def csv_lines(rows: Iterable[AuditRow]) -> Iterator[str]:
    """Events as CSV, a header row first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        out = event_out(row)
        writer.writerow(["" if out[c] is None else out[c] for c in COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


@api.get(
    "/admin/audit/events",
    responses={200: SEARCH_RESPONSE, **ERRORS},
    security=BEARER,
)
def audit_events(query: AuditSearchQuery) -> Response:
    """Search the audit index: events by actor (`member`), item (`aggregate`),
    type and time, oldest first, metadata only (no content); a JSON page, or every
    match streamed as JSON Lines or CSV (`format`)."""
    _admin()
    where = audit_filter(query)
    after = after_cursor(query.cursor)
    running = system()
    if query.format == "json":
        size = query.limit or SEARCH_DEFAULT
        with running.read() as conn:
            rows = search(conn, where, after, size + 1)
        page = rows[:size]
        more = len(rows) > size
        return jsonify(
            {
                "items": [event_out(row) for row in page],
                "next_cursor": encode_cursor(str(page[-1].position)) if more else None,
            }
        )
    found = stream(running.read, where, after, query.limit)
    if query.format == "jsonl":
        return Response(jsonl_lines(found), mimetype=NDJSON)
    return Response(csv_lines(found), mimetype=CSV)
