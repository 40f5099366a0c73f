"""Commands: one frozen dataclass per use case, each naming its actor.

`expected_version` (If-Match) makes a stale write fail with a conflict instead of
being retried. Commands marked `retry_on_conflict = False` are never retried: they
change what a person saw (an edit), so a silent retry could overwrite someone else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, ClassVar
from uuid import UUID


@dataclass(frozen=True)
class Command:
    """Base of all commands."""

    retry_on_conflict: ClassVar[bool] = True

    def as_dict(self) -> dict[str, Any]:
        """The command's fields by name (shallow: cheaper than dataclasses.asdict)."""
        names = _FIELD_NAMES.get(type(self))
        if names is None:
            names = _FIELD_NAMES[type(self)] = tuple(f.name for f in fields(self))
        return {name: getattr(self, name) for name in names}


_FIELD_NAMES: dict[type[Command], tuple[str, ...]] = {}
"""Each command class's field names, found once."""


# Members ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterMember(Command):
    email: str
    password: str
    display_name: str
    timezone: str = "UTC"


@dataclass(frozen=True)
class IssueToken(Command):
    """Sign in to the API; the secret is in `extra` (never stored, never replayed)."""

    email: str
    password: str


@dataclass(frozen=True)
class RevokeToken(Command):
    actor_id: UUID
    token_id: UUID


@dataclass(frozen=True)
class UpdateProfile(Command):
    actor_id: UUID
    display_name: str
    timezone: str
    headline: str = ""
    expected_version: int | None = None


@dataclass(frozen=True)
class SetAspirations(Command):
    actor_id: UUID
    aspirations: str = ""
    passions: str = ""
    strengths: str = ""
    expected_version: int | None = None


@dataclass(frozen=True)
class SetWeeklyTarget(Command):
    actor_id: UUID
    actions_per_week: int
    expected_version: int | None = None


@dataclass(frozen=True)
class ChangePreferences(Command):
    actor_id: UUID
    changes: Mapping[str, Any]
    expected_version: int | None = None


@dataclass(frozen=True)
class UpdateSettings(Command):
    """Change several account settings at once: all of them, or none. Keys left
    out of `profile` and `aspirations` keep their values; `preferences` is a
    partial change as in ChangePreferences; None leaves a part alone."""

    actor_id: UUID
    profile: Mapping[str, Any] | None = None
    aspirations: Mapping[str, Any] | None = None
    weekly_target: int | None = None
    preferences: Mapping[str, Any] | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class SetAwayPeriod(Command):
    actor_id: UUID
    starts_on: date
    ends_on: date
    reason: str = "holiday"


@dataclass(frozen=True)
class CancelAwayPeriod(Command):
    actor_id: UUID
    period_id: UUID


@dataclass(frozen=True)
class ChangePassword(Command):
    actor_id: UUID
    current_password: str
    new_password: str


@dataclass(frozen=True)
class EndSessions(Command):
    """Sign out everywhere: every signed-in page session of the member ends."""

    actor_id: UUID


@dataclass(frozen=True)
class ResetCalendarFeed(Command):
    """A new secret calendar feed URL for the member; the old one stops working."""

    actor_id: UUID


@dataclass(frozen=True)
class MarkNotificationsRead(Command):
    """`up_to`: the newest notification (log position) the member has seen; None
    means everything up to now (so a retry with the same key replays even after a
    new notification arrived)."""

    actor_id: UUID
    up_to: int | None = None


@dataclass(frozen=True)
class GrantRole(Command):
    """`actor_id` None means the operator at the command line."""

    actor_id: UUID | None
    email: str
    role: str = "admin"


@dataclass(frozen=True)
class RevokeRole(Command):
    actor_id: UUID | None
    email: str
    role: str = "admin"


@dataclass(frozen=True)
class EraseMember(Command):
    """Delete the caller's account for good (SPEC 9); `password` confirms it."""

    actor_id: UUID
    password: str


# Goals -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewMilestone:
    title: str
    due_on: date | None = None


@dataclass(frozen=True)
class SetGoal(Command):
    actor_id: UUID
    title: str
    horizon: str
    why: str
    due_on: date
    description: str = ""
    metric: Mapping[str, Any] | None = None
    visibility: str = "mentors"
    milestones: tuple[NewMilestone, ...] = ()


@dataclass(frozen=True)
class ReviseGoal(Command):
    retry_on_conflict: ClassVar[bool] = False
    actor_id: UUID
    goal_id: UUID
    changes: Mapping[str, Any]
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True)
class AddMilestone(Command):
    actor_id: UUID
    goal_id: UUID
    title: str
    due_on: date | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class CompleteMilestone(Command):
    actor_id: UUID
    goal_id: UUID
    milestone_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class ReopenMilestone(Command):
    actor_id: UUID
    goal_id: UUID
    milestone_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordProgress(Command):
    actor_id: UUID
    goal_id: UUID
    value: float
    note: str = ""
    expected_version: int | None = None


GOAL_STATUS_CHANGES = ("pause", "resume", "achieve", "abandon")


@dataclass(frozen=True)
class ChangeGoalStatus(Command):
    """`change`: pause, resume, achieve (note: reflection), abandon (note: reason)."""

    actor_id: UUID
    goal_id: UUID
    change: str
    note: str = ""
    expected_version: int | None = None


# Actions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LogAction(Command):
    actor_id: UUID
    category: str
    title: str
    occurred_on: date | None = None
    goal_id: UUID | None = None
    notes: str = ""
    minutes: int | None = None
    evidence_url: str | None = None
    win: bool = False
    visibility: str | None = None


@dataclass(frozen=True)
class EditAction(Command):
    retry_on_conflict: ClassVar[bool] = False
    actor_id: UUID
    action_id: UUID
    changes: Mapping[str, Any]
    expected_version: int | None = None


@dataclass(frozen=True)
class RetractAction(Command):
    actor_id: UUID
    action_id: UUID
    reason: str = ""
    expected_version: int | None = None


# Reviews -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCommitment:
    if_when: str
    then: str


@dataclass(frozen=True)
class CommitmentOutcome:
    review_id: UUID
    commitment_id: UUID
    kept: bool


@dataclass(frozen=True)
class RecordReview(Command):
    actor_id: UUID
    signals: Mapping[str, Any]
    period: str = "weekly"
    went_well: str = ""
    stuck_on: str = ""
    lessons: str = ""
    commitments: tuple[NewCommitment, ...] = ()
    visibility: str = "mentors"
    outcomes: tuple[CommitmentOutcome, ...] = ()


@dataclass(frozen=True)
class MarkCommitment(Command):
    actor_id: UUID
    review_id: UUID
    commitment_id: UUID
    kept: bool


@dataclass(frozen=True)
class AmendReview(Command):
    retry_on_conflict: ClassVar[bool] = False
    actor_id: UUID
    review_id: UUID
    changes: Mapping[str, Any]
    expected_version: int | None = None


# Mentoring and feedback --------------------------------------------------------------


@dataclass(frozen=True)
class ProposeMentorship(Command):
    actor_id: UUID
    mentor_email: str
    message: str = ""


@dataclass(frozen=True)
class AnswerMentorship(Command):
    """`answer` is accept, decline or end."""

    actor_id: UUID
    mentorship_id: UUID
    answer: str
    reason: str = ""


@dataclass(frozen=True)
class GiveFeedback(Command):
    actor_id: UUID
    target_kind: str
    target_id: UUID
    text: str


@dataclass(frozen=True)
class CheerItem(Command):
    actor_id: UUID
    target_kind: str
    target_id: UUID


@dataclass(frozen=True)
class WithdrawFeedback(Command):
    actor_id: UUID
    feedback_id: UUID


@dataclass(frozen=True)
class MakeSuggestion(Command):
    actor_id: UUID
    goal_id: UUID
    kind: str
    title: str
    note: str = ""
    due_on: date | None = None


@dataclass(frozen=True)
class AnswerSuggestion(Command):
    """`accept` True adds the suggestion to the goal's roadmap as a milestone."""

    actor_id: UUID
    suggestion_id: UUID
    accept: bool
    reason: str = ""


# Groups ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateGroup(Command):
    actor_id: UUID
    name: str
    purpose: str = ""


@dataclass(frozen=True)
class InviteToGroup(Command):
    """Without `email`, the invitation is a link anyone may use for 14 days."""

    actor_id: UUID
    group_id: UUID
    email: str | None = None


@dataclass(frozen=True)
class JoinGroup(Command):
    actor_id: UUID
    token: str


@dataclass(frozen=True)
class LeaveGroup(Command):
    actor_id: UUID
    group_id: UUID


@dataclass(frozen=True)
class RemoveFromGroup(Command):
    actor_id: UUID
    group_id: UUID
    member_id: UUID


@dataclass(frozen=True)
class PairBuddies(Command):
    actor_id: UUID
    group_id: UUID
    member_a: UUID
    member_b: UUID


@dataclass(frozen=True)
class UnpairBuddies(Command):
    actor_id: UUID
    group_id: UUID
    member_id: UUID


@dataclass(frozen=True)
class AddFacilitator(Command):
    actor_id: UUID
    group_id: UUID
    member_id: UUID


@dataclass(frozen=True)
class IssueReminder(Command):
    """The scheduler reminds a member of something (SPEC 8); issuing the same
    reminder about the same thing again changes nothing. No member acts."""

    member_id: UUID
    reminder: str
    about: str
    ref_kind: str | None = None
    ref_id: UUID | None = None
    goal_id: UUID | None = None
    day: date | None = None  # a due date, or the last day with an action


@dataclass(frozen=True)
class Result:
    """What a command returns: the primary aggregate's id and new version, and the
    position of its last event in the log (read models that reached it show it)."""

    id: UUID
    version: int
    extra: Mapping[str, Any] = field(default_factory=dict)
    position: int | None = field(default=None, compare=False)

    def at(self, position: int) -> Result:
        """This result, its last event stored at `position` of the log."""
        return Result(self.id, self.version, self.extra, position)
