"""Reviews: commitments, their outcomes at the next review (atomic), and ownership."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest

from service import commands as c
from service.application import MomentumApplication
from service.errors import (
    InvalidFieldsError,
    NotFoundError,
    RuleViolationError,
    ValidationError,
)
from tests.conftest import Register
from tests.unit.service.conftest import SIGNALS

Position = Callable[[], int | None]
COMMITMENTS = (
    c.NewCommitment("When I open my laptop on Monday", "then I will update my CV"),
    c.NewCommitment("If a meetup is announced", "then I will submit a talk"),
)


def _review(app: MomentumApplication, owner: UUID, **fields: Any) -> c.Result:
    fields.setdefault("commitments", COMMITMENTS)
    return app.handle(
        c.RecordReview(owner, SIGNALS, went_well="Shipped a demo", **fields)
    )


def _types(app: MomentumApplication, owner: UUID, review_id: UUID) -> list[str]:
    return [e.type for e in app.history(owner, review_id)]


def test_review_returns_the_ids_of_its_commitments(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    review = _review(app, ann)
    ids = review.extra["commitment_ids"]
    assert len(ids) == 2
    assert all(isinstance(i, UUID) for i in ids)
    recorded = app.history(ann, review.id)[0].data["commitments"]
    assert [x["id"] for x in recorded] == ids
    assert recorded[0]["then"] == "then I will update my CV"


def test_next_review_marks_the_previous_commitments_kept_and_missed(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    first = _review(app, ann)
    cv, talk = first.extra["commitment_ids"]
    _review(
        app,
        ann,
        commitments=(),
        outcomes=(
            c.CommitmentOutcome(first.id, cv, kept=True),
            c.CommitmentOutcome(first.id, talk, kept=False),
        ),
    )
    marks = app.history(ann, first.id)[1:]
    assert [(e.type, e.data["commitment_id"]) for e in marks] == [
        ("CommitmentKept", cv),
        ("CommitmentMissed", talk),
    ]


def test_one_invalid_outcome_records_nothing_at_all(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    ann = register("Ann")
    first = _review(app, ann)
    cv, _ = first.extra["commitment_ids"]
    before = position()
    with pytest.raises(InvalidFieldsError) as raised:
        _review(
            app,
            ann,
            outcomes=(
                c.CommitmentOutcome(first.id, cv, kept=True),
                c.CommitmentOutcome(first.id, uuid4(), kept=True),
            ),
        )
    assert set(raised.value.errors) == {"outcomes.1"}
    assert position() == before
    assert _types(app, ann, first.id) == ["ReviewRecorded"]
    _review(app, ann, outcomes=(c.CommitmentOutcome(first.id, cv, kept=True),))
    assert _types(app, ann, first.id) == ["ReviewRecorded", "CommitmentKept"]


def test_outcome_on_someone_elses_review_records_nothing(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    ann, bob = register("Ann"), register("Bob")
    anns = _review(app, ann)
    before = position()
    with pytest.raises(ValidationError):
        _review(
            app,
            bob,
            outcomes=(
                c.CommitmentOutcome(
                    anns.id, anns.extra["commitment_ids"][0], kept=False
                ),
            ),
        )
    assert position() == before
    assert _types(app, ann, anns.id) == ["ReviewRecorded"]


def test_outcome_already_marked_records_nothing(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    ann = register("Ann")
    first = _review(app, ann)
    cv, talk = first.extra["commitment_ids"]
    app.handle(c.MarkCommitment(ann, first.id, cv, kept=True))
    before = position()
    with pytest.raises((ValidationError, RuleViolationError)):
        _review(
            app,
            ann,
            outcomes=(
                c.CommitmentOutcome(first.id, talk, kept=True),
                c.CommitmentOutcome(first.id, cv, kept=False),
            ),
        )
    assert position() == before
    assert _types(app, ann, first.id) == ["ReviewRecorded", "CommitmentKept"]


def test_commitment_cannot_be_marked_twice(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    first = _review(app, ann)
    cv = first.extra["commitment_ids"][0]
    app.handle(c.MarkCommitment(ann, first.id, cv, kept=False))
    with pytest.raises(RuleViolationError):
        app.handle(c.MarkCommitment(ann, first.id, cv, kept=True))


CHANGES: dict[str, Callable[[UUID, UUID, UUID], c.Command]] = {
    "amend": lambda a, r, k: c.AmendReview(a, r, {"went_well": "Rewritten by someone"}),
    "mark commitment": lambda a, r, k: c.MarkCommitment(a, r, k, kept=True),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_only_the_owner_changes_a_review(
    app: MomentumApplication,
    register: Register,
    mentor: Callable[[UUID, str], UUID],
    position: Position,
    change: str,
) -> None:
    ann, bob, max_ = register("Ann"), register("Bob"), register("Max")
    mentor(ann, "Max")
    review = _review(app, ann)
    commitment = review.extra["commitment_ids"][0]
    assert app.history(max_, review.id)  # the mentor may read it
    before = position()
    for other in (bob, max_):
        with pytest.raises(NotFoundError):
            app.handle(CHANGES[change](other, review.id, commitment))
    assert position() == before
    assert app.handle(CHANGES[change](ann, review.id, commitment)).version == 2


def test_owner_amends_a_review(app: MomentumApplication, register: Register) -> None:
    ann = register("Ann")
    review = _review(app, ann)
    app.handle(c.AmendReview(ann, review.id, {"stuck_on": "Saying no to meetings"}))
    assert app.history(ann, review.id)[-1].data["changes"] == {
        "stuck_on": "Saying no to meetings"
    }


def test_signals_must_be_rated_one_to_five(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    ann = register("Ann")
    before = position()
    with pytest.raises(InvalidFieldsError) as raised:
        app.handle(c.RecordReview(ann, {**SIGNALS, "focus": 6, "learning": 0}))
    assert set(raised.value.errors) == {"signals.focus", "signals.learning"}
    assert position() == before
