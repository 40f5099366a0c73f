"""Mentoring: the mentor's triage list, mentorship requests and links, inviting a
mentor, and answering a mentor's suggestions; the mentee timeline is in
`web.pages.mentoring_timeline`.

Reads are the API's (`projections.mentoring.triage`, `relations.mentorships_of`);
writes are its commands (`ProposeMentorship`, `AnswerMentorship`,
`AnswerSuggestion`). A mentorship or suggestion that is not the member's is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from projections import mentoring as view
from projections import relations
from projections.goals_queries import goal_card
from projections.mentoring import MenteeCard
from projections.notifications_queries import suggestion_ids_to
from service import commands as c
from service.domain.feedback import Suggestion
from service.errors import NotFoundError
from web.pages import mentoring_timeline
from web.pages.feedback_forms import all_errors
from web.pages.forms import INVALID, PageForm, submit, text_of
from web.pages.mentoring_forms import AnswerForm, EndForm, InviteForm
from web.pages.session import me, page_blueprint
from web.system import current_system as system

bp = page_blueprint("mentoring", __name__)
bp.add_url_rule(
    "/mentees/<uuid:member_id>",
    "timeline",
    mentoring_timeline.timeline,
    methods=["GET", "POST"],
)

Page = str | tuple[str, int] | Response


@dataclass(frozen=True)
class LinkView:
    """One mentorship as the member sees it: who is on the other side."""

    mentorship_id: str
    other: str  # the other person's name (or the invited email)
    status: str


@dataclass(frozen=True)
class SuggestionView:
    """A mentor's suggestion waiting for the mentee's answer."""

    suggestion_id: str
    mentor: str
    goal_id: str
    goal_title: str
    kind: str
    title: str
    note: str
    due_on: date | None


@dataclass
class Overview:
    """Everything on /mentoring."""

    mentees: list[MenteeCard]
    requests: list[LinkView] = field(default_factory=list)  # asking me to mentor
    invitations: list[LinkView] = field(default_factory=list)  # I asked, pending
    mentors: list[LinkView] = field(default_factory=list)
    mentee_links: list[LinkView] = field(default_factory=list)
    suggestions: list[SuggestionView] = field(default_factory=list)


def _overview() -> Overview:
    """The triage list, the member's mentorships by kind, and suggestions to them."""
    mine = str(me())
    with system().read() as conn:
        found = Overview(view.triage(conn, mine, system().now()))
        links = relations.mentorships_of(conn, mine)
        ids = {x.mentee_id for x in links} | {x.mentor_id or "" for x in links}
        names = relations.member_names(conn, ids - {""})
    for link in links:
        if link.mentee_id == mine:
            other = names.get(link.mentor_id or "", link.mentor_email)
            shown = LinkView(link.mentorship_id, other, link.status)
            if link.status == "proposed":
                found.invitations.append(shown)
            elif link.status == "accepted":
                found.mentors.append(shown)
            continue
        other = names.get(link.mentee_id, "A former member")
        shown = LinkView(link.mentorship_id, other, link.status)
        if link.status == "proposed":
            found.requests.append(shown)
        elif link.status == "accepted" and link.mentor_id == mine:
            found.mentee_links.append(shown)
    found.suggestions = _pending_suggestions()
    return found


def _pending_suggestions() -> list[SuggestionView]:
    """Suggestions waiting for the member's answer, oldest first. Their status is
    the Suggestion aggregate's (as the API's answer reads it): no read model has it."""
    mine = str(me())
    pending: list[Suggestion] = []
    with system().read() as conn:
        for suggestion_id in suggestion_ids_to(conn, mine):
            try:
                found = system().app.suggestion_for(me(), UUID(suggestion_id))
            except NotFoundError:
                continue
            if found.status == "pending":
                pending.append(found)
        names = relations.member_names(conn, (str(s.mentor_id) for s in pending))
        goals = {
            str(s.goal_id): goal_card(conn, mine, str(s.goal_id), system().now())
            for s in pending
        }
    return [
        SuggestionView(
            suggestion_id=str(s.id),
            mentor=names.get(str(s.mentor_id), "A former mentor"),
            goal_id=str(s.goal_id),
            goal_title=card.title if (card := goals[str(s.goal_id)]) else "a goal",
            kind=s.kind,
            title=s.title,
            note=s.note,
            due_on=s.due_on,
        )
        for s in sorted(pending, key=lambda s: s.created_on)
    ]


def _index_page(form: InviteForm) -> str:
    return render_template("mentoring/index.html", form=form, overview=_overview())


@bp.route("/mentoring", methods=["GET", "POST"])
def index() -> Page:
    """The triage list, requests and links, suggestions, and the invite form."""
    form = InviteForm()
    if form.validate_on_submit():
        command = c.ProposeMentorship(
            me(), text_of(form.mentor_email), text_of(form.message)
        )
        if submit(form, command, fields={"email": "mentor_email"}) is not None:
            flash(f"Invitation sent to {text_of(form.mentor_email)}.", "success")
            return redirect(url_for("mentoring.index"))
        # Every refusal of an invitation is about whom it invites (yourself, or
        # someone already asked): show it next to the email.
        for message in form.form_errors:
            form.add_error("mentor_email", message)
        form.form_errors.clear()
    if form.is_submitted():
        return _index_page(form), INVALID
    return _index_page(form)


def _answered(form: PageForm, command: c.Command, done: str) -> Response:
    """Run a one-button answer; flash the outcome; back to /mentoring."""
    if submit(form, command) is not None:
        flash(done, "success")
    else:
        for message in all_errors(form):
            flash(message, "error")
    return redirect(url_for("mentoring.index"))


@bp.post("/mentorships/<uuid:mentorship_id>/accept")
def accept(mentorship_id: UUID) -> Response:
    """Accept a request to mentor someone (the invited person only; else 404)."""
    command = c.AnswerMentorship(me(), mentorship_id, "accept")
    return _answered(AnswerForm(), command, "You are now their mentor.")


@bp.post("/mentorships/<uuid:mentorship_id>/decline")
def decline(mentorship_id: UUID) -> Response:
    """Decline a request to mentor someone (the invited person only; else 404)."""
    command = c.AnswerMentorship(me(), mentorship_id, "decline")
    return _answered(AnswerForm(), command, "Request declined.")


def _link_or_404(mentorship_id: UUID) -> LinkView:
    """The mentorship as the member sees it, if they are in it (else 404)."""
    mine = str(me())
    with system().read() as conn:
        link = view.mentorship_of(conn, mine, str(mentorship_id))
        if link is None:
            raise NotFoundError("No such mentorship.")
        mentor = link.mentor_id or ""
        names = relations.member_names(conn, {link.mentee_id, mentor} - {""})
    if link.mentee_id == mine:
        other = names.get(mentor, link.mentor_email)
    else:
        other = names.get(link.mentee_id, "A former member")
    return LinkView(link.mentorship_id, other, link.status)


@bp.route("/mentorships/<uuid:mentorship_id>/end", methods=["GET", "POST"])
def end(mentorship_id: UUID) -> Page:
    """Confirm, then end a mentorship or withdraw an invitation (either side)."""
    link = _link_or_404(mentorship_id)
    form = EndForm()
    if form.validate_on_submit():
        command = c.AnswerMentorship(me(), mentorship_id, "end", text_of(form.reason))
        if submit(form, command) is not None:
            flash(f"The mentorship with {link.other} has ended.", "success")
            return redirect(url_for("mentoring.index"))
    page = render_template("mentoring/end.html", form=form, link=link)
    return (page, INVALID) if form.is_submitted() else page


@bp.post("/suggestions/<uuid:suggestion_id>/accept")
def accept_suggestion(suggestion_id: UUID) -> Response:
    """Accept a mentor's suggestion: it joins the goal's roadmap (mentee only)."""
    command = c.AnswerSuggestion(me(), suggestion_id, True)
    return _answered(AnswerForm(), command, "Added to your goal's roadmap.")


@bp.post("/suggestions/<uuid:suggestion_id>/decline")
def decline_suggestion(suggestion_id: UUID) -> Response:
    """Decline a mentor's suggestion, optionally saying why (mentee only)."""
    form = AnswerForm()
    command = c.AnswerSuggestion(me(), suggestion_id, False, text_of(form.reason))
    return _answered(form, command, "Suggestion declined.")
