"""The dashboard (SPEC 7): how am I doing, at a glance.

Momentum with its trend, streaks, rut risk with the reasons behind it, this week's
actions against the target, stalled goals, next milestones, the heat map, the
momentum line, the weekly bars and a one-line form to log an action (it posts to
`actions.new`, which logs it and comes back here). All of it is read from the
projections by `web.pages.dashboard_view`; nothing is written here.

`?as_of=YYYY-MM-DD` shows all of it as it was at the end of a past day, with a
banner and a link back to now (`web.pages.as_of`), and no form that writes.
"""

from __future__ import annotations

from flask import render_template, url_for
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields import SelectChoice

from service.domain.action import CATEGORIES
from web.pages.as_of import page_reading
from web.pages.dashboard_view import dashboard
from web.pages.forms import INVALID, PageForm
from web.pages.session import me, page_blueprint, viewer

bp = page_blueprint("dashboard", __name__)


class QuickActionForm(PageForm):
    """The one-line "log an action" form: what, and which kind (the rest defaults)."""

    title = StringField("What did you do?")
    category = SelectField(
        "Category",
        choices=[SelectChoice(name, name.capitalize()) for name in CATEGORIES],
        default="learning",
    )
    next = HiddenField()


@bp.get("/")
def index() -> str | tuple[str, int]:
    """The signed-in member's dashboard: now, or (`?as_of=`) at the end of a past
    day (a date that is no date: 422, the error by the date field)."""
    with page_reading(me(), "your dashboard") as (found, as_of):
        board = dashboard(found.conn, str(me()), found.now)
    body = render_template(
        "dashboard/index.html",
        board=board,
        form=QuickActionForm(next=url_for("dashboard.index")),
        name=viewer().display_name,
        as_of=as_of,
    )
    return (body, INVALID) if as_of.error else body
