"""The forms of the actions pages: log or edit an action, retract one.

The forms only turn text into values (a date, a number, a goal id); every rule about
those values (the 30-day window, the categories, the visibility next to the goal's)
is the domain's, which answers through `submit` on the field it names.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import Optional

from service.domain.action import CATEGORIES
from service.errors import ValidationError
from web.pages.forms import PageForm, options, text_of

CATEGORY_LABELS = {
    "learning": "Learning — a course, certification, workshop, conference or book",
    "networking": "Networking — meeting key people, reaching out, finding mentors",
    "challenge": "Challenge — a stretch project or a new responsibility",
    "visibility": "Visibility — showing your work: a talk, a post, a demo",
    "portfolio": "Portfolio — updating your resume, profile or portfolio",
    "mentoring": "Mentoring — working with a mentor, or mentoring someone",
    "exploration": "Exploration — researching a lateral move or a career change",
    "other": "Other — any other step forward",
}
"""What each category of SPEC 3 covers, as the category picker shows it."""

VISIBILITY_CHOICES = options(
    [
        ("", "Like its goal (mentors when there is no goal)"),
        ("private", "Private — only me"),
        ("mentors", "Mentors — me and my mentors"),
        ("group", "Group — my mentors and my peer groups"),
    ]
)
NO_GOAL = ("", "No goal")
FIELDS = {"goal_id": "goal"}
"""The domain's field names that the action form calls differently."""


def local_path(target: str | None) -> str:
    """`target` if it is a path on this site, else '' (never off-site)."""
    target = (target or "").strip()
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return ""


class ActionForm(PageForm):
    """An action: what, which kind, towards which goal, when, and who sees it."""

    title = StringField("What did you do?")
    category = SelectField(
        "Category",
        choices=options((name, CATEGORY_LABELS[name]) for name in CATEGORIES),
        default="learning",
        validate_choice=False,
    )
    goal = SelectField(
        "Towards goal", choices=options([NO_GOAL]), validate_choice=False
    )
    notes = TextAreaField("Notes")
    minutes = IntegerField("Minutes spent", validators=[Optional()])
    occurred_on = DateField("When", validators=[Optional()])
    evidence_url = URLField("Evidence link")
    win = BooleanField("This was a small win worth celebrating")
    visibility = SelectField(
        "Who can see it", choices=VISIBILITY_CHOICES, validate_choice=False
    )
    next = HiddenField()

    def goal_id(self) -> UUID | None:
        """The chosen goal (None for no goal); a ValidationError for a forged id."""
        raw = text_of(self.goal)
        if not raw:
            return None
        try:
            return UUID(raw)
        except ValueError:
            raise ValidationError("Choose one of your goals.", "goal_id") from None

    def fields(self) -> dict[str, Any]:
        """The action's fields as the domain names them."""
        return {
            "title": text_of(self.title),
            "category": text_of(self.category),
            "goal_id": self.goal_id(),
            "notes": self.notes.data or "",
            "minutes": self.minutes.data,
            "occurred_on": self.occurred_on.data,
            "evidence_url": text_of(self.evidence_url) or None,
            "win": bool(self.win.data),
            "visibility": text_of(self.visibility) or None,
        }

    def set_goals(self, goals: list[tuple[str, str]]) -> None:
        """Offer these goals, (id, title), after 'No goal'."""
        self.goal.choices = options([NO_GOAL, *goals])


class RetractForm(PageForm):
    """Taking an action back, with an optional reason."""

    reason = TextAreaField("Why are you taking it back? (optional)")
