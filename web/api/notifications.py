"""In-app notifications and their read mark.

A notification's `id` is its position in the event log, newest first; marking read
up to an id marks every notification at or below it (marks only rise).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from projections.notifications_queries import (
    newest_position,
    notifications_for,
    unread_count,
)
from service import commands as c
from service.errors import ValidationError
from web.api.common import ERRORS, PageQuery, blueprint, written
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
    """Mark read up to a notification id; without `up_to`, all of them."""

    up_to: int | None = Field(None, ge=0, description="The newest id you have seen.")


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
    """Mark notifications read up to `up_to` (default: the newest one)."""
    me = caller()
    up_to = body.up_to
    if up_to is None:
        with system().read() as conn:
            up_to = newest_position(conn, me)
    result = system().write(c.MarkNotificationsRead(me, up_to), idempotency_key())
    member = system().app.get_member(me)
    with system().read() as conn:
        unread = unread_count(conn, me)
    out = NotificationReadOut(
        read_up_to=member.notifications_read_up_to,
        unread_count=unread,
        version=result.version,
    )
    return written(out, result.version)
