"""A member's history (issue 17): the events at given log positions, as that member
may read them, with what each changed.

Which events belong to a member's history is the read models' answer
(`projections.history_queries`: what they caused, what was done to their account,
every event of the feedback, cheers, suggestions and mentorships they are party
to, group events naming them). This module reads those events from the store and
decides, per event, what the member sees (SPEC 9):

- what they caused, and what was done to their own account: all of it;
- others' events whose type seals no personal content (`service.crypto.POLICY`: a
  cheer, a buddy pairing, a suggestion accepted): all of it (ids, no words);
- others' events with content (feedback, a suggestion, a mentorship's message):
  the content only while the member may see the item (`queries.may_see`), and
  never the text of feedback its author withdrew.

An event whose author was erased reads with its content gone (`erased`) and is
still listed with its metadata.

Before → after: events hold the new values only, so the item's earlier events are
followed (`_fold`), once per item on the page, for revisions (goal, action,
review), profile, aspirations and weekly target, a goal's status and progress.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from service.application import PRIVATE_FIELDS, MomentumApplication
from service.crypto import ERASED_FLAG, POLICY, event_name
from service.domain.base import MomentumAggregate
from service.domain.feedback import Cheer, Feedback, Suggestion
from service.privacy import BASE_FIELDS
from service.queries import may_see
from service.uow import UnitOfWork

SPAN = 200
"""Positions this close together are read from the store with one query."""
HIDDEN_FIELDS = BASE_FIELDS | PRIVATE_FIELDS | {ERASED_FLAG}
CREATED = frozenset(
    {
        "Goal.GoalSet",
        "Action.ActionLogged",
        "Review.ReviewRecorded",
        "Member.Registered",
    }
)
REVISED = frozenset({"Goal.GoalRevised", "Action.ActionEdited", "Review.ReviewAmended"})
"""Revisions: `changes` holds the new value of each field changed."""
SETTINGS = {
    "Member.ProfileUpdated": ("display_name", "timezone", "headline"),
    "Member.AspirationsSet": ("aspirations", "passions", "strengths"),
    "Member.WeeklyTargetSet": ("actions_per_week",),
}
"""Account events that give every value of a part of the settings again."""
STATUSES = {
    "Goal.GoalPaused": "paused",
    "Goal.GoalResumed": "active",
    "Goal.GoalAchieved": "achieved",
    "Goal.GoalAbandoned": "abandoned",
}
DEFAULTS: dict[str, Any] = {
    "headline": "",
    "aspirations": "",
    "passions": "",
    "strengths": "",
    "actions_per_week": 3,
    "status": "active",
}
"""Values an item has before any event sets them."""
ITEMS = frozenset({"Goal", "Action", "Review"})


@dataclass(frozen=True)
class Change:
    """One field an event changed: its value before and after."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class HistoryEvent:
    """One event of a member's history as they may read it."""

    position: int
    aggregate_id: UUID
    aggregate_type: str
    type: str
    version: int
    time: datetime
    actor_id: UUID | None
    shown: bool
    """Whether its content is shown (`data`); metadata always is."""
    data: dict[str, Any]
    changes: tuple[Change, ...] = ()
    title: str | None = None
    """The item's title as of this event, where the member may read it."""
    about: tuple[str, UUID, UUID] | None = None
    """The goal, action or review that feedback, a cheer or a suggestion is on:
    (kind, id, its owner's id)."""
    erased: bool = False
    """Its author was erased: its content is gone for good."""


@dataclass(frozen=True)
class _Step:
    """What the fold knows of one version of an item."""

    changes: tuple[Change, ...]
    title: str | None
    milestone: str | None


def member_history(
    app: MomentumApplication, viewer_id: UUID, positions: Sequence[int]
) -> dict[int, HistoryEvent]:
    """The events at `positions` (those of the viewer's history) as the viewer may
    read them, by position; a stored event that cannot be read is left out."""
    uow = UnitOfWork(app)
    visible: dict[UUID, bool] = {}
    read = []
    for notification, event in _read(app, positions):
        name = event_name(notification.topic)
        aggregate_id = UUID(str(notification.originator_id))
        shown = _shown(uow, viewer_id, name, event, aggregate_id, visible)
        read.append((notification, event, name, aggregate_id, shown))
    folded = {
        aggregate_id: _fold(app.events_of(aggregate_id))
        for aggregate_id in {
            aggregate_id
            for _, _, name, aggregate_id, shown in read
            if shown and _needs_fold(name)
        }
    }
    return {
        n.id: _entry(uow, n, event, name, aggregate_id, shown, folded)
        for n, event, name, aggregate_id, shown in read
    }


def _read(
    app: MomentumApplication, positions: Iterable[int]
) -> Iterator[tuple[Notification, Any]]:
    """The stored events at `positions`, decoded (those that cannot be: skipped)."""
    wanted = sorted(set(positions))
    if not wanted:
        return
    chosen = set(wanted)
    for first, last in _runs(wanted):
        found = app.recorder.select_notifications(
            start=first, limit=last - first + 1, stop=last, inclusive_of_start=True
        )
        for notification in found:
            if notification.id not in chosen:
                continue
            try:
                event = app.mapper.to_domain_event(notification)
            except Exception:  # a tampered row: `momentum audit verify` names it
                continue
            yield notification, event


def _runs(positions: list[int]) -> Iterator[tuple[int, int]]:
    """(first, last) of runs of sorted positions at most `SPAN` apart."""
    first = last = positions[0]
    for position in positions[1:]:
        if position - first >= SPAN:
            yield first, last
            first = position
        last = position
    yield first, last


def _shown(
    uow: UnitOfWork,
    viewer_id: UUID,
    name: str,
    event: Any,
    aggregate_id: UUID,
    visible: dict[UUID, bool],
) -> bool:
    """Whether the viewer may read this event's content (see the module docstring)."""
    if getattr(event, "actor_id", None) == viewer_id:
        return True
    if name.startswith("Member."):
        return aggregate_id == viewer_id
    seal = POLICY.get(name)
    if seal is not None and not seal.fields:
        return True
    if aggregate_id not in visible:
        item = uow.find(MomentumAggregate, aggregate_id)
        withdrawn = isinstance(item, Feedback) and item.withdrawn
        visible[aggregate_id] = (
            item is not None and not withdrawn and may_see(uow, viewer_id, item)
        )
    return visible[aggregate_id]


def _needs_fold(name: str) -> bool:
    """Whether an event needs its item's earlier events: a change to an item or to
    the settings (only one's own account's are in one's history with content)."""
    aggregate = name.partition(".")[0]
    return (aggregate in ITEMS and name not in CREATED) or name in SETTINGS


def _entry(
    uow: UnitOfWork,
    n: Notification,
    event: Any,
    name: str,
    aggregate_id: UUID,
    shown: bool,
    folded: dict[UUID, dict[int, _Step]],
) -> HistoryEvent:
    state = vars(event)
    data = {k: v for k, v in state.items() if k not in HIDDEN_FIELDS} if shown else {}
    step = folded.get(aggregate_id, {}).get(n.originator_version)
    title = step.title if step else None
    if shown and name in CREATED:
        title = str(state.get("title") or "") or None
    if step and step.milestone and "title" not in data:
        data["milestone"] = step.milestone
    aggregate_type, _, event_type = name.rpartition(".")
    return HistoryEvent(
        position=n.id,
        aggregate_id=aggregate_id,
        aggregate_type=aggregate_type,
        type=event_type,
        version=n.originator_version,
        time=state["timestamp"],
        actor_id=state.get("actor_id"),
        shown=shown,
        data=data,
        changes=step.changes if step else (),
        title=title,
        about=_about(uow, aggregate_id, aggregate_type),
        erased=bool(state.get(ERASED_FLAG)),
    )


def _about(
    uow: UnitOfWork, aggregate_id: UUID, aggregate_type: str
) -> tuple[str, UUID, UUID] | None:
    """The item that feedback, a cheer or a suggestion is on (ids only)."""
    target: Feedback | Cheer | None = None
    if aggregate_type == "Feedback":
        target = uow.find(Feedback, aggregate_id)
    elif aggregate_type == "Cheer":
        target = uow.find(Cheer, aggregate_id)
    elif aggregate_type == "Suggestion":
        suggestion = uow.find(Suggestion, aggregate_id)
        if suggestion is None:
            return None
        return ("goal", suggestion.goal_id, suggestion.mentee_id)
    if target is None:
        return None
    return (target.target_kind, target.target_id, target.target_owner_id)


def _fold(events: Iterable[MomentumAggregate.Event]) -> dict[int, _Step]:
    """Each version of an item: what it changed (before → after), the item's title
    after it, and the milestone it names."""
    values: dict[str, Any] = dict(DEFAULTS)
    milestones: dict[str, str] = {}
    steps: dict[int, _Step] = {}
    for event in events:
        name = type(event).__qualname__
        data = vars(event)
        changes = _changes(name, data, values)
        milestone = None
        if "milestone_id" in data:
            key = str(data["milestone_id"])
            if name == "Goal.MilestoneAdded":
                milestones[key] = str(data.get("title") or "")
            milestone = milestones.get(key) or None
        title = values.get("title") or None
        steps[event.originator_version] = _Step(tuple(changes), title, milestone)
    return steps


def _changes(name: str, data: dict[str, Any], values: dict[str, Any]) -> list[Change]:
    """What the event `name` changed in `values` (which it brings up to date)."""
    found: list[Change] = []
    if name in CREATED:
        values.update({k: v for k, v in data.items() if k not in HIDDEN_FIELDS})
        values["current"] = _baseline(data.get("metric"))
    elif name in REVISED:
        revised = dict(data.get("changes") or {})
        found = [Change(k, values.get(k), v) for k, v in revised.items()]
        values.update(revised)
        if "metric" in revised:
            values["current"] = _baseline(revised["metric"])
    elif name in SETTINGS:
        for key in SETTINGS[name]:
            if key in data and data[key] != values.get(key):
                found.append(Change(key, values.get(key), data[key]))
                values[key] = data[key]
    elif name in STATUSES:
        found = [Change("status", values.get("status"), STATUSES[name])]
        values["status"] = STATUSES[name]
    elif name == "Goal.ProgressRecorded":
        found = [Change("value", values.get("current"), data.get("value"))]
        values["current"] = data.get("value")
    return found


def _baseline(metric: Any) -> Any:
    return metric.get("baseline") if isinstance(metric, dict) else None
