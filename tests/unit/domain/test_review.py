"""Review: the five signals rated 1–5, if-then commitments, outcomes and amendments."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from service.domain.review import SIGNALS
from service.errors import InvalidFieldsError, RuleViolationError, ValidationError

from .helpers import commitment, new_review, ratings, recorded, records_nothing

OWNER = uuid4()


def rejected(**overrides: Any) -> dict[str, str]:
    """The field errors of recording a review with `overrides`."""
    with pytest.raises(InvalidFieldsError) as excinfo:
        new_review(OWNER, **overrides)
    return excinfo.value.errors


def test_review_is_recorded_with_signals_texts_and_commitments() -> None:
    step = commitment(if_when="  When I finish lunch ", then=" I will email Sam ")
    review = new_review(
        OWNER,
        signals=ratings(2, focus=5),
        commitments=[step],
        went_well=" Shipped it ",
        stuck_on="",
        lessons="Ask earlier.",
    )
    assert review.owner_id == OWNER
    assert review.period == "weekly"
    assert review.signals == {
        "motivation": 2,
        "focus": 5,
        "learning": 2,
        "recognition": 2,
        "satisfaction": 2,
    }
    assert (review.went_well, review.lessons) == ("Shipped it", "Ask earlier.")
    assert review.commitments == [
        {"id": step["id"], "if_when": "When I finish lunch", "then": "I will email Sam"}
    ]
    assert review.visibility == "mentors"
    assert recorded(review) == ["ReviewRecorded"]


@pytest.mark.parametrize("value", [1, 5])
def test_ratings_at_both_ends_are_accepted(value: int) -> None:
    assert set(new_review(OWNER, signals=ratings(value)).signals.values()) == {value}


@pytest.mark.parametrize("signal", SIGNALS)
@pytest.mark.parametrize("value", [0, 6, -1, True, 2.5, "3", None])
def test_each_signal_must_be_a_whole_rating_from_1_to_5(
    signal: str, value: object
) -> None:
    errors = rejected(signals=ratings(**{signal: value}))
    assert errors == {f"signals.{signal}": f"Rate {signal} from 1 to 5."}


@pytest.mark.parametrize("signal", SIGNALS)
def test_each_signal_is_required(signal: str) -> None:
    signals = ratings()
    del signals[signal]
    assert f"signals.{signal}" in rejected(signals=signals)


def test_unknown_signal_is_rejected() -> None:
    errors = rejected(signals=ratings(energy=4))
    assert errors == {"signals.energy": "Unknown signal: energy."}


def test_signals_must_be_a_mapping() -> None:
    assert "five signals" in rejected(signals=[3, 3, 3, 3, 3])["signals"]


def test_every_bad_field_is_reported_at_once() -> None:
    errors = rejected(
        period="daily",
        signals=ratings(motivation=0, focus=9),
        visibility="public",
        commitments="call Sam",
    )
    assert set(errors) == {
        "period",
        "signals.motivation",
        "signals.focus",
        "visibility",
        "commitments",
    }


def test_too_long_text_is_reported_with_the_other_bad_fields() -> None:
    errors = rejected(period="daily", went_well="x" * 5001)
    assert set(errors) == {"period", "went_well"}


@pytest.mark.parametrize(
    ("commitments", "field", "fragment"),
    [
        (
            [commitment(if_when="")],
            "commitments.0.if_when",
            "'if/when' part is required",
        ),
        (
            [commitment(), commitment(then="  ")],
            "commitments.1.then",
            "'then I will' part is required",
        ),
        ([{"if_when": "When x", "then": "I will y"}], "commitments.0", "needs an id"),
        ([commitment(id="c1")], "commitments.0", "needs an id"),
        ([commitment() for _ in range(11)], "commitments", "10 next steps or fewer"),
        ("If it rains then read", "commitments", "must be a list"),
    ],
)
def test_commitment_needs_if_when_and_then(
    commitments: object, field: str, fragment: str
) -> None:
    assert fragment in rejected(commitments=commitments)[field]


def test_review_without_commitments_is_fine() -> None:
    assert new_review(OWNER, commitments=[]).commitments == []


@pytest.mark.parametrize(
    ("field", "value"), [("period", "daily"), ("visibility", "world")]
)
def test_period_and_visibility_are_checked(field: str, value: str) -> None:
    assert field in rejected(**{field: value})


def test_monthly_private_review_is_accepted() -> None:
    review = new_review(OWNER, period="monthly", visibility="private")
    assert (review.period, review.visibility) == ("monthly", "private")


# Commitment outcomes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kept", "event"), [(True, "CommitmentKept"), (False, "CommitmentMissed")]
)
def test_commitment_is_marked_kept_or_missed(kept: bool, event: str) -> None:
    step = commitment()
    review = new_review(OWNER, commitments=[step])
    review.collect_events()
    review.mark_commitment(step["id"], kept, OWNER)
    assert review.outcomes == {str(step["id"]): kept}
    assert recorded(review) == [event]


@pytest.mark.parametrize("second", [True, False])
def test_commitment_can_be_marked_only_once(second: bool) -> None:
    step = commitment()
    review = new_review(OWNER, commitments=[step])
    review.mark_commitment(step["id"], True, OWNER)
    with (
        records_nothing(review),
        pytest.raises(RuleViolationError, match="already been marked"),
    ):
        review.mark_commitment(step["id"], second, OWNER)
    assert review.outcomes == {str(step["id"]): True}


def test_unknown_commitment_cannot_be_marked() -> None:
    review = new_review(OWNER)
    with (
        records_nothing(review),
        pytest.raises(ValidationError, match="no such") as excinfo,
    ):
        review.mark_commitment(uuid4(), True, OWNER)
    assert excinfo.value.field == "commitment_id"


def test_each_commitment_has_its_own_outcome() -> None:
    first, second = commitment(), commitment()
    review = new_review(OWNER, commitments=[first, second])
    review.mark_commitment(first["id"], True, OWNER)
    review.mark_commitment(second["id"], False, OWNER)
    assert review.outcomes == {str(first["id"]): True, str(second["id"]): False}


# Amendments ---------------------------------------------------------------------


def test_amendment_records_only_what_changed() -> None:
    review = new_review(OWNER, went_well="Shipped it")
    review.collect_events()
    review.amend(
        {
            "went_well": "Shipped it",
            "lessons": "Ask for help earlier.",
            "signals": ratings(4),
            "visibility": "private",
        },
        OWNER,
    )
    (event,) = review.collect_events()
    assert type(event).__name__ == "ReviewAmended"
    assert set(event.changes) == {"lessons", "signals", "visibility"}
    assert (review.lessons, review.signals["focus"], review.visibility) == (
        "Ask for help earlier.",
        4,
        "private",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"signals": ratings(focus=6)}, "signals.focus"),
        ({"visibility": "everyone"}, "visibility"),
        ({"period": "monthly"}, "period"),
        ({"commitments": []}, "commitments"),
        ({"owner_id": uuid4()}, "owner_id"),
        ({"lessons": "y" * 5001}, "lessons"),
    ],
)
def test_amendment_is_limited_to_texts_signals_and_visibility(
    changes: dict[str, object], field: str
) -> None:
    review = new_review(OWNER)
    with records_nothing(review), pytest.raises(InvalidFieldsError) as excinfo:
        review.amend(changes, OWNER)
    assert field in excinfo.value.errors


def test_amendment_that_changes_nothing_is_rejected() -> None:
    review = new_review(OWNER)
    with (
        records_nothing(review),
        pytest.raises(ValidationError, match="Nothing changed"),
    ):
        review.amend({"signals": ratings(), "visibility": "mentors"}, OWNER)


def test_amendment_keeps_commitment_outcomes() -> None:
    step = commitment()
    review = new_review(OWNER, commitments=[step])
    review.mark_commitment(step["id"], False, OWNER)
    review.amend({"stuck_on": "Too many meetings."}, OWNER)
    assert review.outcomes == {str(step["id"]): False}
