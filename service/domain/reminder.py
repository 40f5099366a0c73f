"""Reminder: one reminder (SPEC 8) about one thing, issued once.

Its id is derived from (member, reminder, about), so issuing the same reminder about
the same thing twice finds the first one: a reminder is never issued twice, however
many rounds or schedulers decide it is due. `about` names the thing and, where it
can change, its state (`milestone:<id>:2026-12-07`: a new due date is a new thing to
be reminded of). `day` is the date it is about: a due date, or the last day with
an action. The event carries ids and dates only, nothing personal; the
notifications read model turns it into an in-app notification.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from service.domain.base import MomentumAggregate, derived_id
from service.domain.member import REMINDERS
from service.errors import ValidationError

REF_KINDS = ("goal", "milestone", "member", "mentorship", "suggestion")
"""What `ref_id` names, when the reminder is about one item or person."""


def reminder_id(member_id: UUID, reminder: str, about: str) -> UUID:
    """The id of the reminder `reminder` about `about` for `member_id`."""
    return derived_id("reminder", member_id, reminder, about)


class Reminder(MomentumAggregate):
    """Issued once; nothing happens to it afterwards."""

    class ReminderIssued(MomentumAggregate.Created):
        """A reminder about one thing was issued to a member."""

        member_id: UUID
        reminder: str
        about: str
        ref_kind: str | None
        ref_id: UUID | None
        goal_id: UUID | None
        day: date | None
        actor_id: UUID | None

    @event(ReminderIssued)
    def __init__(
        self,
        id: UUID,
        member_id: UUID,
        reminder: str,
        about: str,
        ref_kind: str | None,
        ref_id: UUID | None,
        goal_id: UUID | None,
        day: date | None,
        actor_id: UUID | None,
    ) -> None:
        self.member_id = member_id
        self.reminder = reminder
        self.about = about
        self.ref_kind = ref_kind
        self.ref_id = ref_id
        self.goal_id = goal_id
        self.day = day

    @classmethod
    def issue(
        cls,
        member_id: UUID,
        reminder: str,
        about: str,
        ref_kind: str | None = None,
        ref_id: UUID | None = None,
        goal_id: UUID | None = None,
        day: date | None = None,
    ) -> Reminder:
        """A new reminder (the scheduler issues it: no member acts)."""
        if reminder not in REMINDERS:
            raise ValidationError(f"Unknown reminder: {reminder}.", "reminder")
        if not about or len(about) > 120:
            raise ValidationError("A reminder is about 1 to 120 characters.", "about")
        if (ref_kind is None) != (ref_id is None) or (
            ref_kind is not None and ref_kind not in REF_KINDS
        ):
            raise ValidationError("A reminder refers to one known item.", "ref_kind")
        return cls(
            id=reminder_id(member_id, reminder, about),
            member_id=member_id,
            reminder=reminder,
            about=about,
            ref_kind=ref_kind,
            ref_id=ref_id,
            goal_id=goal_id,
            day=day,
            actor_id=None,
        )
