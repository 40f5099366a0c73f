"""In-app notifications and their read mark.

A notification's `id` is its position in the event log, newest first; marking read
up to an id marks every notification at or below it (marks only rise). Marking all
read (no `up_to`) sets the mark to the newest position in the log, which may lie
beyond the newest notification id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from projections.notifications_queries import notifications_for, unread_count
from service import commands as c
from service.errors import ValidationError
from web.api.common import ERRORS, PageQuery, blueprint, no_body_as_empty, written
from web.auth import BEARER, caller, idempotency_key
from web.system import current_system as system

api = blueprint("notifications", __name__, __doc__ or "")


class NotificationQuery(PageQuery):
    """A page of notifications, optionally the unread ones only."""

    unread: bool = Field(False, description="Only notifications not yet read.")


class NotificationOut(BaseModel):
    """One notification; `item_kind`/`item_id` name what it is about."""

    id: int = Field(description="Its position in the event log.")
    kind: str
    created_at: datetime
    actor_id: UUID | None
    text: str
    item_kind: str | None
    item_id: UUID | None
    read: bool


class NotificationPage(BaseModel):
    """A page of the caller's notifications, newest first, and the unread count."""

    items: list[NotificationOut]
    next_cursor: str | None
    unread_count: int


class NotificationReadBody(BaseModel):
    """Mark read up to a notification id; without `up_to` (or without a body at
    all), every notification there is now."""

    model_config = ConfigDict(  # type: ignore[typeddict-unknown-key]
        openapi_extra={
            "required": False,
            "description": "Optional: no body marks every notification read.",
        }
    )

    up_to: int | None = Field(
        None, ge=0, strict=True, description="The newest id you have seen."
    )

    @model_validator(mode="before")
    @classmethod
    def _no_body_marks_all(cls, data: Any) -> Any:
        """No body at all marks everything read; a body that is not JSON is a 422."""
        return no_body_as_empty(data)


class NotificationReadOut(BaseModel):
    """The read mark after the write, the unread count and the member's version."""

    read_up_to: int
    unread_count: int
    version: int


@api.get("/notifications", responses={200: NotificationPage, **ERRORS}, security=BEARER)
def list_notifications(query: NotificationQuery) -> dict[str, Any]:
    """The caller's notifications, newest first (`?unread=true`: unread only)."""
    me = caller()
    with system().read() as conn:
        try:
            page = notifications_for(
                conn,
                me,
                unread_only=query.unread,
                limit=query.limit,
                cursor=query.cursor,
            )
        except ValueError:
            raise ValidationError(
                "Invalid cursor: use the next_cursor of a previous page.", "cursor"
            ) from None
        unread = unread_count(conn, me)
    items = [
        NotificationOut.model_validate(n, from_attributes=True) for n in page.items
    ]
    out = NotificationPage(
        items=items, next_cursor=page.next_cursor, unread_count=unread
    )
    return out.model_dump(mode="json")


@api.post(
    "/notifications/read",
    responses={200: NotificationReadOut, **ERRORS},
    security=BEARER,
)
def mark_read(body: NotificationReadBody) -> Any:
    """Mark notifications read up to `up_to` (without it, or without a body: every
    notification there is now)."""
    me = caller()
    command = c.MarkNotificationsRead(me, body.up_to)
    result = system().write(command, idempotency_key())
    member = system().app.get_member(me)
    with system().read() as conn:
        unread = unread_count(conn, me)
    out = NotificationReadOut(
        read_up_to=member.notifications_read_up_to,
        unread_count=unread,
        version=result.version,
    )
    return written(out, result.version)
