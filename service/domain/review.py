"""Review: a weekly or monthly check-in with five signals and if-then commitments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from service.domain.base import (
    MomentumAggregate,
    optional_text,
    require_choice,
    require_text,
    require_visibility,
)
from service.errors import InvalidFieldsError, RuleViolationError, ValidationError

PERIODS = ("weekly", "monthly")
SIGNALS = ("motivation", "focus", "learning", "recognition", "satisfaction")
TEXTS = ("went_well", "stuck_on", "lessons")
MAX_COMMITMENTS = 10


def check_signals(signals: Any) -> dict[str, int]:
    """Each of the five signals rated 1–5 (5 = thriving)."""
    if not isinstance(signals, dict):
        raise ValidationError("Rate each of the five signals from 1 to 5.", "signals")
    errors: dict[str, str] = {}
    for name in SIGNALS:
        value = signals.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            errors[f"signals.{name}"] = f"Rate {name} from 1 to 5."
    for name in set(signals) - set(SIGNALS):
        errors[f"signals.{name}"] = f"Unknown signal: {name}."
    if errors:
        raise InvalidFieldsError(errors)
    return {name: signals[name] for name in SIGNALS}


def check_commitments(commitments: Any) -> list[dict[str, Any]]:
    """Next steps as implementation intentions: 'if/when …' and 'then I will …'."""
    if not isinstance(commitments, list | tuple):
        raise ValidationError("Next steps must be a list.", "commitments")
    if len(commitments) > MAX_COMMITMENTS:
        raise ValidationError(
            f"Keep it to {MAX_COMMITMENTS} next steps or fewer.", "commitments"
        )
    clean = []
    for i, c in enumerate(commitments):
        if not isinstance(c, dict) or not isinstance(c.get("id"), UUID):
            raise ValidationError("Each next step needs an id.", f"commitments.{i}")
        clean.append(
            {
                "id": c["id"],
                "if_when": require_text(
                    c.get("if_when"),
                    f"commitments.{i}.if_when",
                    "The 'if/when' part",
                    max_len=300,
                ),
                "then": require_text(
                    c.get("then"),
                    f"commitments.{i}.then",
                    "The 'then I will' part",
                    max_len=300,
                ),
            }
        )
    return clean


class Review(MomentumAggregate):
    """A check-in. Commitments are marked kept or missed at the next review."""

    class ReviewRecorded(MomentumAggregate.Created):
        """A member recorded a check-in: signals, reflections, next steps."""

        owner_id: UUID
        period: str
        signals: dict[str, int]
        went_well: str
        stuck_on: str
        lessons: str
        commitments: list[dict[str, Any]]
        visibility: str
        actor_id: UUID

    @event(ReviewRecorded)
    def __init__(
        self,
        owner_id: UUID,
        period: str,
        signals: dict[str, int],
        went_well: str,
        stuck_on: str,
        lessons: str,
        commitments: list[dict[str, Any]],
        visibility: str,
        actor_id: UUID,
    ) -> None:
        self.owner_id = owner_id
        self.period = period
        self.signals = signals
        self.went_well = went_well
        self.stuck_on = stuck_on
        self.lessons = lessons
        self.commitments = commitments
        self.visibility = visibility
        self.outcomes: dict[str, bool] = {}

    @classmethod
    def record(
        cls,
        owner_id: UUID,
        period: str,
        signals: Any,
        commitments: Any,
        visibility: str = "mentors",
        **texts: str,
    ) -> Review:
        """Validate and record a check-in."""
        errors: dict[str, str] = {}
        clean: dict[str, Any] = {}
        checks: dict[str, Callable[[], Any]] = {
            "period": lambda: require_choice(period, PERIODS, "period", "Period"),
            "signals": lambda: check_signals(signals),
            "commitments": lambda: check_commitments(commitments),
            "visibility": lambda: require_visibility(visibility),
        }
        for name, check in checks.items():
            try:
                clean[name] = check()
            except InvalidFieldsError as e:
                errors.update(e.errors)
            except ValidationError as e:
                errors[e.field or name] = e.message
        for name in TEXTS:
            try:
                clean[name] = optional_text(
                    texts.get(name), name, name.replace("_", " ").capitalize()
                )
            except ValidationError as e:
                errors[name] = e.message
        if errors:
            raise InvalidFieldsError(errors)
        return cls(owner_id=owner_id, actor_id=owner_id, **clean)

    def mark_commitment(self, commitment_id: UUID, kept: bool, actor_id: UUID) -> None:
        """Record whether a commitment of this review was kept."""
        if not any(c["id"] == commitment_id for c in self.commitments):
            raise ValidationError(
                "This review has no such commitment.", "commitment_id"
            )
        if str(commitment_id) in self.outcomes:
            raise RuleViolationError("This commitment has already been marked.")
        if kept:
            self._kept(commitment_id=commitment_id, actor_id=actor_id)
        else:
            self._missed(commitment_id=commitment_id, actor_id=actor_id)

    class CommitmentKept(MomentumAggregate.Event):
        """A commitment of this review was marked kept."""

        commitment_id: UUID
        actor_id: UUID

    @event(CommitmentKept)
    def _kept(self, commitment_id: UUID, actor_id: UUID) -> None:
        self.outcomes[str(commitment_id)] = True

    class CommitmentMissed(MomentumAggregate.Event):
        """A commitment of this review was marked missed."""

        commitment_id: UUID
        actor_id: UUID

    @event(CommitmentMissed)
    def _missed(self, commitment_id: UUID, actor_id: UUID) -> None:
        self.outcomes[str(commitment_id)] = False

    def amend(self, changes: dict[str, Any], actor_id: UUID) -> None:
        """Amend the reflection texts, signals or visibility of the review."""
        errors: dict[str, str] = {}
        clean: dict[str, Any] = {}
        for name, value in changes.items():
            try:
                if name in TEXTS:
                    clean[name] = optional_text(
                        value, name, name.replace("_", " ").capitalize()
                    )
                elif name == "signals":
                    clean[name] = check_signals(value)
                elif name == "visibility":
                    clean[name] = require_visibility(value)
                else:
                    raise ValidationError(f"{name} cannot be amended.", name)
            except InvalidFieldsError as e:
                errors.update(e.errors)
            except ValidationError as e:
                errors[e.field or name] = e.message
        if errors:
            raise InvalidFieldsError(errors)
        clean = {k: v for k, v in clean.items() if getattr(self, k) != v}
        if not clean:
            raise ValidationError(
                "Nothing changed: every value is the same as before.", "changes"
            )
        self._amended(changes=clean, actor_id=actor_id)

    class ReviewAmended(MomentumAggregate.Event):
        """The review's texts, signals or visibility were changed (new values only)."""

        changes: dict[str, Any]
        actor_id: UUID

    @event(ReviewAmended)
    def _amended(self, changes: dict[str, Any], actor_id: UUID) -> None:
        for name, value in changes.items():
            setattr(self, name, value)
