"""The notifications read model's tables, and the facts it keeps from other aggregates.

`inbox` holds one row per recipient and event (the event's log position is the
notification's id); `pending` holds mentor requests to emails nobody has registered
yet. The other tables are what deciding and wording notifications needs: names and
read marks, goal and action titles and visibility, mentorships, suggestions, groups,
facilitators and buddy pairs. `Facts` keeps them current; `Notifications` (in
`projections.notifications`) adds the events that notify someone.

The model applies a batch at a time (`projections.batching.BatchedProjection`, as the
journal does): the rows a batch's events touch are loaded with one query per table,
the handlers (functions of batch, event and log position in `HANDLERS`, keyed by
event class) change them in memory in log order, and the changes are written in bulk
(facilitators has key columns only: its rows are written with ON CONFLICT DO NOTHING).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    String,
    Table,
    Text,
)

from projections.base import UTCDateTime
from projections.batching import (
    Batch,
    BatchedProjection,
    Handlers,
)
from projections.db import metadata
from service.domain.action import Action
from service.domain.goal import Goal
from service.domain.group import Group
from service.domain.member import Member

NOTICE_FIELDS = ("kind", "created_at", "actor_id", "text", "item_kind", "item_id")


def _notice_columns() -> list[Column[Any]]:
    return [
        Column("kind", String(32), nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("actor_id", String(36), nullable=True),
        Column("text", Text, nullable=False),
        Column("item_kind", String(16), nullable=True),
        Column("item_id", String(36), nullable=True),
    ]


inbox = Table(
    "rm_notifications_inbox",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    *_notice_columns(),
)
pending = Table(
    "rm_notifications_pending",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    *_notice_columns(),
)
members = Table(
    "rm_notifications_members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("display_name", String(80), nullable=False),
    Column("read_up_to", BigInteger, nullable=False, default=0),
)
mentorships = Table(
    "rm_notifications_mentorships",
    metadata,
    Column("mentorship_id", String(36), primary_key=True),
    Column("mentee_id", String(36), nullable=False),
    Column("mentor_email", String(254), nullable=False),
    Column("mentor_id", String(36), nullable=True),
    Column("status", String(16), nullable=False),
    Column("asked_at", UTCDateTime(), nullable=True),  # when last proposed
)
items = Table(  # goals, milestones, actions: titles for texts, visibility for buddies
    "rm_notifications_items",
    metadata,
    Column("item_id", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("owner_id", String(36), nullable=False),
    Column("title", String(150), nullable=False),
    Column("goal_id", String(36), nullable=True),
    Column("visibility", String(16), nullable=True),
    Column("retracted", Boolean, nullable=False, default=False),
)
suggestions = Table(
    "rm_notifications_suggestions",
    metadata,
    Column("suggestion_id", String(36), primary_key=True),
    Column("mentor_id", String(36), nullable=False),
    Column("mentee_id", String(36), nullable=False),
    Column("goal_id", String(36), nullable=False),
    Column("title", String(150), nullable=False),
    Column("made_at", UTCDateTime(), nullable=True),
    Column("status", String(16), nullable=True),  # open, accepted or declined
)
groups = Table(
    "rm_notifications_groups",
    metadata,
    Column("group_id", String(36), primary_key=True),
    Column("name", String(80), nullable=False),
)
facilitators = Table(
    "rm_notifications_facilitators",
    metadata,
    Column("group_id", String(36), primary_key=True),
    Column("member_id", String(36), primary_key=True),
)
buddies = Table(  # both directions of each pair; the key starts with the member
    "rm_notifications_buddies",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("group_id", String(36), primary_key=True),
    Column("buddy_id", String(36), nullable=False),
)
TABLES = (
    inbox,
    pending,
    members,
    mentorships,
    items,
    suggestions,
    groups,
    facilitators,
    buddies,
)


def text_or_none(value: Any) -> str | None:
    """An id (or any value) as a string column value; None stays None."""
    return None if value is None else str(value)


HANDLERS = Handlers[Batch]()
"""The handler of each event class: (rows, event, log position)."""


class Facts(BatchedProjection[Batch]):
    """Applies a batch of events to the notifications' tables (`load` is the
    subclass's); the facts' own events (below) notify nobody."""

    handlers = HANDLERS


@HANDLERS.on(Member.ProfileUpdated)
def _profile_updated(b: Batch, e: Member.ProfileUpdated, _pos: int) -> None:
    b[members].update(str(e.originator_id), display_name=e.display_name)


@HANDLERS.on(Member.NotificationsRead)
def _read(b: Batch, e: Member.NotificationsRead, _pos: int) -> None:
    b[members].update(str(e.originator_id), read_up_to=e.up_to)


@HANDLERS.on(Member.Erased)
def _erased(b: Batch, e: Member.Erased, _pos: int) -> None:
    """Purge the member: their inbox, what they caused, their titles and links."""
    m = [str(e.originator_id)]
    b[inbox].purge("member_id", m)
    b[inbox].purge("actor_id", m)
    b[pending].purge("actor_id", m)
    b[items].purge("owner_id", m)
    # A mentorship's mentor_id changes, which `purge` allows here: a row changed in
    # the batch is written again after the purge, as it is in memory.
    b[mentorships].purge("mentee_id", m)
    b[mentorships].purge("mentor_id", m)
    b[suggestions].purge("mentor_id", m)
    b[suggestions].purge("mentee_id", m)
    b[facilitators].purge("member_id", m)
    b[buddies].purge("member_id", m)
    b[buddies].purge("buddy_id", m)
    b[members].delete(m[0])


@HANDLERS.on(Goal.GoalSet)
def _goal_set(b: Batch, e: Goal.GoalSet, _pos: int) -> None:
    b[items].insert(
        item_id=str(e.originator_id),
        kind="goal",
        owner_id=str(e.owner_id),
        title=e.title,
        goal_id=None,
        visibility=e.visibility,
        retracted=False,
    )


@HANDLERS.on(Goal.MilestoneAdded)
def _milestone_added(b: Batch, e: Goal.MilestoneAdded, _pos: int) -> None:
    goal_id = str(e.originator_id)
    goal = b[items].get(goal_id)
    if goal is None:  # its owner was erased
        return
    b[items].insert(
        item_id=str(e.milestone_id),
        kind="milestone",
        owner_id=goal["owner_id"],
        title=e.title,
        goal_id=goal_id,
        visibility=None,
        retracted=False,
    )


def _changed(b: Batch, e: Any, names: tuple[str, ...]) -> None:
    values = {k: text_or_none(v) for k, v in e.changes.items() if k in names}
    if values:
        b[items].update(str(e.originator_id), **values)


@HANDLERS.on(Goal.GoalRevised)
def _goal_revised(b: Batch, e: Goal.GoalRevised, _pos: int) -> None:
    _changed(b, e, ("title", "visibility"))


@HANDLERS.on(Action.ActionEdited)
def _action_edited(b: Batch, e: Action.ActionEdited, _pos: int) -> None:
    _changed(b, e, ("title", "goal_id", "visibility"))


@HANDLERS.on(Action.ActionRetracted)
def _action_retracted(b: Batch, e: Action.ActionRetracted, _pos: int) -> None:
    b[items].update(str(e.originator_id), retracted=True)


@HANDLERS.on(Group.GroupCreated)
def _group_created(b: Batch, e: Group.GroupCreated, _pos: int) -> None:
    group_id = str(e.originator_id)
    b[groups].insert(group_id=group_id, name=e.name)
    b[facilitators].insert(group_id=group_id, member_id=str(e.facilitator_id))


@HANDLERS.on(Group.FacilitatorAdded)
def _facilitator_added(b: Batch, e: Group.FacilitatorAdded, _pos: int) -> None:
    b[facilitators].insert(group_id=str(e.originator_id), member_id=str(e.member_id))


@HANDLERS.on(Group.MemberLeft, Group.MemberRemoved)
def _member_left(
    b: Batch, e: Group.MemberLeft | Group.MemberRemoved, _pos: int
) -> None:
    b[facilitators].delete((str(e.originator_id), str(e.member_id)))


@HANDLERS.on(Group.BuddiesPaired)
def _paired(b: Batch, e: Group.BuddiesPaired, _pos: int) -> None:
    group_id, one, other = str(e.originator_id), str(e.member_a), str(e.member_b)
    b[buddies].insert(member_id=one, group_id=group_id, buddy_id=other)
    b[buddies].insert(member_id=other, group_id=group_id, buddy_id=one)


@HANDLERS.on(Group.BuddiesUnpaired)
def _unpaired(b: Batch, e: Group.BuddiesUnpaired, _pos: int) -> None:
    group_id = str(e.originator_id)
    for member_id in {str(e.member_a), str(e.member_b)}:
        b[buddies].delete((member_id, group_id))
