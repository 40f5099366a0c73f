"""Log an action, edit it, take it back (SPEC 3 Action, SPEC 7 "Log action").

The same commands as `web.api.actions` (`LogAction`, `EditAction`, `RetractAction`).
The dashboard's one-line form posts only `title` and `category` (plus the CSRF token,
the form key and a hidden `next`) to `/actions/new`; everything else takes the
domain's defaults and the member lands back where `next` says.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import Connection
from werkzeug.wrappers import Response

from projections.goals_queries import goal_board, goal_card
from projections.relations import member_names, relation_of
from service import commands as c
from service.clock import local_date
from service.domain.action import MAX_DAYS_BACK, Action
from service.domain.visibility import GROUP, Relation
from service.errors import NotFoundError
from web.pages.actions_forms import FIELDS, ActionForm, RetractForm, local_path
from web.pages.forms import INVALID, submit, text_of
from web.pages.session import me, page_blueprint, viewer
from web.system import current_system as system

bp = page_blueprint("actions", __name__)

Page = str | Response | tuple[str, int]


READER_AREAS = {Relation.MENTOR: "mentoring", Relation.GROUP_MEMBER: "groups"}
"""The navigation area of someone else's item, by how the reader is related to
its owner: a mentor reads it under Mentoring, a group member under Groups."""


def reader_area(conn: Connection, owner_id: UUID | str, visibility: str) -> str | None:
    """The navigation area to highlight on a review or action page: None (the
    page's own: Review, Log action) for its owner; for anyone else the area they
    read it from (`READER_AREAS`, their closest relation to the owner; should the
    read model not know it yet, the one the item's visibility opens it to)."""
    if str(owner_id) == str(me()):
        return None
    relation = relation_of(conn, str(me()), str(owner_id))
    fallback = "groups" if visibility == GROUP else "mentoring"
    return READER_AREAS.get(relation, fallback)


def _today() -> date:
    """The signed-in member's today, in their own timezone."""
    return local_date(system().now(), viewer().timezone)


def _active_goals() -> list[tuple[str, str]]:
    """My active goals as (id, title), from the goal board."""
    mine = str(me())
    with system().read() as conn:
        cards = goal_board(conn, mine, mine, system().now(), status="active")
    return [(card.goal_id, card.title) for card in cards]


def _own_action(action_id: UUID) -> Action:
    """The signed-in member's own, standing action; 404 for anything else."""
    return system().app.own_action(me(), action_id)


def _render(template: str, form: Any, status: int = 200, **context: Any) -> Page:
    today = _today()
    body = render_template(
        template,
        form=form,
        today=today,
        earliest=today - timedelta(days=MAX_DAYS_BACK),
        max_days_back=MAX_DAYS_BACK,
        **context,
    )
    return (body, status) if status != 200 else body


@bp.route("/actions/new", methods=["GET", "POST"])
def new() -> Page:
    """Log an action (`?goal=` preselects a goal, `?next=` is where to go after)."""
    form = ActionForm()
    form.set_goals(_active_goals())
    if not form.is_submitted():
        form.occurred_on.data = _today()
        form.goal.data = request.args.get("goal", "")
        form.next.data = local_path(request.args.get("next"))
    if form.validate_on_submit():
        result = submit(form, lambda: c.LogAction(me(), **form.fields()), fields=FIELDS)
        if result is not None:
            flash("Action logged. Every small step counts.", "success")
            return redirect(local_path(text_of(form.next)) or url_for("journal.index"))
    status = INVALID if form.is_submitted() else 200
    return _render("actions/new.html", form, status)


def _changes(form: ActionForm, action: Action) -> dict[str, Any]:
    """The fields the member changed (unchanged ones are not sent, so an old date
    is not checked again)."""
    return {
        name: value
        for name, value in form.fields().items()
        if value != getattr(action, name)
    }


@bp.get("/actions/<uuid:action_id>")
def show(action_id: UUID) -> str:
    """One action with its full notes, for whoever may see it (SPEC 9, the rule
    of the action's journal entry); a taken-back action only to its owner."""
    found = system().app.visible_action(me(), action_id)
    action, mine = found.action, found.action.owner_id == me()
    if action.retracted and not mine:
        raise NotFoundError("No such action.")
    owner = str(action.owner_id)
    with system().read() as conn:
        name = member_names(conn, [owner]).get(owner, "")
        area = reader_area(conn, owner, found.visibility)
        goal = (
            goal_card(conn, str(me()), str(action.goal_id), system().now())
            if action.goal_id
            else None
        )
    return render_template(
        "actions/show.html",
        action=action,
        visibility=found.visibility,
        mine=mine,
        owner_name=name,
        goal=goal,
        nav_area=area,
    )


@bp.route("/actions/<uuid:action_id>/edit", methods=["GET", "POST"])
def edit(action_id: UUID) -> Page:
    """Edit one of your actions."""
    action = _own_action(action_id)
    form = ActionForm(obj=action, goal=str(action.goal_id or ""))
    goals = _active_goals()
    if action.goal_id and str(action.goal_id) not in dict(goals):
        with system().read() as conn:
            card = goal_card(conn, str(me()), str(action.goal_id), system().now())
        if card is not None:
            goals.append((card.goal_id, card.title))
    form.set_goals(goals)
    if not form.is_submitted():
        form.visibility.data = action.visibility or ""
    if form.validate_on_submit():
        result = submit(
            form,
            lambda: c.EditAction(me(), action_id, _changes(form, action)),
            fields=FIELDS,
        )
        if result is not None:
            flash("Action updated.", "success")
            return redirect(url_for("journal.index"))
    status = INVALID if form.is_submitted() else 200
    return _render("actions/edit.html", form, status, action=action)


@bp.route("/actions/<uuid:action_id>/retract", methods=["GET", "POST"])
def retract(action_id: UUID) -> Page:
    """Take one of your actions back, after confirming (no JavaScript needed)."""
    action = _own_action(action_id)
    form = RetractForm()
    if form.validate_on_submit():
        result = submit(form, c.RetractAction(me(), action_id, text_of(form.reason)))
        if result is not None:
            flash(f"“{action.title}” was taken back.", "success")
            return redirect(url_for("journal.index"))
    body = render_template("actions/retract.html", form=form, action=action)
    return (body, INVALID) if form.is_submitted() else body
