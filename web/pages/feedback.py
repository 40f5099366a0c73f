"""Feedback and cheers on goals, actions and reviews, from any page that shows one.

The forms are small and embedded next to items (macros in `macros/feedback.html`:
`cheer_button`, `feedback_form`, `feedback_list`, `item_feedback`), so these views
never render a page of their own: they run the command and go back to `next` (a
local path only, else the dashboard) with a flashed message. An item the member may
not see is a 404, as in the API; a refusal the member can fix (empty feedback, a
second cheer, cheering one's own item) is flashed as an error on the page they came
from, and nothing is appended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import count
from uuid import UUID

from flask import flash, g, redirect
from sqlalchemy import Connection
from werkzeug.wrappers import Response

from projections import relations
from projections.journal_queries import feedback_on
from service import commands as c
from service.clock import zone_info
from service.commands import Result
from service.errors import NotFoundError
from web.pages.feedback_forms import CheerForm, FeedbackForm, ReturnForm, all_errors
from web.pages.forms import new_form_key, submit, text_of
from web.pages.session import me, page_blueprint, viewer
from web.system import current_system as system

bp = page_blueprint("feedback", __name__)

FORMER_MEMBER = "A former member"


@dataclass(frozen=True)
class NoteView:
    """One piece of feedback as a page shows it."""

    feedback_id: str
    author_name: str
    text: str
    at: datetime  # in the viewer's timezone
    mine: bool


def notes_on(
    kind: str,
    item_id: str | UUID,
    past: Connection | None = None,
    timezone: str | None = None,
) -> list[NoteView]:
    """Feedback on an item as the signed-in member may see it, oldest first (empty
    when they may not see the item: the same query and rule as the API's), its
    times in `timezone` (default: the member's); from `past`, a past day's read
    models (`?as_of=`), if given: nothing there is theirs to withdraw. Authors are
    named as they are now."""
    with system().read() as conn:
        notes = feedback_on(past or conn, str(me()), kind, str(item_id))
        names = relations.member_names(conn, (n.author_id for n in notes))
    zone = zone_info(timezone or viewer().timezone)
    return [
        NoteView(
            feedback_id=n.feedback_id,
            author_name=names.get(n.author_id, FORMER_MEMBER),
            text=n.text,
            at=n.at.astimezone(zone),
            mine=past is None and n.author_id == str(me()),
        )
        for n in notes
    ]


@bp.app_template_global("feedback_notes")
def feedback_notes(kind: str, item_id: str | UUID) -> list[NoteView]:
    """Template global: `notes_on` for macros (`feedback_list`)."""
    return notes_on(kind, item_id)


@bp.app_template_global("new_form_key")
def form_key() -> str:
    """Template global: a fresh idempotency key for a hand-written form."""
    return new_form_key()


@bp.app_template_global("unique_id")
def unique_id(prefix: str) -> str:
    """Template global: an element id not yet used on this page (`prefix-N`)."""
    if "unique_ids" not in g:
        g.unique_ids = count(1)
    return f"{prefix}-{next(g.unique_ids)}"


def _item(form: CheerForm) -> tuple[str, UUID]:
    """The item a form names; a malformed id names nothing (404)."""
    try:
        return text_of(form.item_kind), UUID(text_of(form.item_id))
    except ValueError:
        raise NotFoundError("No such item.") from None


def _back(form: ReturnForm, result: Result | None, done: str) -> Response:
    """Flash the outcome (the domain's refusal, or `done`) and return to `next`."""
    if result is not None:
        flash(done, "success")
    else:
        for message in all_errors(form):
            flash(message, "error")
    return redirect(form.return_to())


@bp.post("/feedback")
def give() -> Response:
    """Leave feedback on an item one may see (404 otherwise). Empty or too long
    feedback goes back to `next` with the error flashed: the form is embedded in
    other pages, so it is not re-rendered here."""
    form = FeedbackForm()
    kind, item_id = _item(form)
    result = submit(form, c.GiveFeedback(me(), kind, item_id, text_of(form.text)))
    return _back(form, result, "Feedback sent.")


@bp.post("/cheers")
def cheer() -> Response:
    """Cheer someone else's item one may see (404 otherwise); a second cheer or a
    cheer for one's own item goes back to `next` with the reason flashed."""
    form = CheerForm()
    kind, item_id = _item(form)
    result = submit(form, c.CheerItem(me(), kind, item_id))
    return _back(form, result, "Cheered!")


@bp.post("/feedback/<uuid:feedback_id>/withdraw")
def withdraw(feedback_id: UUID) -> Response:
    """Withdraw one's own feedback (anyone else's, or none: 404); it disappears for
    everyone."""
    form = ReturnForm()
    result = submit(form, c.WithdrawFeedback(me(), feedback_id))
    return _back(form, result, "Feedback withdrawn.")
