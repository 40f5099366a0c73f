"""The goal pages' forms, and how each turns into the fields of a goal command.

No SMART rule lives here: the forms only gather values (empty stays empty) and the
domain decides what is wrong; `DOMAIN_FIELDS` says where its messages go.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from wtforms import (
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from service import commands as c
from web.common.goals import GoalOut
from web.pages.forms import PageForm, text_of

HORIZONS = [
    SelectChoice("short", "Short term — a skill, a stretch project, key people"),
    SelectChoice("long", "Long term — a promotion, a new industry, a leadership role"),
]
VISIBILITIES = [
    SelectChoice("private", "Only me"),
    SelectChoice("mentors", "Me and my mentors"),
    SelectChoice("group", "My mentors and my peer groups"),
]
F = TypeVar("F", bound=type[PageForm])
MILESTONE_ROWS = 3
"""How many first milestones the new-goal form offers."""

DOMAIN_FIELDS = {
    "metric": "metric_name",
    "metric.name": "metric_name",
    "metric.unit": "metric_unit",
    "metric.baseline": "metric_baseline",
    "metric.target": "metric_target",
}
"""The domain's names of goal fields → the form's, where they differ."""


class GoalFieldsForm(PageForm):
    """The fields of a SMART goal (shared by setting and revising)."""

    title = StringField("Title")
    horizon = RadioField(
        "Horizon", choices=HORIZONS, default="short", validate_choice=False
    )
    why = TextAreaField("Why it matters to you")
    description = TextAreaField("Description (optional)")
    due_on = DateField("Due date", validators=[Optional()])
    visibility = RadioField(
        "Who can see it", choices=VISIBILITIES, default="mentors", validate_choice=False
    )
    metric_name = StringField("Metric (optional)")
    metric_unit = StringField("Unit")
    metric_baseline = FloatField("Baseline: where you start", validators=[Optional()])
    metric_target = FloatField("Target: where you aim", validators=[Optional()])

    def metric(self) -> dict[str, Any] | None:
        """The metric the form describes; None when all its fields are empty."""
        values = {
            "name": text_of(self.metric_name),
            "unit": text_of(self.metric_unit),
            "baseline": self.metric_baseline.data,
            "target": self.metric_target.data,
        }
        if not any(v not in ("", None) for v in values.values()):
            return None
        return values

    def goal_fields(self) -> dict[str, Any]:
        """Every goal field as the domain names it."""
        return {
            "title": text_of(self.title),
            "horizon": text_of(self.horizon),
            "why": text_of(self.why),
            "description": text_of(self.description),
            "due_on": self.due_on.data,
            "visibility": text_of(self.visibility),
            "metric": self.metric(),
        }


def _milestone_fields(cls: F) -> F:
    """Add `milestone_<n>_title` and `milestone_<n>_due_on` rows to a form class."""
    for n in range(1, MILESTONE_ROWS + 1):
        setattr(cls, f"milestone_{n}_title", StringField(f"Milestone {n}"))
        setattr(
            cls,
            f"milestone_{n}_due_on",
            DateField(f"Milestone {n} due date", validators=[Optional()]),
        )
    return cls


@_milestone_fields
class NewGoalForm(GoalFieldsForm):
    """A new SMART goal with its first milestones (rows left empty are skipped)."""

    def milestone_rows(self) -> list[tuple[int, str, date | None]]:
        """The filled-in rows: (row number, title, due date)."""
        rows = []
        for n in range(1, MILESTONE_ROWS + 1):
            title = text_of(self[f"milestone_{n}_title"])
            due_on = self[f"milestone_{n}_due_on"].data
            if title or due_on:
                rows.append((n, title, due_on))
        return rows

    def command(self, actor_id: Any) -> c.SetGoal:
        """The SetGoal command this form describes."""
        fields = self.goal_fields()
        return c.SetGoal(
            actor_id=actor_id,
            title=fields["title"],
            horizon=fields["horizon"],
            why=fields["why"],
            due_on=fields["due_on"],
            description=fields["description"],
            metric=fields["metric"],
            visibility=fields["visibility"],
            milestones=tuple(
                c.NewMilestone(title, due_on)
                for _, title, due_on in self.milestone_rows()
            ),
        )

    def domain_fields(self) -> dict[str, str]:
        """`DOMAIN_FIELDS` plus `milestones.<i>.<field>` → the i-th filled row."""
        names = dict(DOMAIN_FIELDS)
        for i, (n, _, _) in enumerate(self.milestone_rows()):
            for part in ("title", "due_on"):
                names[f"milestones.{i}.{part}"] = f"milestone_{n}_{part}"
        return names


class ReviseGoalForm(GoalFieldsForm):
    """A revision: the goal's fields as they are now, to edit, and a reason."""

    reason = TextAreaField("Why are you changing it?")
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    @classmethod
    def current_values(cls, goal: GoalOut) -> dict[str, Any]:
        """The form's initial data: the goal as it is."""
        metric = goal.metric
        return {
            "title": goal.title,
            "horizon": goal.horizon,
            "why": goal.why,
            "description": goal.description,
            "due_on": goal.due_on,
            "visibility": goal.visibility,
            "metric_name": metric.name if metric else "",
            "metric_unit": metric.unit if metric else "",
            "metric_baseline": metric.baseline if metric else None,
            "metric_target": metric.target if metric else None,
            "version": goal.version,
        }

    def changes(self, goal: GoalOut) -> dict[str, Any]:
        """Only the fields that differ from the goal now (the unchanged ones are not
        sent, so an overdue goal can still have its title revised)."""
        now = {k: getattr(goal, k) for k in GoalOut.model_fields}
        now["metric"] = goal.metric and goal.metric.model_dump(exclude={"current"})
        return {k: v for k, v in self.goal_fields().items() if now[k] != v}

    def expected_version(self) -> int | None:
        """The version the person edited (a stale revision is refused)."""
        version = self.version.data
        return version if isinstance(version, int) else None


class AddMilestoneForm(PageForm):
    """A new step of the roadmap."""

    milestone_title = StringField("Milestone")
    milestone_due_on = DateField("Due date (optional)", validators=[Optional()])


MILESTONE_FIELDS = {"title": "milestone_title", "due_on": "milestone_due_on"}


class ButtonForm(PageForm):
    """A form that is only a button (complete, reopen, pause, resume)."""


class ProgressForm(PageForm):
    """A new value of the goal's metric."""

    value = FloatField("New value", validators=[Optional()])
    note = TextAreaField("Note (optional)")


class AchieveForm(PageForm):
    """Close the goal as achieved, with a reflection."""

    reflection = TextAreaField("Closing reflection: what did you learn?")

    def note(self) -> str:
        """The command's note."""
        return text_of(self.reflection)


class AbandonForm(PageForm):
    """Close the goal as abandoned, with the reason."""

    reason = TextAreaField("Why are you letting it go?")

    def note(self) -> str:
        """The command's note."""
        return text_of(self.reason)


class PauseForm(ButtonForm):
    """Pause or resume the goal."""

    def note(self) -> str:
        """The command's note (none)."""
        return ""


STATUS_FORMS: dict[str, type[AchieveForm | AbandonForm | PauseForm]] = {
    "pause": PauseForm,
    "resume": PauseForm,
    "achieve": AchieveForm,
    "abandon": AbandonForm,
}
"""The form of each status change."""
