"""Notifications: the member's in-app notifications, newest first, each linking to
what it is about, and "mark all read".

The page reads `notifications_for` and `unread_count` (the API's queries, so a
buddy's activity shows only while its action is still visible); "mark all read" is
the API's `MarkNotificationsRead` with no `up_to`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from projections.notifications_queries import (
    Notification,
    notifications_for,
    unread_count,
)
from service import commands as c
from service.errors import ValidationError
from web.pages.feedback_forms import all_errors
from web.pages.forms import PageForm, submit
from web.pages.session import me, page_blueprint, viewer
from web.system import current_system as system

bp = page_blueprint("notifications", __name__)

PAGE_SIZE = 25

# Where each kind of item is shown. Actions have no page of their own: one's own
# are in the journal; a buddy's activity is on the group board.
_PLAIN_PAGES = {
    "review": "reviews.index",
    "action": "journal.index",
    "mentorship": "mentoring.index",
    "buddies": "groups.index",  # a reminder that a buddy went quiet
}


@dataclass(frozen=True)
class NotificationView:
    """One notification as the page shows it."""

    id: int
    text: str
    at: datetime  # in the member's timezone
    read: bool
    link: str | None


def _link(n: Notification) -> str | None:
    """The page a notification is about, or None if it names nothing."""
    if n.kind == "buddy_activity":
        return url_for("groups.index")
    if n.kind == "suggestion_made":  # answered on the mentoring page
        return url_for("mentoring.index")
    if n.item_kind == "goal" and n.item_id:
        return url_for("goals.show", goal_id=n.item_id)
    if n.item_kind == "group" and n.item_id:
        return url_for("groups.show", group_id=n.item_id)
    if n.item_kind in _PLAIN_PAGES:
        return url_for(_PLAIN_PAGES[n.item_kind])
    return None


class MarkReadForm(PageForm):
    """One button: mark every notification read."""


@bp.get("/notifications")
def index() -> str:
    """My notifications, newest first, a page at a time (`?cursor=`)."""
    cursor = request.args.get("cursor") or None
    with system().read() as conn:
        try:
            page = notifications_for(conn, me(), limit=PAGE_SIZE, cursor=cursor)
        except ValueError:
            raise ValidationError(
                "That page of notifications does not exist: start from the newest.",
                "cursor",
            ) from None
        unread = unread_count(conn, me())
    zone = ZoneInfo(viewer().timezone)
    items = [
        NotificationView(n.id, n.text, n.created_at.astimezone(zone), n.read, _link(n))
        for n in page.items
    ]
    return render_template(
        "notifications/index.html",
        items=items,
        unread=unread,
        cursor=cursor,
        next_cursor=page.next_cursor,
        form=MarkReadForm(),
    )


@bp.post("/notifications/read")
def mark_all_read() -> Response:
    """Mark every notification there is now as read."""
    form = MarkReadForm()
    if submit(form, c.MarkNotificationsRead(me(), None)) is not None:
        flash("All notifications are marked read.", "success")
    else:
        for message in all_errors(form):
            flash(message, "error")
    return redirect(url_for("notifications.index"))
