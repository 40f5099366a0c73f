"""One-click unsubscribe (RFC 8058): `/unsubscribe/<token>`, no session needed.

The token (`notify.unsubscribe`) names a member and a kind of email. A GET shows
what would be turned off and a button, and changes nothing (mail scanners fetch
links). A POST whose form says `List-Unsubscribe=One-Click` (what a mail client
sends for the `List-Unsubscribe-Post` header, and what the button sends) turns the
kind off through `ChangePreferences` acting as the member, so it shows in their
history, and answers 200. It carries no session and no CSRF token, so the POST is
exempt from CSRF: the signed token is what authorises it, and all it can do is turn
one kind of email off. A tampered or foreign token, or an erased member's, is a
404 and records nothing.

Each digest has its own setting (`digest`, `mentor_digest`, `group_digest`: off,
daily, weekly), so a digest's link turns that digest off and leaves the others; a
reminder kind takes that one reminder out of the member's chosen reminders.
"""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from werkzeug.wrappers import Response

from notify.schedule import DIGEST_PREFERENCE
from notify.unsubscribe import read_unsubscribe_token
from service import commands as c
from service.domain.member import Member
from service.errors import NotFoundError, RuleViolationError, ValidationError
from web.pages.security import csrf
from web.pages.session import page_blueprint
from web.system import current_system as system

bp = page_blueprint("unsubscribe", __name__, signed_in=False)

ONE_CLICK = "One-Click"

REMINDER_LABELS = {
    "review_due": "weekly review reminders",
    "milestone_due": "reminders of milestones and goals due soon",
    "inactivity": "reminders after 10 days without an action",
    "buddy_quiet": "reminders when a buddy went quiet",
    "requests_waiting": "reminders of requests and suggestions waiting",
}


DIGEST_LABELS = {
    "digest:member": "your digest emails",
    "digest:mentor": "your mentees' digest emails",
    "digest:group": "your groups' digest emails",
}


def _what(kind: str) -> str:
    """What turning `kind` off turns off, in words."""
    if kind in DIGEST_LABELS:
        return DIGEST_LABELS[kind]
    return REMINDER_LABELS[kind.removeprefix("reminder:")] + " by email"


def _changes(member: Member, kind: str) -> dict[str, Any]:
    """The preference changes that turn `kind` off ({} if it is off already)."""
    prefs = member.preferences
    if kind in DIGEST_PREFERENCE:
        name = DIGEST_PREFERENCE[kind]
        return {} if prefs[name] == "off" else {name: "off"}
    name = kind.removeprefix("reminder:")
    if name not in prefs["reminders"]:
        return {}
    return {"reminders": [r for r in prefs["reminders"] if r != name]}


def _read(token: str) -> tuple[Member, str]:
    """The member and kind the token names; 404 for a bad token or no member."""
    try:
        member_id, kind = read_unsubscribe_token(system().settings.secret_key, token)
        return system().app.get_member(member_id), kind
    except (ValidationError, NotFoundError):
        abort(404)


@bp.get("/unsubscribe/<token>")
def confirm(token: str) -> str:
    """What the link turns off and a button; changes nothing."""
    member, kind = _read(token)
    return render_template(
        "unsubscribe/confirm.html",
        what=_what(kind),
        already_off=not _changes(member, kind),
        one_click=ONE_CLICK,
    )


@bp.post("/unsubscribe/<token>")
def one_click(token: str) -> str | tuple[str, int] | Response:
    """Turn the kind off (RFC 8058's `List-Unsubscribe=One-Click`)."""
    if request.form.get("List-Unsubscribe") != ONE_CLICK:
        abort(400)
    member, kind = _read(token)
    changes = _changes(member, kind)
    if changes:
        command = c.ChangePreferences(actor_id=member.id, changes=changes)
        try:
            system().write(command)
        except (NotFoundError, RuleViolationError):  # erased meanwhile
            abort(404)
    return render_template("unsubscribe/done.html", what=_what(kind))


csrf.exempt(one_click)  # the signed token authorises it (module docstring)
