"""What digests read from the read models, for many members at once.

Each function runs the same one or two statements whatever the number of members,
so composing thousands of digests costs a handful of queries per chunk (SPEC 11).
Members live in different timezones, so functions take the widest window any of
them needs and callers narrow it to each member's own days. Functions that list
someone's items take the visibilities the reader may see (SPEC 9).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Connection, and_, func, select

from projections import goals as g
from projections import journal as j
from projections.formulas import is_stalled
from projections.metrics import reviews as review_points
from projections.notifications_facts import inbox
from projections.relations import members
from service.clock import local_date
from service.domain.base import VISIBILITIES
from service.domain.goal import progress_percent

_author = members.alias("author")


@dataclass(frozen=True)
class Entry:
    """A journal entry worth a line: a win or a check-in."""

    member_id: str
    member_name: str
    item_id: str
    day: date
    title: str
    summary: str
    visibility: str


@dataclass(frozen=True)
class Received:
    """Feedback or a cheer on one of the member's items."""

    member_id: str
    author_id: str
    author_name: str
    at: datetime
    item_kind: str
    item_title: str
    text: str  # the feedback; empty for a cheer


@dataclass(frozen=True)
class Due:
    """An open milestone or an active goal falling due."""

    member_id: str
    goal_id: str
    goal_title: str
    title: str  # the milestone's, or the goal's own for its due date
    kind: str  # "milestone" or "goal"
    due_on: date
    item_id: str  # the milestone's id, or the goal's


@dataclass(frozen=True)
class Stalled:
    """An active goal with no action or progress for 14 days, or due soon and
    under half done (SPEC 5)."""

    member_id: str
    goal_id: str
    title: str
    visibility: str
    due_on: date
    progress: float
    days_quiet: int  # since the last action or progress (or since it was set)


def action_days(
    conn: Connection, ids: Collection[str], first: date, last: date
) -> dict[str, dict[date, int]]:
    """Per member, how many actions they logged on each day from `first` to `last`."""
    e = j.entries.c
    rows = conn.execute(
        select(e.member_id, e.day, func.count())
        .where(e.member_id.in_(ids), e.kind == "action", e.day >= first, e.day <= last)
        .group_by(e.member_id, e.day)
    )
    found: dict[str, dict[date, int]] = defaultdict(dict)
    for member_id, day, count in rows:
        found[member_id][day] = count
    return found


def _entries(
    conn: Connection,
    ids: Collection[str],
    first: date,
    last: date,
    visibilities: Collection[str],
    *conditions: ColumnElement[bool],
) -> dict[str, list[Entry]]:
    e, i = j.entries.c, j.items.c
    rows = conn.execute(
        select(
            e.member_id,
            func.coalesce(members.c.display_name, "").label("member_name"),
            e.item_id,
            e.day,
            e.title,
            e.summary,
            i.visibility,
        )
        .join(j.items, i.item_id == e.item_id)
        .outerjoin(members, members.c.member_id == e.member_id)
        .where(
            e.member_id.in_(ids),
            e.day >= first,
            e.day <= last,
            i.visibility.in_(sorted(visibilities)),
            *conditions,
        )
        .order_by(e.day, e.position)
    )
    found: dict[str, list[Entry]] = defaultdict(list)
    for r in rows:
        found[r.member_id].append(Entry(**r._mapping))
    return found


def wins(
    conn: Connection,
    ids: Collection[str],
    first: date,
    last: date,
    visibilities: Collection[str] = VISIBILITIES,
) -> dict[str, list[Entry]]:
    """Per member, their wins from `first` to `last` shown with these visibilities."""
    e = j.entries.c
    win = and_(e.kind == "action", e.win.is_(True))
    return _entries(conn, ids, first, last, visibilities, win)


def check_ins(
    conn: Connection,
    ids: Collection[str],
    first: date,
    last: date,
    visibilities: Collection[str] = VISIBILITIES,
) -> dict[str, list[Entry]]:
    """Per member, their check-ins from `first` to `last` with these visibilities."""
    return _entries(conn, ids, first, last, visibilities, j.entries.c.kind == "review")


def feedback_received(
    conn: Connection, ids: Collection[str], since: datetime, until: datetime
) -> dict[str, list[Received]]:
    """Per member, feedback (not withdrawn) others left on their items in [since,
    until)."""
    f = j.feedback.c
    rows = conn.execute(
        select(
            f.target_owner_id,
            f.author_id,
            func.coalesce(_author.c.display_name, "Someone"),
            f.at,
            f.target_kind,
            func.coalesce(j.items.c.title, ""),
            f.text,
        )
        .outerjoin(_author, _author.c.member_id == f.author_id)
        .outerjoin(j.items, j.items.c.item_id == f.target_id)
        .where(
            f.target_owner_id.in_(ids),
            f.author_id != f.target_owner_id,
            f.at >= since,
            f.at < until,
        )
        .order_by(f.at, f.feedback_id)
    )
    found: dict[str, list[Received]] = defaultdict(list)
    for owner, author, name, at, kind, title, text in rows:
        note = Received(owner, author, name, at, kind, title, j.summarise(text))
        found[owner].append(note)
    return found


def cheers_received(
    conn: Connection, ids: Collection[str], since: datetime, until: datetime
) -> dict[str, list[Received]]:
    """Per member, the cheers on their items in [since, until) (from their inbox,
    where each cheer is timed)."""
    n = inbox.c
    rows = conn.execute(
        select(
            n.member_id,
            n.actor_id,
            func.coalesce(_author.c.display_name, "Someone"),
            n.created_at,
            n.item_kind,
            func.coalesce(j.items.c.title, ""),
        )
        .outerjoin(_author, _author.c.member_id == n.actor_id)
        .outerjoin(j.items, j.items.c.item_id == n.item_id)
        .where(
            n.member_id.in_(ids),
            n.kind == "cheer_received",
            n.created_at >= since,
            n.created_at < until,
        )
        .order_by(n.position)
    )
    found: dict[str, list[Received]] = defaultdict(list)
    for member_id, author, name, at, kind, title in rows:
        found[member_id].append(Received(member_id, author, name, at, kind, title, ""))
    return found


def due_between(
    conn: Connection, ids: Collection[str], first: date, last: date
) -> dict[str, list[Due]]:
    """Per member, open milestones of active goals and active goals themselves due
    from `first` to `last`, soonest first."""
    goal, milestone = g.goals.c, g.milestones.c
    active = and_(goal.owner_id.in_(ids), goal.status == "active")
    milestones = conn.execute(
        select(
            goal.owner_id,
            goal.goal_id,
            goal.title,
            milestone.title,
            milestone.due_on,
            milestone.milestone_id,
        )
        .join(g.goals, goal.goal_id == milestone.goal_id)
        .where(
            active,
            milestone.completed.is_(False),
            milestone.due_on >= first,
            milestone.due_on <= last,
        )
    )
    goals = conn.execute(
        select(
            goal.owner_id,
            goal.goal_id,
            goal.title,
            goal.title.label("own_title"),
            goal.due_on,
            goal.goal_id.label("item_id"),
        ).where(active, goal.due_on >= first, goal.due_on <= last)
    )
    found: dict[str, list[Due]] = defaultdict(list)
    for kind, rows in (("milestone", milestones), ("goal", goals)):
        for owner, goal_id, goal_title, title, due_on, item_id in rows:
            found[owner].append(
                Due(owner, goal_id, goal_title, title, kind, due_on, item_id)
            )
    for dues in found.values():
        dues.sort(key=lambda d: (d.due_on, d.kind != "milestone", d.title))
    return found


def stalled_goals(
    conn: Connection, timezones: Mapping[str, str], now: datetime
) -> dict[str, list[Stalled]]:
    """Per member (given with their timezone), their stalled goals at `now`, by due
    date; the same rule as the goal board's `stalled` flag."""
    goal, acted = g.goals.c, g.goal_actions.c
    active = and_(goal.owner_id.in_(list(timezones)), goal.status == "active")
    last_action = (
        select(acted.goal_id, func.max(acted.occurred_on).label("day"))
        .where(
            acted.goal_id.in_(select(goal.goal_id).where(active)),
            acted.retracted.is_(False),
        )
        .group_by(acted.goal_id)
        .subquery()
    )
    rows = conn.execute(
        select(g.goals, last_action.c.day.label("last_action_on"))
        .outerjoin(last_action, last_action.c.goal_id == goal.goal_id)
        .where(active)
        .order_by(goal.due_on, goal.set_at)
    )
    found: dict[str, list[Stalled]] = defaultdict(list)
    for r in rows:
        today = local_date(now, timezones[r.owner_id])
        metric = None
        if r.metric_name is not None:
            metric = {"baseline": r.baseline, "target": r.target}
        pct = progress_percent(
            r.status, metric, r.current_value, r.milestones_done, r.milestones_total
        )
        days = (r.last_action_on, r.last_progress_on)
        last = max((d for d in days if d is not None), default=None)
        if is_stalled(r.status, last, r.set_on, r.due_on, pct, today):
            quiet = max(0, (today - (last or r.set_on)).days)
            found[r.owner_id].append(
                Stalled(
                    r.owner_id, r.goal_id, r.title, r.visibility, r.due_on, pct, quiet
                )
            )
    return found


def last_action_days(conn: Connection, ids: Collection[str]) -> dict[str, date]:
    """Per member, the last day they logged an action (members who never did are
    left out)."""
    e = j.entries.c
    rows = conn.execute(
        select(e.member_id, func.max(e.day))
        .where(e.member_id.in_(ids), e.kind == "action")
        .group_by(e.member_id)
    )
    return {member_id: day for member_id, day in rows}


def last_check_ins(
    conn: Connection, ids: Collection[str], until: datetime
) -> dict[str, datetime]:
    """Per member, when they last recorded a review, up to `until`."""
    r = review_points.c
    rows = conn.execute(
        select(r.member_id, func.max(r.at))
        .where(r.member_id.in_(ids), r.at <= until)
        .group_by(r.member_id)
    )
    return {member_id: at for member_id, at in rows}
