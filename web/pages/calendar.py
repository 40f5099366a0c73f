"""The calendar feed: `GET /calendar/<token>.ics`, no session (calendar apps fetch
it on their own), and the settings page's "new URL" button (`ResetCalendarFeed`).

The token names the member and proves it was handed out (`notify.calendar`); a
wrong, old (reset) or erased member's token is a 404.
"""

from __future__ import annotations

from flask import Response, abort, url_for

from notify.calendar import calendar_feed, calendar_token, token_matches, token_member
from service.domain.member import Member
from service.errors import NotFoundError
from web.pages.forms import PageForm
from web.pages.session import page_blueprint
from web.system import current_system as system

bp = page_blueprint("calendar", __name__, signed_in=False)


class ResetCalendarForm(PageForm):
    """One button: a new secret feed URL (the old one stops working)."""


def feed_url(member: Member) -> str:
    """The member's current feed URL, absolute on MOMENTUM_BASE_URL."""
    token = calendar_token(system().settings.secret_key, member)
    return system().settings.base_url + url_for("calendar.feed", token=token)


@bp.get("/calendar/<token>.ics")
def feed(token: str) -> Response:
    """The member's goal due dates, open milestones and weekly review day."""
    running = system()
    member_id = token_member(token)
    if member_id is None:
        abort(404)
    try:
        member = running.app.get_member(member_id)
    except NotFoundError:
        abort(404)
    if not token_matches(running.settings.secret_key, token, member):
        abort(404)
    with running.read() as conn:
        body = calendar_feed(conn, member, running.now(), running.settings.base_url)
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Cache-Control": "private, no-cache",
            "Content-Disposition": 'inline; filename="momentum.ics"',
            "Referrer-Policy": "no-referrer",
        },
    )
