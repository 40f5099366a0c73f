"""Weekly and monthly check-ins: the five signals, reflection and if-then commitments.

The next review marks the previous one's commitments kept or missed (`outcomes`);
`GET /reviews/latest` shows which are still open.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, jsonify

from projections.journal_queries import JournalEntry
from projections.metrics_queries import ReviewFacts, review_facts
from service import commands as c
from service.errors import NotFoundError
from web.api.common import (
    ERRORS,
    PageQuery,
    blueprint,
    if_match,
    takes_if_match,
    written,
)
from web.api.reviews_schemas import (
    CommitmentMarkBody,
    CommitmentPath,
    ReviewBody,
    ReviewChanges,
    ReviewListItem,
    ReviewPage,
    ReviewPath,
)
from web.auth import BEARER, caller, idempotency_key
from web.common.journal import journal_page
from web.common.reviews import ReviewOut, ReviewSignals, review_out
from web.system import current_system as system

api = blueprint("reviews", __name__, __doc__ or "")


def _list_item(entry: JournalEntry, facts: dict[str, ReviewFacts]) -> dict[str, Any]:
    found = facts.get(entry.item_id)
    return ReviewListItem(
        id=UUID(entry.item_id),
        entry_id=entry.entry_id,
        title=entry.title,
        day=entry.day,
        at=entry.at,
        signals=ReviewSignals(**found.signals) if found else None,
        summary=entry.summary,
        visibility=entry.visibility,
        commitments_kept=found.kept if found else 0,
        commitments_missed=found.missed if found else 0,
        feedback_count=entry.feedback_count,
        cheer_count=entry.cheer_count,
    ).model_dump(mode="json")


@api.post("/reviews", responses={201: ReviewOut, **ERRORS}, security=BEARER)
def record_review(body: ReviewBody) -> Response:
    """Record a check-in, marking the previous review's commitments in `outcomes`."""
    me = caller()
    command = c.RecordReview(
        me,
        body.signals.model_dump(),
        period=body.period,
        went_well=body.went_well,
        stuck_on=body.stuck_on,
        lessons=body.lessons,
        commitments=tuple(c.NewCommitment(x.if_when, x.then) for x in body.commitments),
        visibility=body.visibility,
        outcomes=tuple(
            c.CommitmentOutcome(x.review_id, x.commitment_id, x.kept)
            for x in body.outcomes
        ),
    )
    result = system().write(command, idempotency_key())
    return written(review_out(me, result.id), result.version, 201)


@api.get("/reviews", responses={200: ReviewPage, **ERRORS}, security=BEARER)
def my_reviews(query: PageQuery) -> Response:
    """Your reviews, newest first, with their signals."""
    me = caller()
    page = journal_page(me, limit=query.limit, cursor=query.cursor, kind="review")
    with system().read() as conn:
        facts = review_facts(conn, (e.item_id for e in page.entries))
    return jsonify(
        items=[_list_item(e, facts) for e in page.entries],
        next_cursor=page.next_cursor,
    )


@api.get("/reviews/latest", responses={200: ReviewOut, **ERRORS}, security=BEARER)
def latest_review() -> Response:
    """Your latest review with its commitments: those with `kept` null are the
    ones to mark in the next review's `outcomes` (404 before the first review)."""
    me = caller()
    page = journal_page(me, limit=1, kind="review")
    if not page.entries:
        raise NotFoundError("You have not recorded a review yet.")
    found = review_out(me, UUID(page.entries[0].item_id))
    return written(found, found.version)


@api.get(
    "/reviews/<uuid:review_id>", responses={200: ReviewOut, **ERRORS}, security=BEARER
)
def get_review(path: ReviewPath) -> Response:
    """One review the caller may see (404 otherwise); `ETag` is its version."""
    found = review_out(caller(), path.review_id)
    return written(found, found.version)


@api.patch(
    "/reviews/<uuid:review_id>", responses={200: ReviewOut, **ERRORS}, security=BEARER
)
@takes_if_match
def amend_review(path: ReviewPath, body: ReviewChanges) -> Response:
    """Amend your review's texts, signals or visibility (`If-Match` supported)."""
    me = caller()
    command = c.AmendReview(
        me,
        path.review_id,
        body.model_dump(exclude_unset=True),
        expected_version=if_match(),
    )
    result = system().write(command, idempotency_key())
    return written(review_out(me, result.id), result.version)


@api.post(
    "/reviews/<uuid:review_id>/commitments/<uuid:commitment_id>",
    responses={200: ReviewOut, **ERRORS},
    security=BEARER,
)
def mark_commitment(path: CommitmentPath, body: CommitmentMarkBody) -> Response:
    """Mark one commitment of your review kept or missed (once)."""
    me = caller()
    command = c.MarkCommitment(me, path.review_id, path.commitment_id, body.kept)
    result = system().write(command, idempotency_key())
    return written(review_out(me, result.id), result.version)
