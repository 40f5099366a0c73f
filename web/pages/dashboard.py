"""The dashboard (SPEC 7): how am I doing, at a glance.

Momentum with its trend, streaks, rut risk with the reasons behind it, this week's
actions against the target, stalled goals, next milestones, the heat map, the
momentum line, the weekly bars and a one-line form to log an action (it posts to
`actions.new`, which logs it and comes back here). All of it is read from the
projections by `web.pages.dashboard_view`; nothing is written here.
"""

from __future__ import annotations

from flask import render_template, url_for
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields import SelectChoice

from service.domain.action import CATEGORIES
from web.pages.dashboard_view import dashboard
from web.pages.forms import PageForm
from web.pages.session import me, page_blueprint, viewer
from web.system import current_system as system

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
def index() -> str:
    """The signed-in member's dashboard."""
    with system().read() as conn:
        board = dashboard(conn, str(me()), system().now())
    form = QuickActionForm(next=url_for("dashboard.index"))
    return render_template(
        "dashboard/index.html", board=board, form=form, name=viewer().display_name
    )
