"""My history (issue 17): every event I caused or that concerns my items, newest
first, as a table: when, who, what, on which item, and what it said or changed
(before → after). The same reads as `GET /api/v1/me/history` (`web.common.history`);
filters by kind (a GET form) and item (a link on each row); older pages by cursor.
Linked from the settings page, beside "Download all my data".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template, request, url_for
from wtforms import Form, HiddenField, SelectField

from service.errors import ValidationError
from web.common.history import (
    FREE_TEXT,
    KIND_LABELS,
    MEMBER_FIELDS,
    NOT_SHOWN,
    HistoryItem,
    label_of,
    my_history,
)
from web.pages.forms import INVALID, options
from web.pages.goals_history import show_value
from web.pages.session import me, page_blueprint, viewer
from web.pages.when import Moment, owners_moment

bp = page_blueprint("history", __name__)

PAGE_SIZE = 50
ITEM_PAGES = {
    "goal": ("goals.show", "goal_id", "goal"),
    "action": ("actions.show", "action_id", "action"),
    "review": ("reviews.show", "review_id", "review"),
}
"""An item kind's page: (endpoint, its id argument, the word for it)."""


class HistoryFilterForm(Form):  # type: ignore[misc]
    """The filters (a GET form: no CSRF, bookmarkable)."""

    kind = SelectField(
        "Kind",
        choices=options([("", "Everything"), *KIND_LABELS.items()]),
        validate_choice=False,
    )
    item = HiddenField()


@dataclass(frozen=True)
class Detail:
    """One line of what an event said or changed."""

    label: str
    value: str
    before: str | None = None
    free_text: bool = False


@dataclass(frozen=True)
class Link:
    """A link to an item, in words."""

    text: str
    url: str | None
    item_id: str | None
    """What `?item=` narrows the history to for this row."""


@dataclass(frozen=True)
class Row:
    """One event as the table shows it."""

    item: HistoryItem
    when: Moment
    on: Link
    details: list[Detail]


def _words(value: Any) -> str:
    """A stored value in words (JSON-ready: dates are ISO strings)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(_words(v) for v in value) or "—"
    if isinstance(value, dict) and "if_when" in value:
        return f"{value.get('if_when')} → {value.get('then')}"
    if isinstance(value, dict) and "target" not in value:
        shown = [f"{k} {_words(v)}" for k, v in value.items() if k != "id"]
        return ", ".join(shown) or "—"
    return show_value(value)


def _changes(item: HistoryItem) -> list[Detail]:
    """Before → after, the signals of a review one by one."""
    found = []
    for change in item.changes:
        before, after = change.before, change.after
        if isinstance(before, dict) and isinstance(after, dict):
            found += [
                Detail(label_of(k), _words(after.get(k)), _words(before.get(k)))
                for k in after
                if before.get(k) != after.get(k)
            ]
            continue
        found.append(Detail(change.label, _words(after), _words(before)))
    return found


def _details(item: HistoryItem) -> list[Detail]:
    """What the event said (content only where shown), then what it changed: a
    field changed is shown once, before → after; a settings event (it gives a
    whole part of the settings again) shows only what changed."""
    data = item.data or {}
    if item.aggregate_type == "Member" and item.changes:
        data = {}
    changed = {change.field for change in item.changes}
    found = []
    for name, value in data.items():
        if name in NOT_SHOWN or name in changed:
            continue
        if value in ("", None, [], {}) or value is False:
            continue
        if name == "title" and value == item.title:
            continue  # in the item column
        if name in MEMBER_FIELDS:
            value = item.names.get(str(value), str(value))
        label = "Milestone" if name == "title" and "Milestone" in item.type else None
        found.append(
            Detail(label or label_of(name), _words(value), free_text=name in FREE_TEXT)
        )
    return [*found, *_changes(item)]


def _url(endpoint: str, arg: str, item_id: str) -> str:
    values: dict[str, Any] = {arg: item_id}
    return url_for(endpoint, **values)


def _on(item: HistoryItem) -> Link:
    """The item an event happened to (or is about), linked where it has a page."""
    kind = item.aggregate_type.lower()
    if kind in ITEM_PAGES:
        endpoint, arg, word = ITEM_PAGES[kind]
        url = _url(endpoint, arg, item.item_id)
        text = f"{word.capitalize()}: {item.title}" if item.title else f"Your {word}"
        return Link(text, url, item.item_id)
    if item.about_kind in ITEM_PAGES and item.about_id:
        endpoint, arg, word = ITEM_PAGES[item.about_kind]
        url = _url(endpoint, arg, item.about_id)
        owner = item.about_owner or ""
        whose = (
            "your" if owner == str(me()) else item.names.get(owner, "a member") + "’s"
        )
        return Link(f"On {whose} {word}", url, item.about_id)
    if kind == "group":
        return Link(
            "Group", url_for("groups.show", group_id=item.item_id), item.item_id
        )
    if kind == "mentorship":
        return Link("Mentorship", url_for("mentoring.index"), item.item_id)
    if kind == "member" and item.item_id == str(me()):
        return Link("Your account", url_for("settings.index"), item.item_id)
    if kind == "member":
        return Link(f"{item.names.get(item.item_id, 'A member')}’s account", None, None)
    return Link("API token", None, None)


def _arg(name: str) -> str | None:
    """A query argument as given (None if blank)."""
    return request.args.get(name, "").strip() or None


@bp.get("/settings/history")
def index() -> str | tuple[str, int]:
    """My history: a page of it, newest first, filtered by kind and item."""
    kind, item, cursor = _arg("kind"), _arg("item"), _arg("cursor")
    form = HistoryFilterForm(request.args)
    zone = viewer().timezone
    try:
        page = my_history(me(), kind=kind, item=item, cursor=cursor, limit=PAGE_SIZE)
    except ValidationError as error:
        if error.field == "kind":
            form.kind.errors = [error.message]
        message = error.message if error.field != "kind" else ""
        html = render_template(
            "history/index.html", rows=[], form=form, error=message, failed=True
        )
        return html, INVALID
    rows = [
        Row(i, owners_moment(i.time, zone, zone), _on(i), _details(i))
        for i in page.items
    ]
    keep: dict[str, Any] = {"kind": kind, "item": item}
    return render_template(
        "history/index.html",
        rows=rows,
        form=form,
        item=item,
        kind=kind,
        older=url_for("history.index", **keep, cursor=page.next_cursor)
        if page.next_cursor
        else None,
        newest=url_for("history.index", **keep) if cursor else None,
    )
