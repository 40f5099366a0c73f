"""Mentorship: a mentee invites a mentor by email; one aggregate per (mentee, email)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from service.domain.base import MomentumAggregate, derived_id, optional_text
from service.errors import ConflictError, RuleViolationError

STATUSES = ("proposed", "accepted", "declined", "ended")


def mentorship_id(mentee_id: UUID, mentor_email: str) -> UUID:
    """The id of the mentorship between a mentee and whoever holds `mentor_email`."""
    return derived_id("mentorship", mentee_id, mentor_email)


class Mentorship(MomentumAggregate):
    """Proposed → accepted | declined; accepted → ended; then proposed again."""

    class MentorshipProposed(MomentumAggregate.Created):
        """A mentee invited whoever holds `mentor_email` to mentor them."""

        mentee_id: UUID
        mentor_email: str
        message: str
        actor_id: UUID

    @event(MentorshipProposed)
    def __init__(
        self, id: UUID, mentee_id: UUID, mentor_email: str, message: str, actor_id: UUID
    ) -> None:
        self.mentee_id = mentee_id
        self.mentor_email = mentor_email
        self.message = message
        self.mentor_id: UUID | None = None
        self.status = "proposed"

    @classmethod
    def propose(
        cls, mentee_id: UUID, mentee_email: str, mentor_email: str, message: str
    ) -> Mentorship:
        """Invite whoever holds `mentor_email` to mentor `mentee_id`."""
        if mentor_email == mentee_email:
            raise RuleViolationError("You cannot be your own mentor.")
        return cls(
            id=mentorship_id(mentee_id, mentor_email),
            mentee_id=mentee_id,
            mentor_email=mentor_email,
            message=optional_text(message, "message", "Message", max_len=1000),
            actor_id=mentee_id,
        )

    @property
    def is_active(self) -> bool:
        """True while the mentor may see and comment."""
        return self.status == "accepted"

    def propose_again(self, message: str, actor_id: UUID) -> None:
        """Invite the same person again after a decline or an end."""
        if self.status in ("proposed", "accepted"):
            raise ConflictError(f"This mentorship is already {self.status}.")
        self._renewed(
            message=optional_text(message, "message", "Message", max_len=1000),
            actor_id=actor_id,
        )

    class MentorshipRenewed(MomentumAggregate.Event):
        """The mentee invited the same person again after a decline or end."""

        message: str
        actor_id: UUID

    @event(MentorshipRenewed)
    def _renewed(self, message: str, actor_id: UUID) -> None:
        self.message = message
        self.mentor_id = None
        self.status = "proposed"

    def accept(self, mentor_id: UUID) -> None:
        """The invited person accepts."""
        self._require_proposed("accepted")
        self._accepted(mentor_id=mentor_id, actor_id=mentor_id)

    class MentorshipAccepted(MomentumAggregate.Event):
        """The invited person accepted and became the mentor."""

        mentor_id: UUID
        actor_id: UUID

    @event(MentorshipAccepted)
    def _accepted(self, mentor_id: UUID, actor_id: UUID) -> None:
        self.mentor_id = mentor_id
        self.status = "accepted"

    def decline(self, actor_id: UUID) -> None:
        """The invited person declines."""
        self._require_proposed("declined")
        self._declined(actor_id=actor_id)

    class MentorshipDeclined(MomentumAggregate.Event):
        """The invited person declined."""

        actor_id: UUID

    @event(MentorshipDeclined)
    def _declined(self, actor_id: UUID) -> None:
        self.status = "declined"

    def end(self, reason: str, actor_id: UUID) -> None:
        """Either side ends it (a mentee may also withdraw a pending request)."""
        if self.status not in ("proposed", "accepted"):
            raise RuleViolationError(f"This mentorship is already {self.status}.")
        self._ended(
            reason=optional_text(reason, "reason", "Reason", max_len=1000),
            actor_id=actor_id,
        )

    class MentorshipEnded(MomentumAggregate.Event):
        """Either side ended it (or the mentee withdrew a pending request)."""

        reason: str
        actor_id: UUID

    @event(MentorshipEnded)
    def _ended(self, reason: str, actor_id: UUID) -> None:
        self.status = "ended"

    def _require_proposed(self, verb: str) -> None:
        if self.status != "proposed":
            raise RuleViolationError(
                f"Only a pending request can be {verb}; this one is {self.status}."
            )
