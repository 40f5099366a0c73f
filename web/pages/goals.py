"""Goals (SPEC 3, 5, 7): my goals board, setting a SMART goal, and the goal page
with its roadmap, progress, status changes, revisions, full history and its state
on a past day (`?as_of=YYYY-MM-DD`).

The same commands and queries as `web.api.goals`: cards from the goal board read
model (with the viewer, so visibility is the API's), the past and the history from
the service. Only the owner changes a goal; for anyone else its forms do not exist
(the domain answers 404 exactly as for a goal they may not see).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from projections import goals_queries as q
from service import commands as c
from service.domain.goal import STATUSES
from service.errors import NotFoundError
from web.pages import goals_view as view
from web.pages.forms import INVALID, submit, text_of
from web.pages.goals_forms import (
    DOMAIN_FIELDS,
    MILESTONE_FIELDS,
    STATUS_FORMS,
    AddMilestoneForm,
    ButtonForm,
    NewGoalForm,
    ProgressForm,
    ReviseGoalForm,
)
from web.pages.session import me, page_blueprint
from web.system import current_system as system

bp = page_blueprint("goals", __name__)

GOAL = "/goals/<uuid:goal_id>"
MILESTONE = GOAL + "/milestones/<uuid:milestone_id>"
Page = str | tuple[str, int]
REVISED = "Goal revised; the old values stay in its history."
STATUS_DONE = {
    "pause": "Goal paused. Resume it whenever you are ready.",
    "resume": "Goal resumed. Welcome back!",
    "achieve": "Goal achieved — well done! Take a moment to celebrate.",
    "abandon": "Goal closed. Letting go is a legitimate outcome, too.",
}


@bp.get("/goals")
def index() -> str:
    """My goals, active first, optionally in one status."""
    status = request.args.get("status") or None
    if status not in STATUSES:
        status = None
    with system().read() as conn:
        cards = q.goal_board(conn, str(me()), str(me()), system().now(), status=status)
    return render_template(
        "goals/index.html", cards=cards, status=status, statuses=STATUSES
    )


@bp.route("/goals/new", methods=["GET", "POST"])
def new() -> Page | Response:
    """Set a SMART goal with its first milestones."""
    form = NewGoalForm()
    if form.validate_on_submit():
        result = submit(form, lambda: form.command(me()), fields=form.domain_fields())
        if result is not None:
            flash("Goal set. Now take the first small step!", "success")
            return redirect(url_for("goals.show", goal_id=result.id))
    context = {"form": form, "aspirations": view.my_aspirations()}
    if form.is_submitted():
        return render_template("goals/new.html", **context), INVALID
    return render_template("goals/new.html", **context)


@bp.get(GOAL)
def show(goal_id: UUID) -> Page:
    """The goal now, or (`?as_of=`) at the end of a past day in the owner's
    timezone."""
    return _show(goal_id, as_of=request.args.get("as_of", ""))


def _show(
    goal_id: UUID, status: int = 200, *, as_of: str = "", **forms: Any
) -> tuple[str, int]:
    """The goal page (404 if the viewer may not see it), with `forms` replacing
    the fresh ones (a refused form, shown with its errors)."""
    page = view.goal_page(goal_id, as_of)
    fresh: dict[str, Any] = {
        "milestone": AddMilestoneForm(formdata=None),
        "progress": ProgressForm(formdata=None),
        **{name: cls(formdata=None) for name, cls in STATUS_FORMS.items()},
    }
    if page.as_of.error and status == 200:
        status = INVALID
    body = render_template("goals/show.html", page=page, forms=fresh | forms)
    return body, status


def _done(goal_id: UUID, message: str, anchor: str) -> Response:
    flash(message, "success")
    return redirect(url_for("goals.show", goal_id=goal_id, _anchor=anchor))


@bp.post(GOAL + "/milestones")
def add_milestone(goal_id: UUID) -> Page | Response:
    """Add a milestone to the roadmap."""
    form = AddMilestoneForm()
    if form.validate_on_submit():
        command = c.AddMilestone(
            me(), goal_id, text_of(form.milestone_title), form.milestone_due_on.data
        )
        if submit(form, command, fields=MILESTONE_FIELDS) is not None:
            return _done(goal_id, "Milestone added to the roadmap.", "roadmap")
    return _show(goal_id, INVALID, milestone=form)


@bp.post(MILESTONE + "/complete")
def complete_milestone(goal_id: UUID, milestone_id: UUID) -> Page | Response:
    """Mark a milestone done."""
    command = c.CompleteMilestone(me(), goal_id, milestone_id)
    return _milestone_step(goal_id, milestone_id, command, "Milestone done — nice!")


@bp.post(MILESTONE + "/reopen")
def reopen_milestone(goal_id: UUID, milestone_id: UUID) -> Page | Response:
    """Mark a completed milestone as not done after all."""
    command = c.ReopenMilestone(me(), goal_id, milestone_id)
    return _milestone_step(goal_id, milestone_id, command, "Milestone reopened.")


def _milestone_step(
    goal_id: UUID, milestone_id: UUID, command: c.Command, message: str
) -> Page | Response:
    form = ButtonForm()
    if form.validate_on_submit() and submit(form, command) is not None:
        return _done(goal_id, message, "roadmap")
    return _show(goal_id, INVALID, **{f"milestone-{milestone_id}": form})


@bp.post(GOAL + "/progress")
def record_progress(goal_id: UUID) -> Page | Response:
    """Record a new value of the goal's metric."""
    form = ProgressForm()
    if form.validate_on_submit():
        command = c.RecordProgress(me(), goal_id, form.value.data, text_of(form.note))
        if submit(form, command) is not None:
            return _done(goal_id, "Progress recorded.", "progress")
    return _show(goal_id, INVALID, progress=form)


@bp.post(GOAL + "/status")
def change_status(goal_id: UUID) -> Page | Response:
    """Pause, resume, achieve (with a reflection) or abandon (with a reason)."""
    change = request.form.get("change", "")
    if change not in STATUS_FORMS:
        raise NotFoundError("No such status change.")
    form = STATUS_FORMS[change]()
    if form.validate_on_submit():
        command = c.ChangeGoalStatus(me(), goal_id, change, form.note())
        if submit(form, command) is not None:
            return _done(goal_id, STATUS_DONE[change], "status")
    return _show(goal_id, INVALID, **{change: form})


@bp.route(GOAL + "/revise", methods=["GET", "POST"])
def revise(goal_id: UUID) -> Page | Response:
    """Revise the goal's fields with a reason; the old values stay in history."""
    goal = view.own_goal(goal_id)
    form = ReviseGoalForm(data=ReviseGoalForm.current_values(goal))
    if form.validate_on_submit():

        def command() -> c.ReviseGoal:
            return c.ReviseGoal(
                me(),
                goal_id,
                form.changes(goal),
                text_of(form.reason),
                expected_version=form.expected_version(),
            )

        if submit(form, command, fields=DOMAIN_FIELDS) is not None:
            return _done(goal_id, REVISED, "history")
    context = {"form": form, "goal": goal}
    if form.is_submitted():
        return render_template("goals/revise.html", **context), INVALID
    return render_template("goals/revise.html", **context)
