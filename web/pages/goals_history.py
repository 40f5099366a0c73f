"""A goal's history as people read it: each event with what it changed, old → new.

The events hold the new values only; the old ones are the values the earlier events
left, so they are followed here in order (presentation only: the service's
`history` already decided who may read it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any
from uuid import UUID

from service.application import HistoryEntry

EVENT_NAMES = {
    "GoalSet": "Goal set",
    "GoalRevised": "Goal revised",
    "MilestoneAdded": "Milestone added",
    "MilestoneCompleted": "Milestone completed",
    "MilestoneReopened": "Milestone reopened",
    "ProgressRecorded": "Progress recorded",
    "GoalPaused": "Paused",
    "GoalResumed": "Resumed",
    "GoalAchieved": "Achieved",
    "GoalAbandoned": "Abandoned",
}
LABELS = {
    "title": "Title",
    "horizon": "Horizon",
    "why": "Why",
    "description": "Description",
    "due_on": "Due date",
    "visibility": "Visible to",
    "metric": "Metric",
    "milestone": "Milestone",
    "value": "Value",
    "note": "Note",
    "reason": "Reason",
    "reflection": "Reflection",
}
FREE_TEXT = frozenset({"why", "description", "note", "reason", "reflection"})
"""Fields a member wrote in their own words (rendered as sanitised Markdown)."""
GOAL_FIELDS = ("title", "horizon", "due_on", "visibility", "metric", "why")


@dataclass(frozen=True)
class Change:
    """One field an event set: its label, the value before (if any) and after."""

    label: str
    new: str
    old: str | None = None
    free_text: bool = False


@dataclass(frozen=True)
class HistoryRow:
    """One event of the goal as the history table shows it."""

    version: int
    what: str
    time: datetime
    actor: str
    changes: tuple[Change, ...]


def show_value(value: Any) -> str:
    """A stored value in words."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict) and "target" in value:
        unit = f" {value.get('unit')}" if value.get("unit") else ""
        baseline, target = show_value(value["baseline"]), show_value(value["target"])
        return f"{value.get('name')}: {baseline} → {target}{unit}"
    return str(value)


def _change(name: str, new: Any, old: Any = None, *, had_old: bool = False) -> Change:
    return Change(
        label=LABELS.get(name, name.replace("_", " ").capitalize()),
        new=show_value(new),
        old=show_value(old) if had_old else None,
        free_text=name in FREE_TEXT,
    )


class _Reader:
    """Follows the goal's values and milestone titles through its events."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.milestones: dict[str, str] = {}

    def changes(self, type_: str, data: dict[str, Any]) -> list[Change]:
        """What one event (of type `type_`) changed, with the values before."""
        if type_ == "GoalSet":
            self.values.update(data)
            names = [*GOAL_FIELDS, "description"]
            return [
                _change(k, data.get(k)) for k in names if data.get(k) not in ("", None)
            ]
        if type_ == "GoalRevised":
            changed = dict(data.get("changes") or {})
            found = [
                _change(k, v, self.values.get(k), had_old=True)
                for k, v in changed.items()
            ]
            self.values.update(changed)
            return [*found, _change("reason", data.get("reason"))]
        if "milestone_id" in data:
            key = str(data["milestone_id"])
            if type_ == "MilestoneAdded":
                self.milestones[key] = str(data.get("title", ""))
            title = self.milestones.get(key, "")
            extra = [_change("due_on", data["due_on"])] if data.get("due_on") else []
            return [_change("milestone", title), *extra]
        return [_change(k, v) for k, v in data.items() if v not in ("", None)]


def describe(
    entries: Iterable[HistoryEntry],
    name_of: Callable[[UUID | None], str],
    zone: tzinfo,
) -> list[HistoryRow]:
    """The history rows, oldest first, times in `zone`; `name_of` names the acting
    member."""
    reader = _Reader()
    return [
        HistoryRow(
            version=entry.version,
            what=EVENT_NAMES.get(entry.type, entry.type),
            time=entry.time.astimezone(zone),
            actor=name_of(entry.actor_id),
            changes=tuple(reader.changes(entry.type, entry.data)),
        )
        for entry in entries
    ]
