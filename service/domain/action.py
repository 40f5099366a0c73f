"""Action: one small step a member took, on a given day, optionally towards a goal."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from service.domain.base import (
    MomentumAggregate,
    optional_text,
    optional_url,
    require_choice,
    require_date,
    require_text,
    require_visibility,
)
from service.errors import InvalidFieldsError, RuleViolationError, ValidationError

CATEGORIES = (
    "learning",
    "networking",
    "challenge",
    "visibility",
    "portfolio",
    "mentoring",
    "exploration",
    "other",
)
MAX_DAYS_BACK = 30
EDITABLE = (
    "goal_id",
    "category",
    "title",
    "notes",
    "minutes",
    "occurred_on",
    "evidence_url",
    "win",
    "visibility",
)


def check_action_fields(fields: dict[str, Any], today: date) -> dict[str, Any]:
    """Validate action fields against the member's `today`; collect every error."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        try:
            clean[name] = _check_field(name, value, today)
        except ValidationError as e:
            errors[e.field or name] = e.message
    if errors:
        raise InvalidFieldsError(errors)
    return clean


def _check_field(name: str, value: Any, today: date) -> Any:
    if name == "goal_id":
        if value is not None and not isinstance(value, UUID):
            raise ValidationError("Goal must be a goal id.", "goal_id")
        return value
    if name == "category":
        return require_choice(value, CATEGORIES, "category", "Category")
    if name == "title":
        return require_text(value, "title", "Title", max_len=150)
    if name == "notes":
        return optional_text(value, "notes", "Notes")
    if name == "minutes":
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 1 <= value <= 1440
        ):
            raise ValidationError(
                "Minutes must be a whole number from 1 to 1440.", "minutes"
            )
        return value
    if name == "occurred_on":
        return check_occurred_on(value, today)
    if name == "evidence_url":
        return optional_url(value, "evidence_url", "Evidence link")
    if name == "win":
        if not isinstance(value, bool):
            raise ValidationError("Win must be true or false.", "win")
        return value
    if name == "visibility":
        return None if value is None else require_visibility(value)
    raise ValidationError(f"Unknown field: {name}.", name)


def check_occurred_on(value: Any, today: date) -> date:
    """An action happened today or up to 30 days before, never in the future."""
    day = require_date(value, "occurred_on", "Date", today=today)
    if day > today:
        raise ValidationError(
            "An action cannot be logged for a future date.", "occurred_on"
        )
    if day < today - timedelta(days=MAX_DAYS_BACK):
        raise ValidationError(
            f"An action can be logged at most {MAX_DAYS_BACK} days after it happened.",
            "occurred_on",
        )
    return day


class Action(MomentumAggregate):
    """An action. `visibility` None means: the goal's, or 'mentors' without a goal."""

    class ActionLogged(MomentumAggregate.Created):
        """A member logged a step they took on a day, optionally towards a goal."""

        owner_id: UUID
        goal_id: UUID | None
        category: str
        title: str
        notes: str
        minutes: int | None
        occurred_on: date
        evidence_url: str | None
        win: bool
        visibility: str | None
        actor_id: UUID

    @event(ActionLogged)
    def __init__(
        self,
        owner_id: UUID,
        goal_id: UUID | None,
        category: str,
        title: str,
        notes: str,
        minutes: int | None,
        occurred_on: date,
        evidence_url: str | None,
        win: bool,
        visibility: str | None,
        actor_id: UUID,
    ) -> None:
        self.owner_id = owner_id
        self.goal_id = goal_id
        self.category = category
        self.title = title
        self.notes = notes
        self.minutes = minutes
        self.occurred_on = occurred_on
        self.evidence_url = evidence_url
        self.win = win
        self.visibility = visibility
        self.retracted = False

    @classmethod
    def log(cls, owner_id: UUID, today: date, **fields: Any) -> Action:
        """Validate and log a new action."""
        defaults = {
            "goal_id": None,
            "notes": "",
            "minutes": None,
            "evidence_url": None,
            "win": False,
            "visibility": None,
            "occurred_on": today,
        }
        defaults.update(category=None, title=None)
        clean = check_action_fields({**defaults, **fields}, today)
        # `_create` with the event class: what `cls(...)` does, without matching
        # positional arguments to `__init__` first (on every command)
        return cls._create(
            cls.ActionLogged, owner_id=owner_id, actor_id=owner_id, **clean
        )

    def edit(self, changes: dict[str, Any], today: date, actor_id: UUID) -> None:
        """Change fields of the action; the date rules apply to a changed date."""
        if self.retracted:
            raise RuleViolationError(
                "This action was retracted and can no longer be edited."
            )
        clean = check_action_fields(changes, today)
        clean = {k: v for k, v in clean.items() if getattr(self, k) != v}
        if not clean:
            raise ValidationError(
                "Nothing changed: every value is the same as before.", "changes"
            )
        self._edited(changes=clean, actor_id=actor_id)

    class ActionEdited(MomentumAggregate.Event):
        """Fields of the action were changed (`changes`: the new values only)."""

        changes: dict[str, Any]
        actor_id: UUID

    @event(ActionEdited)
    def _edited(self, changes: dict[str, Any], actor_id: UUID) -> None:
        for name, value in changes.items():
            setattr(self, name, value)

    def retract(self, reason: str, actor_id: UUID) -> None:
        """Take the action back (it stays in history, it no longer counts)."""
        if self.retracted:
            raise RuleViolationError("This action is already retracted.")
        self._retracted(
            reason=optional_text(reason, "reason", "Reason", max_len=500),
            actor_id=actor_id,
        )

    class ActionRetracted(MomentumAggregate.Event):
        """The action was taken back: it stays in history but no longer counts."""

        reason: str
        actor_id: UUID

    @event(ActionRetracted)
    def _retracted(self, reason: str, actor_id: UUID) -> None:
        self.retracted = True
