"""The forms of the review pages: the check-in, amending one, marking a commitment.

The five signals are radio groups whose values go to the domain as they are (a
missing or out-of-range rating is the domain's to refuse, next to its group). Next
steps are rows of "if/when …" + "then I will …"; empty rows are left out, and the
domain's `commitments.<i>.<part>` errors land on the row they came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast
from uuid import UUID

from wtforms import (
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)

from service import commands as c
from service.domain.review import MAX_COMMITMENTS, PERIODS, SIGNALS
from web.pages.forms import PageForm, options, text_of

SIGNAL_SCALES = {
    "motivation": ("I drag myself to work", "I look forward to my work"),
    "focus": ("Scattered; little gets done", "Focused and getting things done"),
    "learning": ("I am not learning anything new", "I learn something every week"),
    "recognition": ("I feel undervalued", "My work is seen and valued"),
    "satisfaction": ("Deeply dissatisfied", "Content with where I am heading"),
}
"""What 1 and 5 mean for each signal (SPEC 1: the signs of a rut)."""

PROMPTS = {
    "went_well": (
        "What went well?",
        "Wins, small or big, and what made them possible.",
    ),
    "stuck_on": (
        "Where am I stuck?",
        "What feels unfulfilling, which skills lie unused, whether your daily work "
        "serves your long-term aims, which outside factors limit your growth.",
    ),
    "lessons": (
        "Lessons from setbacks",
        "A setback is something to learn from: what will you do differently?",
    ),
}
"""The reflection prompts (SPEC 1), as (label, hint)."""

VISIBILITY_CHOICES = options(
    [
        ("mentors", "Mentors — me and my mentors"),
        ("private", "Private — only me"),
        ("group", "Group — my mentors and my peer groups"),
    ]
)
RATINGS = options((str(n), str(n)) for n in range(1, 6))
"""1 to 5 (sent as text; `_coerce_rating` makes them numbers)."""
OUTCOME_CHOICES = options(
    [("kept", "Kept"), ("missed", "Missed"), ("", "Leave open for now")]
)
ROWS = 3
"""Empty next-step rows the form offers at first."""


def _coerce_rating(value: Any) -> int | None:
    """A posted rating as a number; anything unreadable is passed on as 0, so the
    domain says what a rating must be."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _rating(label: str) -> RadioField:
    """A 1–5 radio group; its value is the domain's to check."""
    return RadioField(
        label, choices=RATINGS, coerce=_coerce_rating, validate_choice=False
    )


class StepRow(Form):  # type: ignore[misc]
    """One next step as an implementation intention."""

    if_when = StringField("If/when …")
    then = StringField("then …")


class SignalsForm(PageForm):
    """The five signals and the three reflections (shared by record and amend)."""

    motivation = _rating("Motivation")
    focus = _rating("Focus")
    learning = _rating("Learning")
    recognition = _rating("Recognition")
    satisfaction = _rating("Satisfaction")
    went_well = TextAreaField(PROMPTS["went_well"][0])
    stuck_on = TextAreaField(PROMPTS["stuck_on"][0])
    lessons = TextAreaField(PROMPTS["lessons"][0])
    visibility = SelectField(
        "Who can see this review",
        choices=VISIBILITY_CHOICES,
        default="mentors",
        validate_choice=False,
    )

    def signals(self) -> dict[str, Any]:
        """The five ratings as the domain names them."""
        return {name: getattr(self, name).data for name in SIGNALS}

    def texts(self) -> dict[str, str]:
        """The three reflections."""
        return {name: getattr(self, name).data or "" for name in PROMPTS}

    def add_error(self, field: str | None, message: str) -> None:
        """Domain names such as `signals.focus` land on the radio group."""
        if field and field.startswith("signals."):
            field = field.removeprefix("signals.")
        super().add_error(field, message)


class ReviewForm(SignalsForm):
    """A check-in: period, signals, reflections, next steps, and the outcomes of
    the previous review's commitments (fields `outcome_<commitment id>`)."""

    period = SelectField(
        "Period",
        choices=options((p, p.capitalize()) for p in PERIODS),
        default="weekly",
        validate_choice=False,
    )
    steps = FieldList(FormField(StepRow), min_entries=ROWS, max_entries=MAX_COMMITMENTS)
    sent_rows: list[int]

    def commitments(self) -> tuple[c.NewCommitment, ...]:
        """The filled rows (remembering which row each came from, for errors)."""
        self.sent_rows = []
        found = []
        for i, row in enumerate(self.steps.entries):
            if_when, then = text_of(row["if_when"]), text_of(row["then"])
            if if_when or then:
                self.sent_rows.append(i)
                found.append(c.NewCommitment(if_when, then))
        return tuple(found)

    def outcome_fields(self) -> list[RadioField]:
        """One radio group per open commitment of the previous review."""
        return [f for f in self if f.name.startswith("outcome_")]

    def outcomes(self, review_id: UUID) -> tuple[c.CommitmentOutcome, ...]:
        """The commitments of review `review_id` marked kept or missed."""
        return tuple(
            c.CommitmentOutcome(
                review_id, UUID(hex=f.name.removeprefix("outcome_")), f.data == "kept"
            )
            for f in self.outcome_fields()
            if f.data in ("kept", "missed")
        )

    def add_error(self, field: str | None, message: str) -> None:
        """`commitments.<i>.<part>` lands on its row; `outcomes.<i>` on its group."""
        parts = (field or "").split(".")
        if parts[0] == "commitments" and len(parts) == 3 and parts[1].isdigit():
            rows = getattr(self, "sent_rows", [])
            index = int(parts[1])
            if index < len(rows):
                target = self.steps.entries[rows[index]][parts[2]]
                target.errors = [*target.errors, message]
                return
        if parts[0] == "outcomes" and len(parts) == 2 and parts[1].isdigit():
            marked = [f for f in self.outcome_fields() if f.data in ("kept", "missed")]
            if int(parts[1]) < len(marked):
                marked[int(parts[1])].errors = [message]
                return
        super().add_error(field, message)


def review_form_with(open_commitments: Iterable[Any]) -> type[ReviewForm]:
    """The review form asking, for each open commitment, whether it was kept."""
    attrs = {
        f"outcome_{x.id.hex}": RadioField(
            f"{x.if_when}, then {x.then}",
            choices=OUTCOME_CHOICES,
            default="",
            validate_choice=False,
        )
        for x in open_commitments
    }
    return cast(type[ReviewForm], type("ReviewFormWithOutcomes", (ReviewForm,), attrs))


class AmendForm(SignalsForm):
    """Amending a review: its signals, reflections and visibility."""


class MarkForm(PageForm):
    """Marking one commitment kept or missed."""

    kept = SelectField(
        "Outcome",
        choices=options([("kept", "Kept"), ("missed", "Missed")]),
        validate_choice=False,
    )
