"""Mentorship: proposed → accepted or declined; accepted → ended; proposed again."""

from __future__ import annotations

from uuid import uuid4

import pytest

from service.domain.mentorship import Mentorship, mentorship_id
from service.errors import ConflictError, RuleViolationError

from .helpers import recorded, records_nothing

MENTEE = uuid4()
MENTOR = uuid4()
MENTEE_EMAIL = "ada@example.com"
MENTOR_EMAIL = "grace@example.com"


def proposed() -> Mentorship:
    return Mentorship.propose(
        MENTEE, MENTEE_EMAIL, MENTOR_EMAIL, " Would you mentor me? "
    )


def in_status(status: str) -> Mentorship:
    """A mentorship brought to `status` by the commands a user would send."""
    mentorship = proposed()
    if status in ("accepted", "ended"):
        mentorship.accept(MENTOR)
    if status == "declined":
        mentorship.decline(MENTOR)
    if status == "ended":
        mentorship.end("We covered what we set out to.", MENTEE)
    assert mentorship.status == status
    return mentorship


def test_mentee_proposes_a_mentor_by_email() -> None:
    mentorship = proposed()
    assert mentorship.id == mentorship_id(MENTEE, MENTOR_EMAIL)
    assert (mentorship.mentee_id, mentorship.mentor_email) == (MENTEE, MENTOR_EMAIL)
    assert (mentorship.status, mentorship.mentor_id, mentorship.is_active) == (
        "proposed",
        None,
        False,
    )
    assert mentorship.message == "Would you mentor me?"
    (event,) = mentorship.collect_events()
    assert type(event).__name__ == "MentorshipProposed"
    assert event.actor_id == MENTEE


def test_one_mentorship_per_mentee_and_mentor_email() -> None:
    again = Mentorship.propose(MENTEE, MENTEE_EMAIL, MENTOR_EMAIL, "")
    other = Mentorship.propose(uuid4(), "bob@example.com", MENTOR_EMAIL, "")
    assert again.id == proposed().id
    assert other.id != again.id


def test_member_cannot_mentor_themselves() -> None:
    with pytest.raises(RuleViolationError, match="your own mentor"):
        Mentorship.propose(MENTEE, MENTEE_EMAIL, MENTEE_EMAIL, "Me, myself and I")


def test_accepting_makes_the_mentor_active() -> None:
    mentorship = proposed()
    mentorship.collect_events()
    mentorship.accept(MENTOR)
    assert (mentorship.status, mentorship.mentor_id, mentorship.is_active) == (
        "accepted",
        MENTOR,
        True,
    )
    (event,) = mentorship.collect_events()
    assert type(event).__name__ == "MentorshipAccepted"
    assert event.actor_id == MENTOR


def test_declining_leaves_no_mentor() -> None:
    mentorship = proposed()
    mentorship.decline(MENTOR)
    assert (mentorship.status, mentorship.mentor_id, mentorship.is_active) == (
        "declined",
        None,
        False,
    )


@pytest.mark.parametrize("status", ["accepted", "declined", "ended"])
@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_only_a_pending_request_can_be_answered(status: str, answer: str) -> None:
    mentorship = in_status(status)
    command = mentorship.accept if answer == "accept" else mentorship.decline
    with (
        records_nothing(mentorship),
        pytest.raises(
            RuleViolationError, match=f"Only a pending request.*this one is {status}"
        ),
    ):
        command(MENTOR)
    assert mentorship.status == status


@pytest.mark.parametrize(
    ("status", "by"), [("accepted", MENTEE), ("accepted", MENTOR), ("proposed", MENTEE)]
)
def test_either_side_ends_an_active_or_pending_mentorship(
    status: str, by: object
) -> None:
    mentorship = in_status(status)
    mentorship.collect_events()
    mentorship.end("Time to move on.", by)  # type: ignore[arg-type]
    assert (mentorship.status, mentorship.is_active) == ("ended", False)
    (event,) = mentorship.collect_events()
    assert (type(event).__name__, event.actor_id, event.reason) == (
        "MentorshipEnded",
        by,
        "Time to move on.",
    )


@pytest.mark.parametrize("status", ["declined", "ended"])
def test_declined_or_ended_mentorship_cannot_be_ended(status: str) -> None:
    mentorship = in_status(status)
    with (
        records_nothing(mentorship),
        pytest.raises(RuleViolationError, match=f"already {status}"),
    ):
        mentorship.end("", MENTEE)


@pytest.mark.parametrize("status", ["declined", "ended"])
def test_mentee_may_propose_again_after_a_decline_or_an_end(status: str) -> None:
    mentorship = in_status(status)
    mentorship.collect_events()
    mentorship.propose_again("Shall we try again?", MENTEE)
    assert (mentorship.status, mentorship.mentor_id, mentorship.message) == (
        "proposed",
        None,
        "Shall we try again?",
    )
    assert recorded(mentorship) == ["MentorshipRenewed"]
    mentorship.accept(MENTOR)
    assert mentorship.is_active


@pytest.mark.parametrize("status", ["proposed", "accepted"])
def test_pending_or_active_mentorship_cannot_be_proposed_again(status: str) -> None:
    mentorship = in_status(status)
    with (
        records_nothing(mentorship),
        pytest.raises(ConflictError, match=f"already {status}"),
    ):
        mentorship.propose_again("Again?", MENTEE)
