"""The weekly review (a check-in) and my reviews (SPEC 1 step 4, SPEC 3 Review).

The same commands and reads as `web.api.reviews`: `RecordReview` records the check-in
and, in the same save, whether each open commitment of the previous review was kept
(`outcomes`); `MarkCommitment` marks one later; `AmendReview` changes texts, signals
or visibility. A review is read as the API reads it
(`web.common.reviews.review_out`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from projections.relations import member_names, member_timezone
from projections.signals_queries import signal_history
from service import commands as c
from service.clock import local_date
from service.domain.review import MAX_COMMITMENTS
from service.errors import NotFoundError
from web.common.reviews import CommitmentOut, ReviewOut, review_out
from web.pages.actions import reader_area
from web.pages.charts_base import Chart
from web.pages.charts_signals import signals_chart
from web.pages.forms import INVALID, submit, text_of
from web.pages.journal import journal_entries
from web.pages.reviews_forms import (
    PROMPTS,
    SIGNAL_SCALES,
    AmendForm,
    MarkForm,
    ReviewForm,
    review_form_with,
)
from web.pages.session import me, page_blueprint, viewer
from web.pages.when import owners_moment
from web.system import current_system as system

bp = page_blueprint("reviews", __name__)

Page = str | Response | tuple[str, int]
PAGE_SIZE = 10
REFLECTIONS = {
    "went_well": "What went well",
    "stuck_on": "Where I am stuck",
    "lessons": "Lessons from setbacks",
}


def _latest() -> ReviewOut | None:
    """My latest review, as the API's `/reviews/latest` finds it."""
    page = journal_entries(me(), kind="review", limit=1)
    return review_out(me(), UUID(page.entries[0].item_id)) if page.entries else None


def _open(review: ReviewOut | None) -> list[CommitmentOut]:
    return [x for x in review.commitments if x.kept is None] if review else []


def _render(template: str, form: Any, status: int, **context: Any) -> Page:
    review = context.get("latest") or context.get("review")
    day = local_date(review.recorded_at, viewer().timezone) if review else None
    body = render_template(
        template,
        form=form,
        scales=SIGNAL_SCALES,
        prompts=PROMPTS,
        review_day=day,
        **context,
    )
    return (body, status) if status != 200 else body


def _record(form: ReviewForm, latest: ReviewOut | None) -> c.RecordReview:
    return c.RecordReview(
        me(),
        form.signals(),
        period=text_of(form.period),
        commitments=form.commitments(),
        visibility=text_of(form.visibility),
        outcomes=form.outcomes(latest.id) if latest else (),
        **form.texts(),
    )


@bp.route("/reviews/new", methods=["GET", "POST"])
def new() -> Page:
    """Record a check-in, marking the last review's commitments kept or missed."""
    latest = _latest()
    form = review_form_with(_open(latest))()
    if form.is_submitted() and "add_step" in request.form:
        if len(form.steps.entries) < MAX_COMMITMENTS:
            form.steps.append_entry()
        return _render("reviews/new.html", form, 200, latest=latest)
    if form.validate_on_submit() and submit(form, lambda: _record(form, latest)):
        flash("Review recorded. See you next week!", "success")
        return redirect(url_for("reviews.index"))
    status = INVALID if form.is_submitted() else 200
    return _render("reviews/new.html", form, status, latest=latest)


@bp.get("/reviews")
def index() -> str:
    """My reviews, newest first, with signals, commitments and their outcomes."""
    page = journal_entries(
        me(), kind="review", limit=PAGE_SIZE, cursor=request.args.get("cursor")
    )
    reviews = [(e, review_out(me(), UUID(e.item_id))) for e in page.entries]
    return render_template(
        "reviews/index.html",
        reviews=reviews,
        next_cursor=page.next_cursor,
        first_page=not request.args.get("cursor"),
        scales=SIGNAL_SCALES,
    )


@bp.get("/reviews/<uuid:review_id>")
def show(review_id: UUID) -> str:
    """One review in full for whoever may see it (SPEC 9: its owner, mentors for a
    `mentors` review, group members for a `group` one); 404 for anyone else."""
    review = review_out(me(), review_id)
    owner = str(review.owner_id)
    with system().read() as conn:
        name = member_names(conn, [owner]).get(owner, "")
        zone = member_timezone(conn, owner) or "UTC"
        area = reader_area(conn, owner, review.visibility)
    return render_template(
        "reviews/show.html",
        review=review,
        mine=review.owner_id == me(),
        owner_name=name,
        when=owners_moment(review.recorded_at, zone, viewer().timezone),
        scales=SIGNAL_SCALES,
        labels=REFLECTIONS,
        nav_area=area,
    )


@bp.app_template_global("signals_chart_of")
def signals_chart_of(member_id: str | UUID | None = None) -> Chart:
    """The signals chart of `member_id`'s latest reviews that I may see (mine if
    None), for `reviews/_signals_chart.html`."""
    owner = str(member_id or me())
    with system().read() as conn:
        points = signal_history(conn, str(me()), owner)
    return signals_chart(points)


def _own_review(review_id: UUID) -> ReviewOut:
    """My review; 404 for anyone else's (even one I may see)."""
    found = review_out(me(), review_id)
    if found.owner_id != me():
        raise NotFoundError("No such review of yours.")
    return found


@bp.route("/reviews/<uuid:review_id>/amend", methods=["GET", "POST"])
def amend(review_id: UUID) -> Page:
    """Amend my review's signals, reflections or visibility."""
    review = _own_review(review_id)
    form = AmendForm(
        data={**review.signals.model_dump(), **review.model_dump(include=set(PROMPTS))},
        visibility=review.visibility,
    )
    if form.validate_on_submit():
        changes = {
            "signals": form.signals(),
            **form.texts(),
            "visibility": text_of(form.visibility),
        }
        if submit(form, c.AmendReview(me(), review_id, changes)) is not None:
            flash("Review amended.", "success")
            return redirect(url_for("reviews.index"))
    status = INVALID if form.is_submitted() else 200
    return _render("reviews/amend.html", form, status, review=review)


@bp.post("/reviews/<uuid:review_id>/commitments/<uuid:commitment_id>")
def mark(review_id: UUID, commitment_id: UUID) -> Response:
    """Mark one commitment of my review kept or missed (once)."""
    _own_review(review_id)
    form = MarkForm()
    kept = text_of(form.kept)
    if form.validate_on_submit() and kept in ("kept", "missed"):
        command = c.MarkCommitment(me(), review_id, commitment_id, kept == "kept")
        if submit(form, command) is not None:
            flash(f"Commitment marked {kept}.", "success")
            return redirect(url_for("reviews.index"))
    for message in form.form_errors or ["Choose kept or missed."]:
        flash(message, "error")
    return redirect(url_for("reviews.index"))
