"""Goal: a SMART goal with a roadmap of milestones and an optional measurable metric."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from service.domain.base import (
    MomentumAggregate,
    optional_date,
    optional_text,
    require_choice,
    require_date,
    require_number,
    require_text,
    require_visibility,
)
from service.errors import InvalidFieldsError, RuleViolationError, ValidationError

HORIZONS = ("short", "long")
STATUSES = ("active", "paused", "achieved", "abandoned")
CLOSED = ("achieved", "abandoned")
MIN_TITLE_WORDS = 3
REVISABLE = ("title", "horizon", "description", "why", "metric", "due_on", "visibility")


def check_goal_fields(
    fields: dict[str, Any], today: date, *, new: bool
) -> dict[str, Any]:
    """Validate SMART goal fields; return them cleaned. Collects every field error."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        try:
            clean[name] = _check_field(name, value, today, new=new)
        except ValidationError as e:
            errors[e.field or name] = e.message
    if errors:
        raise InvalidFieldsError(errors)
    return clean


def _check_field(name: str, value: Any, today: date, *, new: bool) -> Any:
    if name == "title":
        title = require_text(value, "title", "Title", max_len=150)
        if len(title.split()) < MIN_TITLE_WORDS:
            raise ValidationError(
                f"Make the title specific: at least {MIN_TITLE_WORDS} words "
                "(for example 'Give a talk at a meetup').",
                "title",
            )
        return title
    if name == "horizon":
        return require_choice(value, HORIZONS, "horizon", "Horizon")
    if name == "description":
        return optional_text(value, "description", "Description")
    if name == "why":
        return require_text(value, "why", "Why this goal matters", max_len=2000)
    if name == "visibility":
        return require_visibility(value)
    if name == "due_on":
        value = require_date(value, "due_on", "Due date", today=today)
        if value <= today:
            what = "A new goal" if new else "A goal"
            raise ValidationError(f"{what} needs a due date in the future.", "due_on")
        return value
    if name == "metric":
        return _check_metric(value)
    raise ValidationError(f"Unknown field: {name}.", name)


def _check_metric(metric: Any) -> dict[str, Any] | None:
    if metric is None:
        return None
    if not isinstance(metric, dict):
        raise ValidationError(
            "Metric must have a name, unit, baseline and target.", "metric"
        )
    name = require_text(metric.get("name"), "metric.name", "Metric name", max_len=80)
    unit = optional_text(metric.get("unit"), "metric.unit", "Metric unit", max_len=30)
    baseline = require_number(metric.get("baseline"), "metric.baseline", "Baseline")
    target = require_number(metric.get("target"), "metric.target", "Target")
    if target == baseline:
        raise ValidationError(
            "The target must differ from the baseline, or there is nothing to measure.",
            "metric.target",
        )
    return {"name": name, "unit": unit, "baseline": baseline, "target": target}


class Goal(MomentumAggregate):
    """A member's goal. Only its owner changes it (checked by the service)."""

    class GoalSet(MomentumAggregate.Created):
        """A member set a new goal, with its SMART fields."""

        owner_id: UUID
        title: str
        horizon: str
        description: str
        why: str
        metric: dict[str, Any] | None
        due_on: date
        visibility: str
        actor_id: UUID

    @event(GoalSet)
    def __init__(
        self,
        owner_id: UUID,
        title: str,
        horizon: str,
        description: str,
        why: str,
        metric: dict[str, Any] | None,
        due_on: date,
        visibility: str,
        actor_id: UUID,
    ) -> None:
        self.owner_id = owner_id
        self.title = title
        self.horizon = horizon
        self.description = description
        self.why = why
        self.metric = metric
        self.due_on = due_on
        self.visibility = visibility
        self.status = "active"
        self.current_value: float | None = metric["baseline"] if metric else None
        self.milestones: dict[str, dict[str, Any]] = {}
        self.closing_note = ""

    @classmethod
    def set(cls, owner_id: UUID, today: date, **fields: Any) -> Goal:
        """Validate SMART completeness and set a new goal."""
        fields.setdefault("description", "")
        fields.setdefault("metric", None)
        fields.setdefault("visibility", "mentors")
        for required in ("title", "horizon", "why", "due_on"):
            fields.setdefault(required, None)
        clean = check_goal_fields(fields, today, new=True)
        return cls(owner_id=owner_id, actor_id=owner_id, **clean)

    @property
    def is_closed(self) -> bool:
        """True once achieved or abandoned."""
        return self.status in CLOSED

    def _require_open(self, doing: str) -> None:
        if self.is_closed:
            raise RuleViolationError(
                f"This goal is {self.status}: you can no longer {doing}."
            )

    def revise(
        self, changes: dict[str, Any], reason: str, today: date, actor_id: UUID
    ) -> None:
        """Change some fields, with the reason; the old values stay in history."""
        self._require_open("revise it")
        if not changes:
            raise ValidationError("Change at least one field.", "changes")
        clean = check_goal_fields(changes, today, new=False)
        clean = {k: v for k, v in clean.items() if getattr(self, k) != v}
        if not clean:
            raise ValidationError(
                "Nothing changed: every value is the same as before.", "changes"
            )
        self._revised(
            changes=clean,
            reason=require_text(
                reason, "reason", "Reason for the revision", max_len=500
            ),
            actor_id=actor_id,
        )

    class GoalRevised(MomentumAggregate.Event):
        """Fields of the goal were changed, with the reason (new values only)."""

        changes: dict[str, Any]
        reason: str
        actor_id: UUID

    @event(GoalRevised)
    def _revised(self, changes: dict[str, Any], reason: str, actor_id: UUID) -> None:
        for name, value in changes.items():
            setattr(self, name, value)
        if "metric" in changes:
            self.current_value = (
                changes["metric"]["baseline"] if changes["metric"] else None
            )

    def add_milestone(
        self,
        milestone_id: UUID,
        title: str,
        due_on: date | None,
        actor_id: UUID,
        *,
        set_on: date,
    ) -> None:
        """Add a milestone to the roadmap; it cannot be due before `set_on`, the
        day the goal was set in its owner's timezone."""
        self._require_open("add milestones")
        due_on = optional_date(due_on, "due_on", "Milestone due date")
        if due_on is not None and due_on < set_on:
            raise ValidationError(
                "A milestone cannot be due before its goal was set "
                f"({set_on.isoformat()}): pick {set_on.isoformat()} or later.",
                "due_on",
            )
        title = require_text(title, "title", "Milestone title", max_len=150)
        self._milestone_added(
            milestone_id=milestone_id,
            title=title,
            due_on=due_on,
            actor_id=actor_id,
        )

    class MilestoneAdded(MomentumAggregate.Event):
        """A milestone was added to the goal's roadmap."""

        milestone_id: UUID
        title: str
        due_on: date | None
        actor_id: UUID

    @event(MilestoneAdded)
    def _milestone_added(
        self, milestone_id: UUID, title: str, due_on: date | None, actor_id: UUID
    ) -> None:
        self.milestones[str(milestone_id)] = {
            "id": milestone_id,
            "title": title,
            "due_on": due_on,
            "completed": False,
        }

    def _milestone(self, milestone_id: UUID) -> dict[str, Any]:
        try:
            return self.milestones[str(milestone_id)]
        except KeyError:
            raise ValidationError(
                "This goal has no such milestone.", "milestone_id"
            ) from None

    def complete_milestone(self, milestone_id: UUID, actor_id: UUID) -> None:
        """Mark a milestone done."""
        self._require_open("complete milestones")
        if self._milestone(milestone_id)["completed"]:
            raise RuleViolationError("This milestone is already completed.")
        self._milestone_completed(milestone_id=milestone_id, actor_id=actor_id)

    class MilestoneCompleted(MomentumAggregate.Event):
        """A milestone was marked done."""

        milestone_id: UUID
        actor_id: UUID

    @event(MilestoneCompleted)
    def _milestone_completed(self, milestone_id: UUID, actor_id: UUID) -> None:
        self.milestones[str(milestone_id)]["completed"] = True

    def reopen_milestone(self, milestone_id: UUID, actor_id: UUID) -> None:
        """Mark a completed milestone as not done after all."""
        self._require_open("reopen milestones")
        if not self._milestone(milestone_id)["completed"]:
            raise RuleViolationError(
                "This milestone is not completed, so it cannot be reopened."
            )
        self._milestone_reopened(milestone_id=milestone_id, actor_id=actor_id)

    class MilestoneReopened(MomentumAggregate.Event):
        """A completed milestone was marked not done after all."""

        milestone_id: UUID
        actor_id: UUID

    @event(MilestoneReopened)
    def _milestone_reopened(self, milestone_id: UUID, actor_id: UUID) -> None:
        self.milestones[str(milestone_id)]["completed"] = False

    def record_progress(self, value: float, note: str, actor_id: UUID) -> None:
        """Record a new value of the goal's metric."""
        self._require_open("record progress")
        if self.metric is None:
            raise RuleViolationError("This goal has no metric to record progress on.")
        self._progress_recorded(
            value=require_number(value, "value", "Value"),
            note=optional_text(note, "note", "Note", max_len=1000),
            actor_id=actor_id,
        )

    class ProgressRecorded(MomentumAggregate.Event):
        """A new value of the goal's metric was recorded, with a note."""

        value: float
        note: str
        actor_id: UUID

    @event(ProgressRecorded)
    def _progress_recorded(self, value: float, note: str, actor_id: UUID) -> None:
        self.current_value = value

    def pause(self, reason: str, actor_id: UUID) -> None:
        """Pause an active goal."""
        if self.status != "active":
            raise RuleViolationError(
                f"Only an active goal can be paused; this one is {self.status}."
            )
        self._paused(
            reason=optional_text(reason, "reason", "Reason", max_len=500),
            actor_id=actor_id,
        )

    class GoalPaused(MomentumAggregate.Event):
        """The active goal was paused, optionally with a reason."""

        reason: str
        actor_id: UUID

    @event(GoalPaused)
    def _paused(self, reason: str, actor_id: UUID) -> None:
        self.status = "paused"

    def resume(self, actor_id: UUID) -> None:
        """Resume a paused goal."""
        if self.status != "paused":
            raise RuleViolationError(
                f"Only a paused goal can be resumed; this one is {self.status}."
            )
        self._resumed(actor_id=actor_id)

    class GoalResumed(MomentumAggregate.Event):
        """The paused goal was made active again."""

        actor_id: UUID

    @event(GoalResumed)
    def _resumed(self, actor_id: UUID) -> None:
        self.status = "active"

    def achieve(self, reflection: str, actor_id: UUID) -> None:
        """Close the goal as achieved, with a closing reflection."""
        self._require_open("achieve it again")
        self._achieved(
            reflection=optional_text(reflection, "reflection", "Reflection"),
            actor_id=actor_id,
        )

    class GoalAchieved(MomentumAggregate.Event):
        """The goal was closed as achieved, with a closing reflection."""

        reflection: str
        actor_id: UUID

    @event(GoalAchieved)
    def _achieved(self, reflection: str, actor_id: UUID) -> None:
        self.status = "achieved"
        self.closing_note = reflection

    def abandon(self, reason: str, actor_id: UUID) -> None:
        """Close the goal as abandoned; a legitimate outcome that needs a reason."""
        self._require_open("abandon it")
        self._abandoned(
            reason=require_text(
                reason, "reason", "Reason for abandoning", max_len=2000
            ),
            actor_id=actor_id,
        )

    class GoalAbandoned(MomentumAggregate.Event):
        """The goal was closed as abandoned, with the reason."""

        reason: str
        actor_id: UUID

    @event(GoalAbandoned)
    def _abandoned(self, reason: str, actor_id: UUID) -> None:
        self.status = "abandoned"
        self.closing_note = reason

    def progress_percent(self) -> float:
        """Progress per SPEC 5 (see `progress_percent`)."""
        done = sum(1 for m in self.milestones.values() if m["completed"])
        return progress_percent(
            self.status, self.metric, self.current_value, done, len(self.milestones)
        )


def progress_percent(
    status: str,
    metric: dict[str, Any] | None,
    current_value: float | None,
    milestones_done: int,
    milestones_total: int,
) -> float:
    """Metric progress clamped to 0–100; else milestones done; else 0 until achieved."""
    if status == "achieved":
        return 100.0
    if metric and current_value is not None:
        span = metric["target"] - metric["baseline"]
        pct = 100.0 * (current_value - metric["baseline"]) / span if span else 0.0
        if pct != pct:  # NaN: only from values beyond any the domain accepts
            pct = 0.0
        return float(max(0.0, min(100.0, pct)))
    if milestones_total:
        return 100.0 * milestones_done / milestones_total
    return 0.0
