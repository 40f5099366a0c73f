"""The journal: a member's entries as the viewer may see them (SPEC 4 Journal, 7, 9).

The same reads as `web.api.journal`: `journal_queries.entries` with the viewer, so
a mentor sees a mentee's `mentors` and `group` items and never `private` ones, and a
member whose journal the viewer may not see is a 404 (`relations.visible_levels`).
Filters are a GET form; pages go back in time with the query's cursor.

`?as_of=YYYY-MM-DD` shows the journal as it was at the end of a past day (entries,
titles, counts and feedback of then, as far as the viewer may see them now), with
a banner and a link back to now, filters and pages staying on that day, and no form
that writes (`web.pages.as_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from flask import current_app, render_template, request, url_for
from sqlalchemy import Connection
from wtforms import Form, HiddenField, SelectField

from projections import journal_queries as jq
from projections.goals_queries import goal_board
from projections.relations import member_names, member_timezone, visible_levels
from service.errors import NotFoundError, ValidationError
from web.common.journal import journal_page
from web.pages.as_of import AsOf, page_reading
from web.pages.feedback import NoteView, notes_on
from web.pages.forms import INVALID, options
from web.pages.session import me, page_blueprint, viewer
from web.pages.when import Moment, owners_moment
from web.system import current_system as system

bp = page_blueprint("journal", __name__)

PAGE_SIZE = 25
KIND_LABELS = {
    "action": "Action",
    "wins": "Wins",
    "review": "Review",
    "goals": "Any goal event",
    "milestones": "Milestones",
    "goal_set": "Goal set",
    "goal_revised": "Goal revised",
    "milestone_added": "Milestone added",
    "milestone_completed": "Milestone completed",
    "milestone_reopened": "Milestone reopened",
    "progress": "Progress",
    "goal_paused": "Goal paused",
    "goal_resumed": "Goal resumed",
    "goal_achieved": "Goal achieved",
    "goal_abandoned": "Goal abandoned",
}
"""How each entry kind, and each filter, reads on the page."""


class JournalFilter(Form):  # type: ignore[misc]
    """The filters (a GET form: no CSRF, bookmarkable)."""

    kind = SelectField(
        "Kind",
        choices=options([("", "All entries"), *KIND_LABELS.items()]),
        validate_choice=False,
    )
    goal = SelectField(
        "Goal", choices=options([("", "All goals")]), validate_choice=False
    )
    member = HiddenField()


@dataclass(frozen=True)
class Row:
    """An entry as the page shows it: the entry, when (on its owner's clock), its
    goal, and on a past day its feedback of then (None: read it now)."""

    entry: jq.JournalEntry
    when: Moment
    goal_title: str | None
    notes: list[NoteView] | None = None


def journal_entries(
    viewer_id: UUID,
    *,
    member_id: str | None = None,
    kind: str | None = None,
    goal_id: str | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    conn: Connection | None = None,
) -> jq.JournalPage:
    """A page of entries the viewer may see: `journal_page`, which the API reads
    too, with the pages' page size (from `conn` if given: a past day's)."""
    return journal_page(
        viewer_id,
        limit=limit,
        cursor=cursor,
        member_id=member_id,
        kind=kind,
        goal_id=goal_id,
        conn=conn,
    )


def _member() -> str:
    """Whose journal: `?member=` if the viewer may see any of it, else 404."""
    raw = request.args.get("member") or str(me())
    try:
        member = str(UUID(raw))
    except ValueError:
        raise NotFoundError("No such member.") from None
    if member != str(me()):
        with system().read() as conn:
            if not visible_levels(conn, str(me()), member):
                raise NotFoundError("No such member.")
    return member


def _goal_filter() -> str | None:
    raw = request.args.get("goal") or None
    if raw is None:
        return None
    try:
        return str(UUID(raw))
    except ValueError:
        raise ValidationError("Choose one of the goals listed.", "goal") from None


def _page_links(
    next_cursor: str | None, kind: str | None, goal: str | None, as_of: AsOf
) -> dict[str, str | None]:
    """Links to the newest page (when paged back) and to older entries (if any),
    keeping the filters and the past day."""
    keep: dict[str, Any] = {
        "member": request.args.get("member") or None,
        "kind": kind,
        "goal": goal,
        "as_of": as_of.day.isoformat() if as_of.day else None,
    }
    newest = url_for("journal.index", **keep) if request.args.get("cursor") else None
    older = (
        url_for("journal.index", **keep, cursor=next_cursor) if next_cursor else None
    )
    return {"newest": newest, "older": older}


@bp.get("/journal")
def index() -> str | tuple[str, int]:
    """Journal entries visible to me: mine, or `?member=`'s; filters; older pages;
    now or (`?as_of=`) at the end of a past day (no date: 422, the error by the
    date field)."""
    member, goal = _member(), _goal_filter()
    kind = request.args.get("kind") or None
    own = member == str(me())
    with system().read() as conn:
        name = member_names(conn, [member]).get(member, "")
        zone = member_timezone(conn, member) or viewer().timezone
    what = "your journal" if own else f"{name or 'this member'}’s journal"
    with page_reading(member, what, me()) as (found, as_of):
        page = journal_entries(
            me(),
            member_id=member,
            kind=kind,
            goal_id=goal,
            cursor=request.args.get("cursor") or None,
            conn=found.conn,
        )
        goals = {
            card.goal_id: card.title
            for card in goal_board(found.conn, str(me()), member, found.now)
        }
        past = found.conn if as_of.past else None
        clock = as_of.past.timezone if as_of.past and own else None
        notes = {
            e.entry_id: notes_on(e.item_kind, e.item_id, past, clock)
            for e in page.entries
            if past is not None and e.feedback_count
        }
    mine = viewer().timezone
    if as_of.past:  # on the owner's clock of then (theirs, if it is their journal)
        zone = as_of.past.timezone
        mine = zone if own else mine
    filters = JournalFilter(request.args)
    filters.goal.choices = options([("", "All goals"), *goals.items()])
    rows = [
        Row(
            e,
            owners_moment(e.at, zone, mine),
            goals.get(e.goal_id or ""),
            notes.get(e.entry_id),
        )
        for e in page.entries
    ]
    body = render_template(
        "journal/index.html",
        rows=rows,
        filters=filters,
        mine=own,
        member_name=name,
        kind_labels=KIND_LABELS,
        **_page_links(page.next_cursor, kind, goal, as_of),
        goal_page="goals.show" in current_app.view_functions,
        here=request.full_path.rstrip("?"),
        as_of=as_of,
        as_of_what=what,
        keep={"member": request.args.get("member"), "kind": kind, "goal": goal},
    )
    return (body, INVALID) if as_of.error else body
