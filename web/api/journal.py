"""Journal entries visible to the caller, now or as they were at the end of a past
day (`?as_of=YYYY-MM-DD`, `web.common.as_of`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from flask import Response, jsonify
from pydantic import BaseModel, Field

from projections import journal_queries as jq
from projections.relations import visible_levels
from service.errors import NotFoundError
from web.api.common import ERRORS, PageQuery, blueprint
from web.auth import BEARER, caller
from web.common.as_of import AS_OF_QUERY, AsOfDay, reading
from web.common.journal import journal_page
from web.system import current_system as system

api = blueprint("journal", __name__, __doc__ or "")


class JournalQuery(PageQuery):
    """Whose journal, which kinds, which goal; a page of it."""

    member: UUID | None = Field(
        None, description="Whose journal (default: yours): yourself or a mentee."
    )
    kind: str | None = Field(
        None,
        description="An entry kind or a group of kinds.",
        json_schema_extra={"enum": list(jq.KIND_FILTERS)},
    )
    goal: UUID | None = Field(None, description="Only entries about this goal.")
    as_of: AsOfDay | None = AS_OF_QUERY


MAX_ENTRY_ID = 2**63 - 1  # a BIGINT: larger numbers cannot name an entry


class JournalEntryPath(BaseModel):
    entry_id: int = Field(ge=1, le=MAX_ENTRY_ID, description="The entry's `entry_id`.")


class JournalEntryOut(BaseModel):
    """One journal entry with its item's current visibility and counts."""

    entry_id: int
    member_id: UUID
    kind: str
    item_kind: str
    item_id: UUID
    goal_id: UUID | None
    day: date
    at: datetime
    title: str
    summary: str
    category: str | None
    win: bool
    visibility: str
    feedback_count: int
    cheer_count: int


class JournalEntryPage(BaseModel):
    """A page of journal entries, newest first."""

    items: list[JournalEntryOut]
    next_cursor: str | None
    as_of: date | None = Field(
        description="The past day these entries are from, at its end in the "
        "member's timezone then; null: now (also for `as_of` today or later)."
    )


def entry_out(entry: jq.JournalEntry) -> dict[str, Any]:
    """A journal entry as `JournalEntryOut` JSON."""
    return JournalEntryOut.model_validate(entry, from_attributes=True).model_dump(
        mode="json"
    )


@api.get("/journal", responses={200: JournalEntryPage, **ERRORS}, security=BEARER)
def journal(query: JournalQuery) -> Response:
    """Your journal, or a mentee's entries you may see, newest first (404 for a
    member whose journal you may not see), now or (`as_of`) as they were at the end
    of a past day: the entries and counts of then, as you may see them now."""
    me = caller()
    member = str(query.member or me)
    if member != str(me):
        with system().read() as conn:
            if not visible_levels(conn, str(me), member):
                raise NotFoundError("No such member.")
    with reading(member, query.as_of, me) as r:
        page = journal_page(
            me,
            limit=query.limit,
            cursor=query.cursor,
            member_id=member,
            kind=query.kind,
            goal_id=str(query.goal) if query.goal else None,
            conn=r.conn,
        )
    return jsonify(
        items=[entry_out(e) for e in page.entries],
        next_cursor=page.next_cursor,
        as_of=r.past.day.isoformat() if r.past else None,
    )


@api.get(
    "/journal/<int:entry_id>",
    responses={200: JournalEntryOut, **ERRORS},
    security=BEARER,
)
def journal_entry(path: JournalEntryPath) -> Response:
    """One journal entry the caller may see (404 otherwise)."""
    me = caller()
    with system().read() as conn:
        found = jq.entry(conn, str(me), path.entry_id)
    if found is None:
        raise NotFoundError("No such journal entry.")
    return jsonify(entry_out(found))
