"""Handlers for reviews (check-ins) and their commitments."""

from __future__ import annotations

from uuid import uuid4

from service import commands as c
from service.commands import Result
from service.domain.review import Review
from service.errors import InvalidFieldsError, NotFoundError, ValidationError
from service.uow import Handlers, UnitOfWork


def record_review(uow: UnitOfWork, cmd: c.RecordReview) -> Result:
    """Record a check-in and, in the same save, the outcomes of earlier commitments."""
    uow.actor(cmd.actor_id)
    commitments = [
        {"id": uuid4(), "if_when": n.if_when, "then": n.then} for n in cmd.commitments
    ]
    review = Review.record(
        cmd.actor_id,
        cmd.period,
        dict(cmd.signals),
        commitments,
        cmd.visibility,
        went_well=cmd.went_well,
        stuck_on=cmd.stuck_on,
        lessons=cmd.lessons,
    )
    errors: dict[str, str] = {}
    for i, outcome in enumerate(cmd.outcomes):
        try:
            earlier = uow.own(Review, outcome.review_id, cmd.actor_id, None, "review")
            earlier.mark_commitment(outcome.commitment_id, outcome.kept, cmd.actor_id)
        except (ValidationError, NotFoundError) as e:
            errors[f"outcomes.{i}"] = e.message
    if errors:
        raise InvalidFieldsError(errors)
    uow.add(review)
    uow.primary = review
    return Result(
        review.id, review.version, {"commitment_ids": [x["id"] for x in commitments]}
    )


def mark_commitment(uow: UnitOfWork, cmd: c.MarkCommitment) -> Result:
    """Mark one commitment of an earlier review kept or missed."""
    review = uow.own(Review, cmd.review_id, cmd.actor_id, None, "review")
    review.mark_commitment(cmd.commitment_id, cmd.kept, cmd.actor_id)
    return Result(review.id, review.version)


def amend_review(uow: UnitOfWork, cmd: c.AmendReview) -> Result:
    """Amend a review's texts, signals or visibility."""
    review = uow.own(
        Review, cmd.review_id, cmd.actor_id, cmd.expected_version, "review"
    )
    review.amend(dict(cmd.changes), cmd.actor_id)
    return Result(review.id, review.version)


HANDLERS: Handlers = {
    c.RecordReview: record_review,
    c.MarkCommitment: mark_commitment,
    c.AmendReview: amend_review,
}
"""The command this module handles → its handler (wired by the composition root)."""
