"""Journal: one entry per meaningful event per member, with the item's visibility.

Entries hold what happened (kind, day, title, summary); `rm_journal_items` holds each
goal, action and review with its owner and effective visibility (SPEC 9), so a change
of visibility is one update however many entries the item has. Feedback and cheers are
kept as rows and counted at read time. Queries are in `journal_queries`.

The journal applies a batch at a time (`projections.batching.Batch`): `apply_batch`
loads the rows the batch's events touch, one query per table, then each handler
changes those rows in memory, in log order (so it sees the rows added earlier in the
batch), and the changes are written in bulk at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    Index,
    String,
    Table,
    Text,
)

from projections.base import UTCDateTime, keeps_timezones
from projections.batching import Batch, BatchedProjection, Handlers
from projections.db import metadata, readers_index
from service.clock import local_date
from service.domain.action import Action
from service.domain.feedback import Cheer, Feedback
from service.domain.goal import Goal
from service.domain.member import Member
from service.domain.review import Review
from service.domain.visibility import action_visibility, kept_under

SUMMARY_LENGTH = 200

members = Table(
    "rm_journal_members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("timezone", String(64), nullable=False),
)

items = Table(
    "rm_journal_items",
    metadata,
    Column("item_id", String(36), primary_key=True),
    Column("item_kind", String(16), nullable=False),
    Column("owner_id", String(36), nullable=False, index=True),
    # A goal's own id for goals, the linked goal for actions, NULL otherwise.
    Column("goal_id", String(36), nullable=True, index=True),
    Column("own_visibility", String(16), nullable=True),
    Column("visibility", String(16), nullable=False),
    Column("title", String(150), nullable=False),
    Column("unit", String(30), nullable=True),
)

milestones = Table(
    "rm_journal_milestones",
    metadata,
    Column("milestone_id", String(36), primary_key=True),
    Column("goal_id", String(36), nullable=False, index=True),
    Column("title", String(150), nullable=False),
)

entries = Table(
    "rm_journal_entries",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("member_id", String(36), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("item_kind", String(16), nullable=False),
    Column("item_id", String(36), nullable=False, index=True),
    Column("goal_id", String(36), nullable=True),
    Column("day", Date, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("title", String(150), nullable=False),
    Column("summary", Text, nullable=False),
    Column("category", String(16), nullable=True),
    Column("win", Boolean, nullable=False, default=False),
    Index("ix_rm_journal_entries_member_page", "member_id", "day", "position"),
    readers_index(  # a goal's timeline; the handlers find entries by item or member
        "ix_rm_journal_entries_goal_page", "goal_id", "day", "position"
    ),
)

feedback = Table(
    "rm_journal_feedback",
    metadata,
    Column("feedback_id", String(36), primary_key=True),
    Column("author_id", String(36), nullable=False, index=True),
    Column("target_kind", String(16), nullable=False),
    Column("target_id", String(36), nullable=False),
    Column("target_owner_id", String(36), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    readers_index("ix_rm_journal_feedback_target_id", "target_id"),
)

cheers = Table(
    "rm_journal_cheers",
    metadata,
    Column("cheer_id", String(36), primary_key=True),
    Column("author_id", String(36), nullable=False, index=True),
    Column("target_kind", String(16), nullable=False),
    Column("target_id", String(36), nullable=False),
    Column("target_owner_id", String(36), nullable=False, index=True),
    readers_index("ix_rm_journal_cheers_target_id", "target_id"),
)


GOAL_STATUS_KINDS = {
    Goal.GoalPaused: ("goal_paused", "reason"),
    Goal.GoalResumed: ("goal_resumed", None),
    Goal.GoalAchieved: ("goal_achieved", "reflection"),
    Goal.GoalAbandoned: ("goal_abandoned", "reason"),
}
MEMBER_EVENTS = (Member.Registered, Member.ProfileUpdated, Member.Erased)
GOAL_EVENTS = (
    Goal.GoalSet,
    Goal.GoalRevised,
    Goal.MilestoneAdded,
    Goal.MilestoneCompleted,
    Goal.MilestoneReopened,
    Goal.ProgressRecorded,
    *GOAL_STATUS_KINDS,
)

HANDLERS = Handlers[Batch]()
"""The handler of each event class: (batch, event, log position)."""


class Journal(BatchedProjection[Batch]):
    """Keeps the journal entries, item visibilities, feedback and cheers."""

    name = "journal"
    tables = (members, items, milestones, entries, feedback, cheers)
    handlers = HANDLERS

    def load(self, conn: Connection, batch: Batch, events: Sequence[Any]) -> None:
        _load(conn, batch, events)


def _load(conn: Connection, batch: Batch, events: Sequence[Any]) -> None:
    """The rows the events read or change, by the keys found in them: one query per
    table, and one more of items for the goals of edited actions not loaded yet."""
    item_ids: set[str] = set()
    goal_ids: set[str] = set()  # goals whose visibility changes: their actions
    erased: set[str] = set()
    member_ids: set[str] = set()
    milestone_ids: set[str] = set()
    entry_items: set[str] = set()  # items whose entries change
    edited: set[str] = set()
    for e in events:
        kind = type(e)
        origin = str(e.originator_id)
        if kind in MEMBER_EVENTS:
            member_ids.add(origin)
            if kind is Member.Erased:
                erased.add(origin)
        elif kind in GOAL_EVENTS:
            item_ids.add(origin)
            if kind is Goal.GoalSet:
                member_ids.add(str(e.owner_id))
            elif kind is Goal.GoalRevised and "visibility" in e.changes:
                goal_ids.add(origin)
            elif kind in (Goal.MilestoneCompleted, Goal.MilestoneReopened):
                milestone_ids.add(str(e.milestone_id))
        elif kind is Action.ActionLogged:
            if e.goal_id:
                item_ids.add(str(e.goal_id))
        elif kind is Action.ActionEdited:
            item_ids.add(origin)
            edited.add(origin)
            entry_items.add(origin)
            if e.changes.get("goal_id"):
                item_ids.add(str(e.changes["goal_id"]))
        elif kind is Review.ReviewRecorded:
            member_ids.add(str(e.owner_id))
        elif kind is Review.ReviewAmended:
            item_ids.add(origin)
            entry_items.add(origin)
    batch.load(conn, items, item_id=item_ids, goal_id=goal_ids, owner_id=erased)
    loaded = batch[items]
    linked = set()
    for item_id in edited:
        row = loaded.get(item_id)
        if row is not None and row["goal_id"] is not None:
            linked.add(row["goal_id"])
    batch.load(conn, items, item_id=linked)
    for item_id in item_ids | linked:
        row = loaded.get(item_id)
        if row is not None:
            member_ids.add(row["owner_id"])
    batch.load(conn, members, member_id=member_ids)
    batch.load(conn, milestones, milestone_id=milestone_ids)
    batch.load(conn, entries, item_id=entry_items)


def summarise(text: str | None) -> str:
    """Plain one-line text, cut to SUMMARY_LENGTH characters with an ellipsis."""
    flat = " ".join((text or "").split())
    if len(flat) <= SUMMARY_LENGTH:
        return flat
    return flat[: SUMMARY_LENGTH - 1].rstrip() + "…"


def _amount(value: float, unit: str | None) -> str:
    number = str(int(value)) if float(value).is_integer() else f"{value:.10g}"
    return f"{number} {unit or ''}".strip()


def _add_item(b: Batch, e: Any, kind: str, owner: str, vis: str, **values: Any) -> None:
    """The event's aggregate as an item with its owner and effective visibility."""
    b[items].insert(
        item_id=str(e.originator_id),
        item_kind=kind,
        owner_id=owner,
        visibility=vis,
        **values,
    )


def _add_entry(
    b: Batch, e: Any, pos: int, kind: str, owner: str, text: str, **values: Any
) -> None:
    """An entry about the event's aggregate; `text` is shortened into the summary."""
    b[entries].insert(
        position=pos,
        member_id=owner,
        kind=kind,
        item_kind=kind if kind in ("action", "review") else "goal",
        item_id=str(e.originator_id),
        at=e.timestamp,
        summary=summarise(text),
        **values,
    )


def _one(row: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """The row a handler cannot do without (as `.one()` was: a missing one stops
    the read model at this event)."""
    if row is None:
        raise LookupError(f"journal: no {what}")
    return row


def _timezone(b: Batch, member_id: str) -> str:
    timezone: str = _one(b[members].get(member_id), f"member {member_id}")["timezone"]
    return timezone


def _goal_visibility(b: Batch, goal_id: str | None) -> str | None:
    """The visibility of a linked goal (None without a goal or if it is not found)."""
    if goal_id is None:
        return None
    row = b[items].get(goal_id)
    return None if row is None else row["visibility"]


def _target(e: Any) -> dict[str, str]:
    return {
        "author_id": str(e.author_id),
        "target_kind": e.target_kind,
        "target_id": str(e.target_id),
        "target_owner_id": str(e.target_owner_id),
    }


# Members: timezone for the entries' days; erasure purges everything of theirs.


keeps_timezones(HANDLERS, members)


@HANDLERS.on(Member.Erased)
def _member_erased(b: Batch, e: Member.Erased, _pos: int) -> None:
    member_id = str(e.originator_id)
    own_goals = [
        row["item_id"]
        for row in b[items].where("owner_id", member_id)
        if row["item_kind"] == "goal"
    ]
    b[milestones].purge("goal_id", own_goals)
    b[entries].purge("member_id", [member_id])
    b[items].purge("owner_id", [member_id])
    for table in (feedback, cheers):
        b[table].purge("author_id", [member_id])
        b[table].purge("target_owner_id", [member_id])
    b[members].delete(member_id)


# Goals.


@HANDLERS.on(Goal.GoalSet)
def _goal_set(b: Batch, e: Goal.GoalSet, pos: int) -> None:
    goal_id = str(e.originator_id)
    _add_item(
        b,
        e,
        "goal",
        str(e.owner_id),
        e.visibility,
        goal_id=goal_id,
        title=e.title,
        unit=e.metric["unit"] if e.metric else None,
    )
    _goal_entry(b, e, pos, "goal_set", summary=e.why)


@HANDLERS.on(Goal.GoalRevised)
def _goal_revised(b: Batch, e: Goal.GoalRevised, pos: int) -> None:
    changes: dict[str, Any] = e.changes
    goal_id = str(e.originator_id)
    values: dict[str, Any] = {}
    if "title" in changes:
        values["title"] = changes["title"]
    if "metric" in changes:
        values["unit"] = changes["metric"]["unit"] if changes["metric"] else None
    if values:
        b[items].update(goal_id, **values)
    if "visibility" in changes:
        _goal_visibility_changed(b, goal_id, changes["visibility"])
    _goal_entry(b, e, pos, "goal_revised", summary=e.reason)


def _goal_visibility_changed(b: Batch, goal_id: str, visibility: str) -> None:
    """The goal and every action linked to it take the new visibility, except
    actions set narrower (SPEC 9: `action_visibility`, as `kept_under` says)."""
    narrower = kept_under(visibility)
    linked = b[items]
    for row in linked.where("goal_id", goal_id):
        own = row["own_visibility"]
        row["visibility"] = own if own in narrower else visibility
        linked.changed(row)


@HANDLERS.on(Goal.MilestoneAdded)
def _milestone_added(b: Batch, e: Goal.MilestoneAdded, pos: int) -> None:
    b[milestones].insert(
        milestone_id=str(e.milestone_id), goal_id=str(e.originator_id), title=e.title
    )
    due = f"Due {e.due_on.isoformat()}" if e.due_on else ""
    _goal_entry(b, e, pos, "milestone_added", title=e.title, summary=due)


@HANDLERS.on(Goal.MilestoneCompleted, Goal.MilestoneReopened)
def _milestone_changed(
    b: Batch, e: Goal.MilestoneCompleted | Goal.MilestoneReopened, pos: int
) -> None:
    milestone_id = str(e.milestone_id)
    title = _one(b[milestones].get(milestone_id), f"milestone {milestone_id}")["title"]
    done = type(e) is Goal.MilestoneCompleted
    kind = "milestone_completed" if done else "milestone_reopened"
    _goal_entry(b, e, pos, kind, title=title)


@HANDLERS.on(Goal.ProgressRecorded)
def _progress_recorded(b: Batch, e: Goal.ProgressRecorded, pos: int) -> None:
    _goal_entry(b, e, pos, "progress", note=e.note, value=e.value)


@HANDLERS.on(*GOAL_STATUS_KINDS)
def _goal_status(b: Batch, e: Any, pos: int) -> None:
    kind, text_field = GOAL_STATUS_KINDS[type(e)]
    summary = getattr(e, text_field) if text_field else ""
    _goal_entry(b, e, pos, kind, summary=summary)


def _goal_entry(
    b: Batch,
    e: Any,
    pos: int,
    kind: str,
    *,
    title: str | None = None,
    summary: str = "",
    note: str = "",
    value: float | None = None,
) -> None:
    goal_id = str(e.originator_id)
    goal = _one(b[items].get(goal_id), f"goal {goal_id}")
    timezone = _timezone(b, goal["owner_id"])
    if value is not None:
        amount = _amount(value, goal["unit"])
        summary = f"{amount} — {note}" if note else amount
    _add_entry(
        b,
        e,
        pos,
        kind,
        goal["owner_id"],
        summary,
        goal_id=goal_id,
        day=local_date(e.timestamp, timezone),
        title=title or goal["title"],
    )


# Actions.


@HANDLERS.on(Action.ActionLogged)
def _action_logged(b: Batch, e: Action.ActionLogged, pos: int) -> None:
    owner_id = str(e.owner_id)
    goal_id = str(e.goal_id) if e.goal_id else None
    visibility = action_visibility(e.visibility, goal_id, _goal_visibility(b, goal_id))
    _add_item(
        b,
        e,
        "action",
        owner_id,
        visibility,
        goal_id=goal_id,
        own_visibility=e.visibility,
        title=e.title,
    )
    _add_entry(
        b,
        e,
        pos,
        "action",
        owner_id,
        e.notes,
        goal_id=goal_id,
        day=e.occurred_on,
        title=e.title,
        category=e.category,
        win=e.win,
    )


@HANDLERS.on(Action.ActionEdited)
def _action_edited(b: Batch, e: Action.ActionEdited, _pos: int) -> None:
    changes: dict[str, Any] = e.changes
    action_id = str(e.originator_id)
    item = _one(b[items].get(action_id), f"action {action_id}")
    goal_id = item["goal_id"]
    if "goal_id" in changes:
        goal_id = str(changes["goal_id"]) if changes["goal_id"] else None
    own = changes.get("visibility", item["own_visibility"])
    title = changes.get("title", item["title"])
    b[items].update(
        action_id,
        goal_id=goal_id,
        own_visibility=own,
        visibility=action_visibility(own, goal_id, _goal_visibility(b, goal_id)),
        title=title,
    )
    values = _edited_entry_values(changes, goal_id, title)
    for row in b[entries].where("item_id", action_id):
        row.update(values)
        b[entries].changed(row)


@HANDLERS.on(Action.ActionRetracted)
def _action_retracted(b: Batch, e: Action.ActionRetracted, _pos: int) -> None:
    action_id = str(e.originator_id)
    b[entries].purge("item_id", [action_id])
    b[items].delete(action_id)


# Reviews.


@HANDLERS.on(Review.ReviewRecorded)
def _review_recorded(b: Batch, e: Review.ReviewRecorded, pos: int) -> None:
    owner_id = str(e.owner_id)
    title = f"{e.period.capitalize()} review"
    vis = e.visibility
    _add_item(b, e, "review", owner_id, vis, own_visibility=vis, title=title)
    day = local_date(e.timestamp, _timezone(b, owner_id))
    _add_entry(b, e, pos, "review", owner_id, e.went_well, day=day, title=title)


@HANDLERS.on(Review.ReviewAmended)
def _review_amended(b: Batch, e: Review.ReviewAmended, _pos: int) -> None:
    changes: dict[str, Any] = e.changes
    review_id = str(e.originator_id)
    if "visibility" in changes:
        b[items].update(review_id, visibility=changes["visibility"])
    if "went_well" in changes:
        summary = summarise(changes["went_well"])
        for row in b[entries].where("item_id", review_id):
            row["summary"] = summary
            b[entries].changed(row)


# Feedback and cheers: rows, counted when entries are read.


@HANDLERS.on(Feedback.FeedbackGiven)
def _feedback_given(b: Batch, e: Feedback.FeedbackGiven, _pos: int) -> None:
    b[feedback].insert(
        feedback_id=str(e.originator_id), text=e.text, at=e.timestamp, **_target(e)
    )


@HANDLERS.on(Feedback.FeedbackWithdrawn)
def _feedback_withdrawn(b: Batch, e: Feedback.FeedbackWithdrawn, _pos: int) -> None:
    b[feedback].delete(str(e.originator_id))


@HANDLERS.on(Cheer.Cheered)
def _cheered(b: Batch, e: Cheer.Cheered, _pos: int) -> None:
    b[cheers].insert(cheer_id=str(e.originator_id), **_target(e))


def _edited_entry_values(
    changes: dict[str, Any], goal_id: str | None, title: str
) -> dict[str, Any]:
    values: dict[str, Any] = {"goal_id": goal_id, "title": title}
    if "notes" in changes:
        values["summary"] = summarise(changes["notes"])
    if "occurred_on" in changes:
        values["day"] = changes["occurred_on"]
    for name in ("category", "win"):
        if name in changes:
            values[name] = changes[name]
    return values
