"""Rendering digests: a subject line, plain text and HTML from Jinja2 template pairs
under `notify/templates/digests/` (`<kind>.txt`, `<kind>.html`); reminders use the
same environment and layout (`notify/templates/reminders/`, `notify.reminders`).

The Environment is this module's own, with no Flask in sight, so the scheduler
process renders exactly what the web preview shows. HTML templates autoescape
(every name, title and note is someone's free text); text templates do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notify.digest_model import (
    Digest,
    MemberDigest,
    MentorDigest,
    Period,
    ShowsMomentum,
)

TEMPLATES = Path(__file__).parent / "templates"


def signed(number: int) -> str:
    """+3, −2 or ±0: a change as people read it."""
    if number > 0:
        return f"+{number}"
    return f"\u2212{-number}" if number < 0 else "\u00b10"


def plural(count: int, singular: str, many: str | None = None) -> str:
    """`1 action`, `2 actions` (or the given plural)."""
    word = singular if count == 1 else (many or f"{singular}s")
    return f"{count} {word}"


def momentum(of: ShowsMomentum) -> str:
    """Momentum as the pages show it: `73`, or above the target pace `100+ (188% of
    pace)` (the label of `projections.formulas.momentum_label`, the pace beside)."""
    if of.above_pace:
        return f"{of.momentum_label} ({of.pace}% of pace)"
    return of.momentum_label


def day(value: date) -> str:
    """A date as `Mon 2 Mar`."""
    return f"{value:%a} {value.day} {value:%b}"


def span(period: Period) -> str:
    """The period's days: `Mon 2 Mar – Sun 8 Mar`, or one day."""
    if period.first_day == period.last_day:
        return day(period.first_day)
    return f"{day(period.first_day)} \u2013 {day(period.last_day)}"


def until(due_on: date, today: date) -> str:
    """`today`, `tomorrow` or `in 3 days`."""
    days = (due_on - today).days
    if days <= 0:
        return "today"
    return "tomorrow" if days == 1 else f"in {days} days"


def make_environment() -> Environment:
    """The digests' Jinja2 environment (autoescape for .html, strict undefined)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        signed=signed,
        plural=plural,
        momentum=momentum,
        day=day,
        span=span,
        until=until,
    )
    return env


ENVIRONMENT = make_environment()


@dataclass(frozen=True)
class RenderedDigest:
    """A digest ready to send: subject, both bodies, and whether to skip it."""

    kind: str
    subject: str
    text: str
    html: str
    empty: bool


def _when(digest: Digest) -> str:
    return "yesterday" if digest.period.kind == "daily" else "this week"


def subject(digest: Digest) -> str:
    """The subject line: the one thing worth reading first."""
    when = _when(digest)
    if isinstance(digest, MemberDigest):
        return (
            f"Your momentum {when}: {plural(digest.actions, 'action')}, "
            f"momentum {momentum(digest)}"
        )
    if isinstance(digest, MentorDigest):
        first = digest.needs_attention[:1]
        if first:
            return f"Your mentees {when}: {first[0].display_name} needs you first"
        return f"Your mentees {when}: {plural(len(digest.mentees), 'mentee')}"
    if len(digest.groups) == 1:
        group = digest.groups[0]
        return f"{group.name} {when}: {plural(group.actions, 'action')}"
    return f"Your groups {when}: {plural(len(digest.groups), 'group')}"


def render(digest: Digest, base_url: str = "") -> RenderedDigest:
    """The digest as an email's subject, plain text and HTML."""
    context = {
        "digest": digest,
        "to": digest.to,
        "base_url": base_url.rstrip("/"),
        "when": _when(digest),
    }
    name = f"digests/{digest.kind}"
    return RenderedDigest(
        kind=digest.kind,
        subject=subject(digest),
        text=ENVIRONMENT.get_template(f"{name}.txt").render(context),
        html=ENVIRONMENT.get_template(f"{name}.html").render(context),
        empty=digest.empty,
    )
