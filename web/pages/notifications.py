"""Notifications: the member's in-app notifications, newest first, each linking to
what it is about, and "mark all read".

The page reads `notifications_for` and `unread_count` (the API's queries, so a
buddy's activity shows only while its action is still visible); "mark all read" is
the API's `MarkNotificationsRead` with no `up_to`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from projections.journal_queries import EntryPlace, places_of
from projections.notifications_queries import (
    Notification,
    notifications_for,
    unread_count,
)
from projections.relations import group_ids_of, member_names
from service import commands as c
from service.clock import zone_info
from service.errors import ValidationError
from web.pages.feedback_forms import all_errors
from web.pages.forms import PageForm, submit
from web.pages.links import action_url
from web.pages.session import me, page_blueprint, viewer
from web.system import current_system as system

bp = page_blueprint("notifications", __name__)

PAGE_SIZE = 25

# Where a notification that names a kind of item but no one item leads: to what
# it asks for (the review due: the review form; no action for a while: logging
# one). An action (a buddy's activity, feedback or a cheer on one's own) opens
# the action itself (`links.action_url`); a buddy gone quiet, `buddy` (decided
# when followed: the group shared with them, or my groups if they have left).
_PLAIN_PAGES = {
    "review": "reviews.new",
    "action": "actions.new",
    "mentorship": "mentoring.index",
    "buddies": "groups.index",  # a buddy gone quiet who is not named (erased)
}
_ITEM_PAGES = {  # (endpoint, its id parameter) of the items with a page
    "goal": ("goals.show", "goal_id"),
    "group": ("groups.show", "group_id"),
    "review": ("reviews.show", "review_id"),
}


@dataclass(frozen=True)
class NotificationView:
    """One notification as the page shows it."""

    id: int
    text: str
    at: datetime  # in the member's timezone
    read: bool
    link: str | None


def _link(n: Notification, places: dict[str, EntryPlace]) -> str | None:
    """The page a notification is about, or None if it names nothing; `places`:
    the journal entries of the actions named (`places_of`)."""
    if n.item_kind == "action" and n.item_id:
        found = action_url(n.item_id, places.get(n.item_id))
        if found is not None:
            return found
    if n.kind == "suggestion_made":  # answered on the mentoring page
        return url_for("mentoring.index")
    if n.item_kind == "buddies" and n.actor_id:
        return url_for("notifications.buddy", member_id=n.actor_id)
    page = _ITEM_PAGES.get(n.item_kind or "")
    if page is not None and n.item_id and page[0] in current_app.view_functions:
        values: dict[str, Any] = {page[1]: n.item_id}
        return url_for(page[0], **values)
    if n.item_kind in _PLAIN_PAGES:
        return url_for(_PLAIN_PAGES[n.item_kind])
    return None


@bp.app_template_global("unread_notifications")
def unread_notifications() -> int:
    """How many notifications the signed-in member has unread (0 signed out):
    counted once per request, for the navigation and this page alike."""
    if "unread_notifications" not in g:
        count = 0
        if current_user.is_authenticated:
            with system().read() as conn:
                count = unread_count(conn, me())
        g.unread_notifications = count
    return int(g.unread_notifications)


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
        actions = (n.item_id for n in page.items if n.item_kind == "action")
        places = places_of(conn, "action", (i for i in actions if i))
    unread = unread_notifications()
    zone = zone_info(viewer().timezone)
    items = [
        NotificationView(
            n.id, n.text, n.created_at.astimezone(zone), n.read, _link(n, places)
        )
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


@bp.get("/buddies/<uuid:member_id>")
def buddy(member_id: UUID) -> Response:
    """Where a "buddy went quiet" reminder leads (its email and its notification),
    decided when it is followed, so that it never ends in a 404: the board of a
    group I still share with them, at its buddy pairs; if they (or I) have left,
    or the group is gone, my groups, saying why."""
    mine, theirs = str(me()), str(member_id)
    with system().read() as conn:
        shared = sorted(set(group_ids_of(conn, mine)) & set(group_ids_of(conn, theirs)))
        name = member_names(conn, [theirs]).get(theirs)
    if shared:
        return redirect(
            url_for("groups.show", group_id=shared[0], _anchor="buddies-heading")
        )
    who = name or "Your buddy"
    flash(
        f"{who} is no longer in a group with you, so there is no buddy board to "
        "show. Here are your groups.",
        "info",
    )
    return redirect(url_for("groups.index"))
