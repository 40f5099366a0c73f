"""Feedback, cheers and mentor suggestions on a member's items."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from service.domain.feedback import Cheer, Feedback, Suggestion, cheer_id
from service.errors import ConflictError, RuleViolationError, ValidationError

from .helpers import TODAY, recorded, records_nothing

MENTOR, MENTEE, ITEM = uuid4(), uuid4(), uuid4()


def feedback(text: str = "Nice progress on the talk!") -> Feedback:
    return Feedback.give(MENTOR, "goal", ITEM, MENTEE, text)


def answer(made: Suggestion, how: str, who: UUID) -> None:
    """The mentee's (or someone's) answer to a suggestion."""
    if how == "accept":
        made.accept(uuid4(), who)
    else:
        made.decline("", who)


def suggestion() -> Suggestion:
    return Suggestion.make(
        MENTOR,
        MENTEE,
        ITEM,
        "milestone",
        "Submit the CFP",
        "The deadline is soon.",
        TODAY + timedelta(days=10),
    )


# Feedback -------------------------------------------------------------------------


def test_feedback_is_given_on_an_item() -> None:
    given = feedback("  Nice progress on the talk!  ")
    assert (
        given.author_id,
        given.target_kind,
        given.target_id,
        given.target_owner_id,
    ) == (MENTOR, "goal", ITEM, MENTEE)
    assert (given.text, given.withdrawn) == ("Nice progress on the talk!", False)
    (event,) = given.collect_events()
    assert (type(event).__name__, event.actor_id) == ("FeedbackGiven", MENTOR)


@pytest.mark.parametrize("text", ["", "   ", None, "x" * 5001])
def test_feedback_needs_text(text: str | None) -> None:
    with pytest.raises(ValidationError, match="Feedback") as excinfo:
        Feedback.give(MENTOR, "action", ITEM, MENTEE, text)  # type: ignore[arg-type]
    assert excinfo.value.field == "text"


@pytest.mark.parametrize(
    "make",
    [
        lambda: Feedback.give(MENTOR, "member", ITEM, MENTEE, "Hi"),
        lambda: Cheer.give(MENTOR, "journal", ITEM, MENTEE),
    ],
)
def test_feedback_and_cheers_only_target_goals_actions_and_reviews(
    make: object,
) -> None:
    with pytest.raises(
        ValidationError, match="one of: goal, action, review"
    ) as excinfo:
        make()  # type: ignore[operator]
    assert excinfo.value.field == "target_kind"


def test_author_withdraws_feedback() -> None:
    given = feedback()
    given.collect_events()
    given.withdraw(MENTOR)
    assert given.withdrawn is True
    assert recorded(given) == ["FeedbackWithdrawn"]


@pytest.mark.parametrize("who", [MENTEE, uuid4()])
def test_only_the_author_withdraws_feedback(who: object) -> None:
    given = feedback()
    with (
        records_nothing(given),
        pytest.raises(RuleViolationError, match="Only the author"),
    ):
        given.withdraw(who)  # type: ignore[arg-type]
    assert given.withdrawn is False


def test_feedback_cannot_be_withdrawn_twice() -> None:
    given = feedback()
    given.withdraw(MENTOR)
    with (
        records_nothing(given),
        pytest.raises(RuleViolationError, match="already withdrawn"),
    ):
        given.withdraw(MENTOR)


# Cheers ---------------------------------------------------------------------------


def test_cheer_is_one_per_author_and_item() -> None:
    cheer = Cheer.give(MENTOR, "action", ITEM, MENTEE)
    assert cheer.id == cheer_id(MENTOR, ITEM)
    assert Cheer.give(MENTOR, "action", ITEM, MENTEE).id == cheer.id
    assert Cheer.give(uuid4(), "action", ITEM, MENTEE).id != cheer.id
    (event,) = cheer.collect_events()
    assert (type(event).__name__, event.actor_id, event.target_owner_id) == (
        "Cheered",
        MENTOR,
        MENTEE,
    )


def test_member_cannot_cheer_their_own_item() -> None:
    with pytest.raises(RuleViolationError, match="cannot cheer your own"):
        Cheer.give(MENTEE, "action", ITEM, MENTEE)


# Suggestions ----------------------------------------------------------------------


def test_mentor_suggests_a_milestone_or_an_action() -> None:
    made = suggestion()
    assert (made.mentor_id, made.mentee_id, made.goal_id, made.kind) == (
        MENTOR,
        MENTEE,
        ITEM,
        "milestone",
    )
    assert (made.title, made.status, made.milestone_id) == (
        "Submit the CFP",
        "pending",
        None,
    )
    (event,) = made.collect_events()
    assert (type(event).__name__, event.actor_id) == ("SuggestionMade", MENTOR)
    action = Suggestion.make(MENTOR, MENTEE, ITEM, "action", "Email Sam", "", None)
    assert action.kind == "action"


@pytest.mark.parametrize(
    ("kind", "title", "field"),
    [("goal", "Submit the CFP", "kind"), ("milestone", "  ", "title")],
)
def test_suggestion_needs_a_known_kind_and_a_title(
    kind: str, title: str, field: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        Suggestion.make(MENTOR, MENTEE, ITEM, kind, title, "", None)
    assert excinfo.value.field == field


def test_mentee_accepts_a_suggestion() -> None:
    made = suggestion()
    milestone = uuid4()
    made.collect_events()
    made.accept(milestone, MENTEE)
    assert (made.status, made.milestone_id) == ("accepted", milestone)
    (event,) = made.collect_events()
    assert (type(event).__name__, event.actor_id) == ("SuggestionAccepted", MENTEE)


def test_mentee_declines_a_suggestion_with_a_reason() -> None:
    made = suggestion()
    made.collect_events()
    made.decline("Already on my list.", MENTEE)
    assert made.status == "declined"
    (event,) = made.collect_events()
    assert (type(event).__name__, event.reason) == (
        "SuggestionDeclined",
        "Already on my list.",
    )


@pytest.mark.parametrize("who", [MENTOR, uuid4()])
@pytest.mark.parametrize("how", ["accept", "decline"])
def test_only_the_mentee_answers_a_suggestion(who: UUID, how: str) -> None:
    made = suggestion()
    with (
        records_nothing(made),
        pytest.raises(RuleViolationError, match="Only the mentee"),
    ):
        answer(made, how, who)
    assert made.status == "pending"


@pytest.mark.parametrize("first", ["accept", "decline"])
@pytest.mark.parametrize("second", ["accept", "decline"])
def test_suggestion_is_answered_only_once(first: str, second: str) -> None:
    made = suggestion()
    answer(made, first, MENTEE)
    status = made.status
    with records_nothing(made), pytest.raises(ConflictError, match=f"already {status}"):
        answer(made, second, MENTEE)
    assert made.status == status
