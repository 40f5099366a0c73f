"""A mentee's timeline (`mentoring.timeline`, registered by `web.pages.mentoring`):
their journal as their accepted mentor may see it, a momentum summary, their goals,
feedback and cheers on each item, and the form to suggest a milestone or an action.

Anyone but an accepted mentor of that member gets a 404 (as the API's
`GET /mentees/<id>/timeline`); what is shown comes from the same queries with the
mentor as the viewer, so a `private` item never appears.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from projections import journal_queries as jq
from projections import mentoring as view
from projections import relations
from projections.goals_queries import GoalCard, goal_board
from projections.mentoring import MenteeCard
from service import commands as c
from service.errors import NotFoundError, ValidationError
from web.pages.forms import INVALID, submit, text_of
from web.pages.mentoring_forms import SuggestionForm
from web.pages.session import me
from web.system import current_system as system

PAGE_SIZE = 20
KIND_LABELS = {
    "goal_set": "Set a goal",
    "goal_revised": "Revised a goal",
    "milestone_added": "Added a milestone",
    "milestone_completed": "Completed a milestone",
    "milestone_reopened": "Reopened a milestone",
    "progress": "Recorded progress",
    "goal_paused": "Paused a goal",
    "goal_resumed": "Resumed a goal",
    "goal_achieved": "Achieved a goal",
    "goal_abandoned": "Abandoned a goal",
    "action": "Action",
    "review": "Weekly review",
}


@dataclass(frozen=True)
class Timeline:
    """What the timeline page shows of one mentee."""

    member_id: str
    name: str
    card: MenteeCard | None
    goals: list[GoalCard]
    entries: tuple[jq.JournalEntry, ...]
    next_cursor: str | None
    cursor: str | None


def _timeline(mentee: str, cursor: str | None) -> Timeline:
    """The mentee's page as the signed-in mentor may see it; 404 unless they are
    an accepted mentor of `mentee`."""
    mine, now = str(me()), system().now()
    with system().read() as conn:
        if not relations.is_mentor(conn, mine, mentee):
            raise NotFoundError("No such mentee of yours.")
        try:
            page = jq.entries(
                conn, mine, member_id=mentee, limit=PAGE_SIZE, cursor=cursor
            )
        except ValueError as error:
            raise ValidationError(str(error), "cursor") from None
        return Timeline(
            member_id=mentee,
            name=relations.member_names(conn, [mentee]).get(mentee, "Your mentee"),
            card=view.mentee_card(conn, mine, mentee, now),
            goals=goal_board(conn, mine, mentee, now),
            entries=page.entries,
            next_cursor=page.next_cursor,
            cursor=cursor,
        )


def _suggestion(form: SuggestionForm) -> c.MakeSuggestion:
    """The command the suggestion form describes (a goal id not among the choices
    never gets here: WTForms refuses it first)."""
    return c.MakeSuggestion(
        me(),
        UUID(text_of(form.goal)),
        text_of(form.kind),
        text_of(form.title),
        text_of(form.note),
        form.due_on.data,
    )


def timeline(member_id: UUID) -> str | tuple[str, int] | Response:
    """A mentee's timeline for their accepted mentor (anyone else: 404), with the
    suggestion form (POST here; refused: re-rendered with the errors, 422)."""
    cursor = request.args.get("cursor") or None
    shown = _timeline(str(member_id), cursor)
    form = SuggestionForm()
    form.goal.choices = [
        SelectChoice(g.goal_id, g.title) for g in shown.goals if g.status == "active"
    ]
    made = form.validate_on_submit() and submit(
        form, lambda: _suggestion(form), fields={"goal_id": "goal"}
    )
    if made:
        flash(f"Suggestion sent to {shown.name}.", "success")
        here = url_for("mentoring.timeline", member_id=member_id)
        return redirect(f"{here}#suggest")
    here = url_for("mentoring.timeline", member_id=member_id, cursor=cursor)
    page = render_template(
        "mentoring/timeline.html",
        timeline=shown,
        form=form,
        here=here,
        kind_labels=KIND_LABELS,
    )
    return (page, INVALID) if form.is_submitted() else page
