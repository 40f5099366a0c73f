"""My history: every event I caused or that concerns my items (feedback and cheers
received, a mentor's suggestion, a facilitator's pairing), newest first, with who,
when, what and what it changed (before → after), content only where I may read it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import jsonify
from flask.wrappers import Response
from pydantic import BaseModel, ConfigDict, Field

from projections.history_queries import KINDS
from web.api.common import ERRORS, MAX_LIMIT, QueryModel, blueprint
from web.auth import BEARER, caller
from web.common.history import HistoryItem, my_history

api = blueprint("history", __name__, __doc__ or "")

KIND_HELP = "; ".join(f"`{k}`: {', '.join(types)}" for k, types in KINDS.items())


class HistoryQuery(QueryModel):
    """Which events of my history, and which page."""

    model_config = ConfigDict(extra="ignore")

    kind: str | None = Field(
        None,
        description=f"Only events of this kind (of these items): {KIND_HELP}.",
        json_schema_extra={"enum": list(KINDS)},
    )
    item: UUID | None = Field(
        None,
        description="Only events of this item (a goal, action, review, group…) and "
        "of the feedback, cheers and suggestions on it.",
    )
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Page size, 1–200.")
    cursor: str | None = Field(
        None, max_length=500, description="The `next_cursor` of the previous page."
    )


class ChangeOut(BaseModel):
    """One field the event changed."""

    field: str
    label: str = Field(description="The field in words.")
    before: Any = Field(description="Its value before the event.")
    after: Any = Field(description="Its value after the event.")


class ItemRef(BaseModel):
    """The goal, action or review feedback, a cheer or a suggestion is on."""

    kind: str
    id: UUID
    owner_id: UUID


class HistoryEventOut(BaseModel):
    """One event of my history."""

    position: int = Field(description="Log position (newest first).")
    time: datetime
    kind: str = Field(description="The `kind` filter it falls under.")
    aggregate_type: str
    type: str = Field(description="The event's type within its item.")
    what: str = Field(description="The event in words.")
    item_id: UUID = Field(description="The item (aggregate) it happened to.")
    version: int | None = Field(description="The item's version after it.")
    actor_id: UUID | None = Field(description="Who caused it (null: Momentum).")
    actor_name: str = Field(
        description='Their name now ("an erased member" once they were erased).'
    )
    by_me: bool = Field(description="Whether I caused it.")
    title: str | None = Field(description="The item's title then, where known.")
    about: ItemRef | None
    content_shown: bool = Field(
        description="Whether `data` is shown: always for my own events and what "
        "names no one's words; others' words only while I may see the item."
    )
    content_erased: bool = Field(
        description="Its author's account was erased: the content is gone for good."
    )
    data: dict[str, Any] | None = Field(description="What the event says.")
    changes: list[ChangeOut] = Field(
        description="For revisions, settings, a goal's status and progress: each "
        "field changed, before → after."
    )


class HistoryPageOut(BaseModel):
    """A page of my history, newest first."""

    items: list[HistoryEventOut]
    next_cursor: str | None


def event_out(item: HistoryItem) -> dict[str, Any]:
    """One event as the API shows it."""
    about = (
        ItemRef(
            kind=item.about_kind,
            id=UUID(item.about_id),
            owner_id=UUID(item.about_owner),
        )
        if item.about_kind and item.about_id and item.about_owner
        else None
    )
    return HistoryEventOut(
        position=item.position,
        time=item.time,
        kind=item.kind,
        aggregate_type=item.aggregate_type,
        type=item.type,
        what=item.what,
        item_id=UUID(item.item_id),
        version=item.version,
        actor_id=UUID(item.actor_id) if item.actor_id else None,
        actor_name=item.actor_name,
        by_me=item.by_me,
        title=item.title,
        about=about,
        content_shown=item.content_shown,
        content_erased=item.content_erased,
        data=item.data,
        changes=[
            ChangeOut(field=c.field, label=c.label, before=c.before, after=c.after)
            for c in item.changes
        ],
    ).model_dump(mode="json")


@api.get("/me/history", responses={200: HistoryPageOut, **ERRORS}, security=BEARER)
def history(query: HistoryQuery) -> Response:
    """My history, newest first: what I caused, what was done to my account, every
    event of the feedback, cheers, suggestions and mentorships I am party to, and
    group events naming me; `kind` and `item` narrow it; `cursor` pages back.
    Revisions show each field before → after."""
    page = my_history(
        caller(),
        kind=query.kind,
        item=str(query.item) if query.item else None,
        cursor=query.cursor,
        limit=query.limit,
    )
    return jsonify(
        {"items": [event_out(i) for i in page.items], "next_cursor": page.next_cursor}
    )
