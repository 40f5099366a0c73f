"""Links to an item or a member as the signed-in member may see them, so that no
page ends in a dead end: a win's comments open the action with its feedback, a
name opens that person's journal (as far as the viewer may see it), a
notification opens what it is about.

An action has its own page once `actions.show` exists; until then (and for an item
whose place is all we know) the link is its journal entry: the page of the owner's
journal that starts at the entry (its cursor), scrolled to it, where its feedback
is listed.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from flask import Flask, current_app, url_for

from projections.journal_queries import EntryPlace, encode_cursor
from web.pages.session import me

ACTION_PAGE = "actions.show"


def member_url(member_id: str | UUID) -> str:
    """What the viewer may see of a member: their journal (mine: my journal)."""
    if str(member_id) == str(me()):
        return url_for("journal.index")
    return url_for("journal.index", member=str(member_id))


def entry_url(member_id: str | UUID, day: date, entry_id: int) -> str:
    """The owner's journal from this entry on, at the entry (feedback included)."""
    member = None if str(member_id) == str(me()) else str(member_id)
    cursor = encode_cursor(day, entry_id + 1)  # the page that starts at the entry
    return url_for(
        "journal.index", member=member, cursor=cursor, _anchor=f"entry-{entry_id}"
    )


def action_url(action_id: str | UUID, place: EntryPlace | None) -> str | None:
    """An action with its feedback: its own page if there is one, else its journal
    entry (`place`); None if neither is known."""
    if ACTION_PAGE in current_app.view_functions:
        return url_for(ACTION_PAGE, action_id=action_id, _anchor="feedback-heading")
    if place is None:
        return None
    return entry_url(place.member_id, place.day, place.entry_id)


def win_url(member_id: str, item_id: str, day: date, entry_id: int) -> str:
    """Template global: a win's page (its comments included)."""
    place = EntryPlace(member_id, day, entry_id)
    return action_url(item_id, place) or entry_url(member_id, day, entry_id)


def init_app(app: Flask) -> None:
    """Make the links template globals."""
    app.jinja_env.globals.update(member_url=member_url, win_url=win_url)
