"""My history (issue 17), a page at a time, for the API and the page alike: every
event I caused or that concerns my items, newest first, with who, when, what and
what it changed (before → after), filtered by kind and item.

Which events: `projections.history_queries` (read models); what each said and
changed, as far as I may read it: `service.history` (event store). Names come from
the members read model: an erased member has none there and reads as "an erased
member" (their content is gone too: `erased`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from projections.history_queries import KIND_OF, KINDS, HistoryFilter, history_page
from projections.relations import member_names
from service.domain.base import OPERATOR_ID
from service.errors import ValidationError
from service.history import HistoryEvent, member_history
from service.privacy import jsonable
from web.api.common import decode_cursor, encode_cursor
from web.system import current_system as system

KIND_LABELS = {
    "goal": "Goals",
    "action": "Actions",
    "review": "Reviews",
    "feedback": "Feedback",
    "cheer": "Cheers",
    "mentoring": "Mentoring and suggestions",
    "group": "Groups",
    "account": "Account",
}
"""The `kind` filter's values (`projections.history_queries.KINDS`) in words."""
EVENT_LABELS = {
    "GoalSet": "Goal set",
    "GoalRevised": "Goal revised",
    "MilestoneAdded": "Milestone added",
    "MilestoneCompleted": "Milestone completed",
    "MilestoneReopened": "Milestone reopened",
    "ProgressRecorded": "Progress recorded",
    "GoalPaused": "Goal paused",
    "GoalResumed": "Goal resumed",
    "GoalAchieved": "Goal achieved",
    "GoalAbandoned": "Goal abandoned",
    "ActionLogged": "Action logged",
    "ActionEdited": "Action edited",
    "ActionRetracted": "Action taken back",
    "ReviewRecorded": "Review recorded",
    "ReviewAmended": "Review amended",
    "CommitmentKept": "Commitment kept",
    "CommitmentMissed": "Commitment missed",
    "FeedbackGiven": "Feedback given",
    "FeedbackWithdrawn": "Feedback withdrawn",
    "Cheered": "Cheered",
    "SuggestionMade": "Suggestion made",
    "SuggestionAccepted": "Suggestion accepted",
    "SuggestionDeclined": "Suggestion declined",
    "MentorshipProposed": "Mentor asked",
    "MentorshipRenewed": "Mentor asked again",
    "MentorshipAccepted": "Mentorship accepted",
    "MentorshipDeclined": "Mentorship declined",
    "MentorshipEnded": "Mentorship ended",
    "GroupCreated": "Group created",
    "MemberInvited": "Invitation sent",
    "MemberJoined": "Joined the group",
    "MemberLeft": "Left the group",
    "MemberRemoved": "Removed from the group",
    "FacilitatorAdded": "Made a facilitator",
    "BuddiesPaired": "Buddies paired",
    "BuddiesUnpaired": "Buddies unpaired",
    "Registered": "Account created",
    "ProfileUpdated": "Profile updated",
    "AspirationsSet": "Aspirations set",
    "WeeklyTargetSet": "Weekly target set",
    "NotificationPreferencesChanged": "Notification preferences changed",
    "AwayPeriodSet": "Days away set",
    "AwayPeriodCancelled": "Days away cancelled",
    "RoleGranted": "Role granted",
    "RoleRevoked": "Role revoked",
    "NotificationsRead": "Notifications read",
    "PasswordChanged": "Password changed",
    "SessionsEnded": "Signed out everywhere",
    "CalendarFeedReset": "Calendar feed address renewed",
    "Erased": "Account deleted",
    "TokenIssued": "API token issued",
    "TokenRevoked": "API token revoked",
}
"""Each event type in words (others: their name, spaced)."""
FIELD_LABELS = {
    "actions_per_week": "Weekly target",
    "display_name": "Name",
    "due_on": "Due date",
    "occurred_on": "Day",
    "evidence_url": "Evidence",
    "went_well": "What went well",
    "stuck_on": "Where I am stuck",
    "why": "Why",
    "value": "Value",
    "win": "Win",
    "visibility": "Visible to",
    "member_id": "Member",
    "member_a": "Buddy",
    "member_b": "Buddy",
}
MEMBER_FIELDS = ("member_id", "member_a", "member_b", "mentor_id", "mentee_id")
"""Fields naming a member, shown by name."""
NOT_SHOWN = frozenset(
    {
        "changes",
        "owner_id",
        "author_id",
        "target_owner_id",
        "target_id",
        "target_kind",
        "mentor_id",
        "mentee_id",
        "goal_id",
        "milestone_id",
        "period_id",
        "commitment_id",
        "invitation_id",
        "facilitator_id",
        "preferences",
        "up_to",
    }
)
"""Fields the page leaves out of the details (ids linked elsewhere, settings)."""
FREE_TEXT = frozenset(
    {
        "why",
        "description",
        "note",
        "notes",
        "reason",
        "reflection",
        "text",
        "message",
        "went_well",
        "stuck_on",
        "lessons",
        "aspirations",
        "passions",
        "strengths",
        "purpose",
    }
)
"""Fields a member wrote in their own words (rendered as sanitised Markdown)."""
ERASED_NAME = "an erased member"
MAX_LIMIT = 200


@dataclass(frozen=True)
class ChangeView:
    """One field an event changed, before → after, as stored (JSON-ready)."""

    field: str
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class HistoryItem:
    """One event of my history: who, when, what, on which item, what changed."""

    position: int
    time: datetime
    kind: str
    aggregate_type: str
    type: str
    what: str
    item_id: str
    version: int | None
    actor_id: str | None
    actor_name: str
    by_me: bool
    title: str | None
    about_kind: str | None
    about_id: str | None
    about_owner: str | None
    content_shown: bool
    content_erased: bool
    data: dict[str, Any] | None
    changes: tuple[ChangeView, ...]
    names: dict[str, str]
    """Display names of the members its data names (by id)."""


@dataclass(frozen=True)
class HistoryPage:
    """A page of my history, newest first, and the cursor of the next (older) one."""

    items: list[HistoryItem]
    next_cursor: str | None


def label_of(name: str) -> str:
    """A field's label."""
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def what_of(event_type: str) -> str:
    """An event type in words."""
    spaced = re.sub(r"(?<!^)(?=[A-Z])", " ", event_type).capitalize()
    return EVENT_LABELS.get(event_type, spaced)


def history_filter(
    member_id: UUID, kind: str | None, item: str | None
) -> HistoryFilter:
    """The filters given; 422 naming `kind` or `item` if they are not ones."""
    if kind is not None and kind not in KINDS:
        raise ValidationError(f"Use one of: {', '.join(KINDS)}.", "kind")
    item_id = None
    if item is not None:
        try:
            item_id = str(UUID(item))
        except ValueError:
            raise ValidationError("Use an item's id (a UUID).", "item") from None
    return HistoryFilter(str(member_id), kind, item_id)


def before_cursor(cursor: str | None) -> int | None:
    """The position a cursor continues before (None: the newest); 422 naming
    `cursor` if it is not one of ours."""
    if not cursor:
        return None
    key = decode_cursor(cursor)
    if not key.isdigit() or int(key) < 1:
        raise ValidationError(
            "Invalid cursor: use the next_cursor of a previous page.", "cursor"
        )
    return int(key)


def my_history(
    member_id: UUID,
    *,
    kind: str | None = None,
    item: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> HistoryPage:
    """A page of the member's history, newest first (see the module docstring)."""
    where = history_filter(member_id, kind, item)
    before = before_cursor(cursor)
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"Use a page size from 1 to {MAX_LIMIT}.", "limit")
    running = system()
    with running.read() as conn:
        rows = history_page(conn, where, before, limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    events = member_history(running.app, member_id, [r.position for r in rows])
    named = {r.actor_id for r in rows if r.actor_id}
    named |= {r.aggregate_id for r in rows if r.aggregate_type == "Member"}
    for event in events.values():
        named |= {str(event.data[f]) for f in MEMBER_FIELDS if event.data.get(f)}
        if event.about is not None:
            named.add(str(event.about[2]))
    with running.read() as conn:
        names = member_names(conn, named)
    items = [_item(row, events.get(row.position), member_id, names) for row in rows]
    next_cursor = encode_cursor(str(rows[-1].position)) if more and rows else None
    return HistoryPage(items, next_cursor)


def name_of(actor_id: str | None, me: UUID, names: dict[str, str]) -> str:
    """Who acted, in words."""
    if actor_id is None:
        return "Momentum"
    if actor_id == str(OPERATOR_ID):
        return "The operator"
    if actor_id == str(me):
        return names.get(actor_id, "You")
    return names.get(actor_id, ERASED_NAME)


def _item(
    row: Any,
    event: HistoryEvent | None,
    me: UUID,
    names: dict[str, str],
) -> HistoryItem:
    shown = event is not None and event.shown
    about = event.about if event is not None else None
    data = jsonable(event.data) if event is not None and shown else None
    mentioned = {
        str(v): names.get(str(v), ERASED_NAME)
        for f in MEMBER_FIELDS
        if data and (v := data.get(f))
    }
    if about is not None:
        mentioned[str(about[2])] = names.get(str(about[2]), ERASED_NAME)
    if row.aggregate_type == "Member":
        mentioned[row.aggregate_id] = names.get(row.aggregate_id, ERASED_NAME)
    return HistoryItem(
        position=row.position,
        time=row.occurred_at,
        kind=KIND_OF.get(row.aggregate_type, "account"),
        aggregate_type=row.aggregate_type,
        type=row.event_type,
        what=what_of(row.event_type),
        item_id=row.aggregate_id,
        version=event.version if event is not None else None,
        actor_id=row.actor_id,
        actor_name=name_of(row.actor_id, me, names),
        by_me=row.actor_id == str(me),
        title=event.title if event is not None else None,
        about_kind=about[0] if about else None,
        about_id=str(about[1]) if about else None,
        about_owner=str(about[2]) if about else None,
        content_shown=shown,
        content_erased=event is not None and event.erased,
        data=data,
        changes=tuple(
            ChangeView(
                c.field, label_of(c.field), jsonable(c.before), jsonable(c.after)
            )
            for c in (event.changes if event is not None and shown else ())
        ),
        names=mentioned,
    )
