"""The forms of the settings page, and how the settings form becomes one command.

The profile, aspirations, target, digest, reminder and quiet-hour sections are one
form mapped onto `UpdateSettings` (as `PATCH /api/v1/me` is): one save sends every
section, so an error in one section loses nothing typed in another, and nothing is
written unless every section is right. Only the parts that differ from the account
as it is are sent, so saving an unchanged section records nothing about it.

The forms only turn text into values (a number, a date, an hour or none); every rule
about those values (ranges, IANA names, lengths) is the domain's, which answers
through `submit` on the field it names.
"""

from __future__ import annotations

from typing import Any

from wtforms import (
    DateField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import EqualTo, InputRequired

from service import commands as c
from service.domain.member import (
    AWAY_REASONS,
    DEFAULT_PREFERENCES,
    DIGEST_FREQUENCIES,
    REMINDERS,
    SCHEDULE_PREFERENCES,
    Member,
)
from service.domain.timezones import picker_timezones
from web.pages.forms import PageForm, options, text_of

DIGEST_LABELS = {"off": "Off", "daily": "Daily", "weekly": "Weekly"}
WEEKDAYS = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
REMINDER_LABELS = {
    "review_due": "My weekly review is due",
    "milestone_due": "A milestone or goal is due in 3 days",
    "inactivity": "I have logged no action for 10 days",
    "buddy_quiet": "My accountability buddy went quiet",
    "requests_waiting": "A mentorship request or a mentor's suggestion is waiting",
}
AWAY_LABELS = {"holiday": "Holiday", "sick_leave": "Sick leave", "other": "Other"}
HOURS = [(str(hour), f"{hour:02d}:00") for hour in range(24)]
PROFILE = ("display_name", "timezone", "headline")
ASPIRATIONS = ("aspirations", "passions", "strengths")
PREFERENCES = SCHEDULE_PREFERENCES
FIELDS = {f"preferences.{key}": key for key in DEFAULT_PREFERENCES}
"""The domain's field names that the settings form calls differently."""


def number_or_none(value: Any) -> int | str | None:
    """A number from a select ('' for none); what is not a number is left for the
    domain to refuse, in its own words."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.lstrip("-").isdecimal() else text


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]
    """Several choices as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SettingsForm(PageForm):
    """Profile, aspirations, weekly target and notification preferences."""

    display_name = StringField("Display name")
    headline = StringField("Headline")
    timezone = SelectField("Timezone", validate_choice=False)
    aspirations = TextAreaField("Long-term aspirations")
    passions = TextAreaField("Passions")
    strengths = TextAreaField("Strengths")
    weekly_target = IntegerField("Actions per week")
    digest = SelectField(
        "Digest email",
        choices=options((f, DIGEST_LABELS.get(f, f)) for f in DIGEST_FREQUENCIES),
        validate_choice=False,
    )
    mentor_digest = SelectField(
        "Digest of my mentees",
        choices=options((f, DIGEST_LABELS.get(f, f)) for f in DIGEST_FREQUENCIES),
        validate_choice=False,
    )
    group_digest = SelectField(
        "Digest of the groups I facilitate",
        choices=options((f, DIGEST_LABELS.get(f, f)) for f in DIGEST_FREQUENCIES),
        validate_choice=False,
    )
    digest_weekday = SelectField(
        "Day of a weekly digest",
        choices=options((str(i), day) for i, day in enumerate(WEEKDAYS)),
        coerce=number_or_none,
        validate_choice=False,
    )
    digest_hour = SelectField(
        "Hour of the digest",
        choices=options(HOURS),
        coerce=number_or_none,
        validate_choice=False,
    )
    review_weekday = SelectField(
        "My weekly review day",
        choices=options((str(i), day) for i, day in enumerate(WEEKDAYS)),
        coerce=number_or_none,
        validate_choice=False,
    )
    reminders = MultiCheckboxField(
        "Send me a reminder when",
        choices=options((r, REMINDER_LABELS.get(r, r)) for r in REMINDERS),
        validate_choice=False,
    )
    quiet_start = SelectField(
        "Quiet from",
        choices=options([("", "No quiet hours"), *HOURS]),
        coerce=number_or_none,
        validate_choice=False,
    )
    quiet_end = SelectField(
        "Quiet until",
        choices=options([("", "No quiet hours"), *HOURS]),
        coerce=number_or_none,
        validate_choice=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = picker_timezones(self.timezone.data)
        self.timezone.choices = options((zone, zone) for zone in zones)


def initial(member: Member) -> dict[str, Any]:
    """The settings form's values for the account as it is."""
    values: dict[str, Any] = {
        name: getattr(member, name) for name in (*PROFILE, *ASPIRATIONS)
    }
    values["weekly_target"] = member.weekly_target
    values.update(member.preferences)
    return values


def _changed(wanted: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in wanted.items() if current.get(key) != value}


def settings_command(
    form: SettingsForm, member: Member, reminders_sent: bool
) -> c.UpdateSettings | None:
    """The one command the form asks for (only what differs), or None if nothing
    differs. `reminders_sent`: the form carried the reminder checkboxes (a form
    without them leaves the reminders as they are)."""
    now = initial(member)
    profile = _changed({k: text_of(getattr(form, k)) for k in PROFILE}, now)
    aspirations = _changed({k: text_of(getattr(form, k)) for k in ASPIRATIONS}, now)
    wanted = {key: getattr(form, key).data for key in PREFERENCES}
    if reminders_sent:
        sent = [r for r in form.reminders.data or [] if r]
        known = [r for r in REMINDERS if r in sent]
        wanted["reminders"] = known + [r for r in sent if r not in REMINDERS]
    preferences = _changed(wanted, now)
    target = form.weekly_target.data
    target = None if target == member.weekly_target else target
    if not (profile or aspirations or preferences or target is not None):
        return None
    return c.UpdateSettings(
        member.id,
        profile=profile or None,
        aspirations=aspirations or None,
        weekly_target=target,
        preferences=preferences or None,
    )


class AwayPeriodForm(PageForm):
    """Days away, first and last included."""

    starts_on = DateField("First day away", validators=[InputRequired()])
    ends_on = DateField("Last day away", validators=[InputRequired()])
    reason = SelectField(
        "Why",
        choices=options((r, AWAY_LABELS.get(r, r)) for r in AWAY_REASONS),
        validate_choice=False,
    )


class CancelAwayForm(PageForm):
    """Cancel one away period (a one-button form)."""


class PasswordForm(PageForm):
    """The current password and a new one, twice."""

    current_password = PasswordField("Current password")
    new_password = PasswordField("New password (at least 10 characters)")
    new_password_again = PasswordField(
        "New password again",
        validators=[EqualTo("new_password", "The two new passwords differ.")],
    )


class DeleteAccountForm(PageForm):
    """Confirm the erasure with the password."""

    password = PasswordField("Your password")
