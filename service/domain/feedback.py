"""Feedback, cheers and mentor suggestions on a member's items."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from service.domain.base import (
    MomentumAggregate,
    derived_id,
    optional_date,
    optional_text,
    require_choice,
    require_text,
)
from service.errors import ConflictError, RuleViolationError

TARGET_KINDS = ("goal", "action", "review")
SUGGESTION_KINDS = ("milestone", "action")


class Feedback(MomentumAggregate):
    """Written feedback on one item; visible to whoever can see the item."""

    class FeedbackGiven(MomentumAggregate.Created):
        """A member wrote feedback on an item (a goal, an action or a review)."""

        author_id: UUID
        target_kind: str
        target_id: UUID
        target_owner_id: UUID
        text: str
        actor_id: UUID

    @event(FeedbackGiven)
    def __init__(
        self,
        author_id: UUID,
        target_kind: str,
        target_id: UUID,
        target_owner_id: UUID,
        text: str,
        actor_id: UUID,
    ) -> None:
        self.author_id = author_id
        self.target_kind = target_kind
        self.target_id = target_id
        self.target_owner_id = target_owner_id
        self.text = text
        self.withdrawn = False

    @classmethod
    def give(
        cls,
        author_id: UUID,
        target_kind: str,
        target_id: UUID,
        target_owner_id: UUID,
        text: str,
    ) -> Feedback:
        """Validate and give feedback."""
        return cls(
            author_id=author_id,
            target_kind=require_choice(
                target_kind, TARGET_KINDS, "target_kind", "Item kind"
            ),
            target_id=target_id,
            target_owner_id=target_owner_id,
            text=require_text(text, "text", "Feedback", max_len=5000),
            actor_id=author_id,
        )

    def withdraw(self, actor_id: UUID) -> None:
        """The author takes the feedback back."""
        if actor_id != self.author_id:
            raise RuleViolationError("Only the author can withdraw this feedback.")
        if self.withdrawn:
            raise RuleViolationError("This feedback is already withdrawn.")
        self._withdrawn(actor_id=actor_id)

    class FeedbackWithdrawn(MomentumAggregate.Event):
        """The author took the feedback back."""

        actor_id: UUID

    @event(FeedbackWithdrawn)
    def _withdrawn(self, actor_id: UUID) -> None:
        self.withdrawn = True


def cheer_id(author_id: UUID, target_id: UUID) -> UUID:
    """One cheer per author per item."""
    return derived_id("cheer", author_id, target_id)


class Cheer(MomentumAggregate):
    """A cheer for an item, typically a win; one per author per item."""

    class Cheered(MomentumAggregate.Created):
        """A member cheered someone else's item (one cheer per author per item)."""

        author_id: UUID
        target_kind: str
        target_id: UUID
        target_owner_id: UUID
        actor_id: UUID

    @event(Cheered)
    def __init__(
        self,
        id: UUID,
        author_id: UUID,
        target_kind: str,
        target_id: UUID,
        target_owner_id: UUID,
        actor_id: UUID,
    ) -> None:
        self.author_id = author_id
        self.target_kind = target_kind
        self.target_id = target_id
        self.target_owner_id = target_owner_id

    @classmethod
    def give(
        cls, author_id: UUID, target_kind: str, target_id: UUID, target_owner_id: UUID
    ) -> Cheer:
        """Cheer an item of someone else's."""
        if author_id == target_owner_id:
            raise RuleViolationError(
                "Cheer someone else's win: you cannot cheer your own."
            )
        return cls(
            id=cheer_id(author_id, target_id),
            author_id=author_id,
            target_kind=require_choice(
                target_kind, TARGET_KINDS, "target_kind", "Item kind"
            ),
            target_id=target_id,
            target_owner_id=target_owner_id,
            actor_id=author_id,
        )


class Suggestion(MomentumAggregate):
    """A mentor's proposal of a milestone or an action for one of a mentee's goals."""

    class SuggestionMade(MomentumAggregate.Created):
        """A mentor suggested a milestone or an action for a mentee's goal."""

        mentor_id: UUID
        mentee_id: UUID
        goal_id: UUID
        kind: str
        title: str
        note: str
        due_on: date | None
        actor_id: UUID

    @event(SuggestionMade)
    def __init__(
        self,
        mentor_id: UUID,
        mentee_id: UUID,
        goal_id: UUID,
        kind: str,
        title: str,
        note: str,
        due_on: date | None,
        actor_id: UUID,
    ) -> None:
        self.mentor_id = mentor_id
        self.mentee_id = mentee_id
        self.goal_id = goal_id
        self.kind = kind
        self.title = title
        self.note = note
        self.due_on = due_on
        self.status = "pending"
        self.milestone_id: UUID | None = None

    @classmethod
    def make(
        cls,
        mentor_id: UUID,
        mentee_id: UUID,
        goal_id: UUID,
        kind: str,
        title: str,
        note: str,
        due_on: date | None,
    ) -> Suggestion:
        """Validate and make a suggestion."""
        return cls(
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            goal_id=goal_id,
            kind=require_choice(kind, SUGGESTION_KINDS, "kind", "Suggestion kind"),
            title=require_text(title, "title", "Title", max_len=150),
            note=optional_text(note, "note", "Note", max_len=2000),
            due_on=optional_date(due_on, "due_on", "Due date"),
            actor_id=mentor_id,
        )

    def _require_pending(self, actor_id: UUID) -> None:
        if actor_id != self.mentee_id:
            raise RuleViolationError("Only the mentee can answer this suggestion.")
        if self.status != "pending":
            raise ConflictError(f"This suggestion was already {self.status}.")

    def accept(self, milestone_id: UUID, actor_id: UUID) -> None:
        """The mentee accepts; the service adds the milestone to the goal."""
        self._require_pending(actor_id)
        self._accepted(milestone_id=milestone_id, actor_id=actor_id)

    class SuggestionAccepted(MomentumAggregate.Event):
        """The mentee accepted; `milestone_id` is the milestone it became."""

        milestone_id: UUID
        actor_id: UUID

    @event(SuggestionAccepted)
    def _accepted(self, milestone_id: UUID, actor_id: UUID) -> None:
        self.status = "accepted"
        self.milestone_id = milestone_id

    def decline(self, reason: str, actor_id: UUID) -> None:
        """The mentee declines, optionally saying why."""
        self._require_pending(actor_id)
        self._declined(
            reason=optional_text(reason, "reason", "Reason", max_len=1000),
            actor_id=actor_id,
        )

    class SuggestionDeclined(MomentumAggregate.Event):
        """The mentee declined the suggestion, optionally saying why."""

        reason: str
        actor_id: UUID

    @event(SuggestionDeclined)
    def _declined(self, reason: str, actor_id: UUID) -> None:
        self.status = "declined"
