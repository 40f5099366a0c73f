"""The forms of the mentoring pages: invite a mentor, end a mentorship, answer or
make a suggestion."""

from __future__ import annotations

from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from web.pages.forms import PageForm


class InviteForm(PageForm):
    """Invite someone, by email, to mentor me."""

    mentor_email = StringField(
        "Your mentor's email", render_kw={"type": "email", "autocomplete": "email"}
    )
    message = TextAreaField("A message for them (optional)")


class EndForm(PageForm):
    """End a mentorship (or withdraw an invitation), optionally saying why."""

    reason = TextAreaField("Why (optional)")


class AnswerForm(PageForm):
    """Accept or decline: one button (the optional reason is for declining)."""

    reason = StringField("Why not (optional)")


class SuggestionForm(PageForm):
    """A milestone or an action a mentor suggests for one of the mentee's goals."""

    goal = SelectField("For the goal", choices=[])
    kind = RadioField(
        "Suggest",
        choices=[
            SelectChoice("milestone", "A milestone"),
            SelectChoice("action", "An action"),
        ],
        default="milestone",
    )
    title = StringField("Title")
    note = TextAreaField("Note (optional)")
    due_on = DateField("Due on (optional)", validators=[Optional()])
