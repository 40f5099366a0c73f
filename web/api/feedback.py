"""Feedback, cheers and suggestions on visible items.

Feedback and cheers go on a goal, action or review the caller may see (SPEC 9), and
are seen by whoever may see that item; anything else is a 404, never a 403. Only
the author withdraws feedback. Suggestions come from a mentee's accepted mentors;
only the mentee answers them, and accepting one adds it to the goal's roadmap.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, g

from projections import goals_queries, relations
from projections.journal_queries import FeedbackNote, feedback_on
from service import commands as c
from service.errors import NotFoundError
from web.api.common import ERRORS, ReasonBody, Written, blueprint, paginate, written
from web.api.feedback_schemas import (
    CheerBody,
    CheerOut,
    FeedbackBody,
    FeedbackListQuery,
    FeedbackOut,
    FeedbackPage,
    FeedbackPath,
    FeedbackWritten,
    SuggestionBody,
    SuggestionOut,
    SuggestionPath,
)
from web.auth import BEARER, caller, idempotency_key
from web.common.goals import milestone_out
from web.system import current_system as system

api = blueprint("feedback", __name__, __doc__ or "")

FEEDBACK = "/feedback/<uuid:feedback_id>"
SUGGESTION = "/suggestions/<uuid:suggestion_id>"


@api.before_request
def _signed_in() -> None:
    """Every route here needs a token: 401 comes before any check of the input."""
    g.feedback_caller = caller()


def _me() -> UUID:
    """The calling member (checked before the view ran)."""
    me: UUID = g.feedback_caller
    return me


def _notes_on(viewer: UUID, kind: str, item_id: UUID) -> list[FeedbackNote]:
    """Feedback on an item as the read model holds it (empty if not visible)."""
    with system().read() as conn:
        return list(feedback_on(conn, str(viewer), kind, str(item_id)))


def _note_out(note: FeedbackNote, names: dict[str, str]) -> dict[str, Any]:
    return FeedbackOut(
        id=UUID(note.feedback_id),
        item_kind=note.item_kind,  # type: ignore[arg-type]  # goal, action or review
        item_id=UUID(note.item_id),
        author_id=UUID(note.author_id),
        author_name=names.get(note.author_id),
        text=note.text,
        at=note.at,
    ).model_dump(mode="json")


def _authors(notes: list[FeedbackNote]) -> dict[str, str]:
    with system().read() as conn:
        return relations.member_names(conn, (n.author_id for n in notes))


def _one_note(viewer: UUID, feedback_id: UUID) -> FeedbackNote:
    """Live feedback on an item the viewer may see; 404 otherwise (also once
    withdrawn)."""
    found = system().app.visible_feedback(viewer, feedback_id)
    for note in _notes_on(viewer, found.target_kind, found.target_id):
        if note.feedback_id == str(feedback_id):
            return note
    raise NotFoundError("No such feedback.")


@api.post("/feedback", responses={201: FeedbackWritten, **ERRORS}, security=BEARER)
def give_feedback(body: FeedbackBody) -> Response:
    """Leave written feedback on a goal, action or review you may see."""
    me = _me()
    command = c.GiveFeedback(me, body.item_kind, body.item_id, body.text)
    result = system().write(command, idempotency_key())
    note = _one_note(me, result.id)
    out = FeedbackWritten(**_note_out(note, _authors([note])), version=result.version)
    return written(out, result.version, 201)


@api.get("/feedback", responses={200: FeedbackPage, **ERRORS}, security=BEARER)
def list_feedback(query: FeedbackListQuery) -> dict[str, Any]:
    """Feedback on one item you may see, oldest first (404 for an item you may
    not see)."""
    me = _me()
    # The rule GiveFeedback applies: the item exists, is of this kind, and is
    # visible to the caller.
    system().app.require_visible_item(me, query.item_kind, query.item_id)
    notes = _notes_on(me, query.item_kind, query.item_id)
    items, cursor = paginate(notes, query, key=lambda note: note.feedback_id)
    names = _authors(items)
    return {"items": [_note_out(n, names) for n in items], "next_cursor": cursor}


@api.get(FEEDBACK, responses={200: FeedbackOut, **ERRORS}, security=BEARER)
def get_feedback(path: FeedbackPath) -> dict[str, Any]:
    """One piece of feedback, for whoever may see the item it is on."""
    me = _me()
    note = _one_note(me, path.feedback_id)
    return _note_out(note, _authors([note]))


@api.delete(FEEDBACK, responses={200: Written, **ERRORS}, security=BEARER)
def withdraw_feedback(path: FeedbackPath) -> Response:
    """Withdraw your feedback (the author only); it disappears for everyone."""
    me = _me()
    result = system().write(c.WithdrawFeedback(me, path.feedback_id), idempotency_key())
    return written(Written(id=result.id, version=result.version), result.version)


@api.post("/cheers", responses={201: CheerOut, **ERRORS}, security=BEARER)
def cheer(body: CheerBody) -> Response:
    """Cheer someone else's goal, action or review you may see (once each)."""
    me = _me()
    command = c.CheerItem(me, body.item_kind, body.item_id)
    result = system().write(command, idempotency_key())
    out = CheerOut(
        id=result.id,
        item_kind=body.item_kind,
        item_id=body.item_id,
        version=result.version,
    )
    return written(out, result.version, 201)


def _suggestion_out(viewer: UUID, suggestion_id: UUID) -> SuggestionOut:
    """The suggestion as the event store holds it (no read model keeps them) and
    the milestone it became, read back from the goal board."""
    found = system().app.suggestion_for(viewer, suggestion_id)
    milestone = None
    if found.milestone_id is not None:
        with system().read() as conn:
            row = goals_queries.milestone_by_id(
                conn, str(viewer), str(found.milestone_id)
            )
        milestone = milestone_out(row) if row is not None else None
    return SuggestionOut(
        id=found.id,
        goal_id=found.goal_id,
        mentor_id=found.mentor_id,
        mentee_id=found.mentee_id,
        kind=found.kind,  # type: ignore[arg-type]  # milestone or action
        title=found.title,
        note=found.note,
        due_on=found.due_on,
        status=found.status,  # type: ignore[arg-type]  # pending, accepted, declined
        milestone=milestone,
        version=found.version,
    )


def _suggest(me: UUID, command: c.Command, status: int = 200) -> Response:
    result = system().write(command, idempotency_key())
    return written(_suggestion_out(me, result.id), result.version, status)


@api.post("/suggestions", responses={201: SuggestionOut, **ERRORS}, security=BEARER)
def suggest(body: SuggestionBody) -> Response:
    """Suggest a milestone or an action for a goal of your mentee (accepted
    mentors only; any other goal is a 404)."""
    me = _me()
    command = c.MakeSuggestion(
        me, body.goal_id, body.kind, body.title, body.note, body.due_on
    )
    return _suggest(me, command, 201)


@api.post(
    SUGGESTION + "/accept", responses={200: SuggestionOut, **ERRORS}, security=BEARER
)
def accept_suggestion(path: SuggestionPath) -> Response:
    """Accept a suggestion (the mentee only): it joins the goal's roadmap as a
    milestone, shown in the answer."""
    me = _me()
    return _suggest(me, c.AnswerSuggestion(me, path.suggestion_id, accept=True))


@api.post(
    SUGGESTION + "/decline", responses={200: SuggestionOut, **ERRORS}, security=BEARER
)
def decline_suggestion(path: SuggestionPath, body: ReasonBody) -> Response:
    """Decline a suggestion (the mentee only), optionally saying why."""
    me = _me()
    command = c.AnswerSuggestion(me, path.suggestion_id, False, body.reason)
    return _suggest(me, command)
