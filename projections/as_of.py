"""A member's read models as they were at a past instant (time travel, `?as_of=`).

The numbers and entries a member had at the end of a past day are those the read
models held once the log had reached that instant. `past_models` rebuilds exactly
that for one member: it selects the events that feed the member's rows, keeps those
up to the last of them stamped at or before the instant (a prefix of their part of
the log, so a later entry, revision, deletion or change of timezone is not there),
and replays them through the same read models — `Relations`, `GoalBoard`,
`Journal` and `Metrics`, each with its own `apply_batch` — into a throwaway
in-memory SQLite database made from their tables. The caller asks the same query
functions as the live pages and API on that connection, with `now` = the instant,
so "today" is that day and nothing is computed a second way.

Which events (the handlers' registries, `HANDLERS` of each module, say what each
model consumes): the member's `Member` events, every event of each goal, action and
review they created, and the feedback and cheers others (or they) left on those
items — the only events of other people's making these models keep for a member.
No model read here handles a `Group` or `Mentorship` event. They are found in the
audit index (`audit_index`: position, aggregate, type, actor, time): the items by
the actor of their creating event (always the owner), then every event of those
items; feedback and cheers on the member's items from the journal's rows of them
now, plus those withdrawn since and those of authors erased since (the rows the
journal deleted meanwhile), each kept only if its creating event names the member
as its target's owner. The events are then read by position (`notifications_at`).

Who may see what is decided now (as on the goal page's `as_of`): a viewer other
than the member gets their relation to the member as it is now, and each item at
its visibility then or now, whichever is narrower (an item gone since: private), so
the past never shows them what the present would not, nor more than it showed then.

Nothing is cached: the replay holds decrypted content, which must not outlive an
erasure (the reason the aggregate cache is off), and costs about what the live
models spend on the same events.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Notification
from sqlalchemy import (
    Connection,
    Engine,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    create_engine,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.pool import StaticPool

from projections import goals, journal, relations
from projections.audit import audit_index
from projections.db import metadata
from projections.goals import GoalBoard
from projections.journal import Journal
from projections.metrics import Metrics
from projections.relations import Relations
from service.application import MomentumApplication
from service.as_of import notifications_at
from service.domain.action import Action
from service.domain.base import VISIBILITIES
from service.domain.feedback import Cheer, Feedback
from service.domain.goal import Goal
from service.domain.review import Review
from service.domain.visibility import PRIVATE

CHUNK = 500
"""Aggregate ids per `IN (…)` list."""

CREATED_BY_OWNER = (
    ("Goal", "GoalSet"),
    ("Action", "ActionLogged"),
    ("Review", "ReviewRecorded"),
)
"""The events that create a member's items (the actor is always the owner)."""

Event = tuple[Notification, Any]


def models() -> list[Any]:
    """The read models the past is rebuilt from, in the runner's order."""
    return [Relations(), GoalBoard(), Journal(), Metrics()]


@contextmanager
def past_models(
    engine: Engine,
    app: MomentumApplication,
    member_id: str,
    at: datetime,
    viewer_id: str | None = None,
) -> Iterator[Connection | None]:
    """A connection to the member's read models as they were at `at`, as
    `viewer_id` (default: the member) may see them now; None if the member had no
    account yet. The database is dropped on leaving the block."""
    past = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    try:
        with past.connect() as conn:
            built = _build(engine, app, conn, member_id, at, viewer_id or member_id)
            yield conn if built else None
    finally:
        past.dispose()


def _build(
    engine: Engine,
    app: MomentumApplication,
    past: Connection,
    member_id: str,
    at: datetime,
    viewer_id: str,
) -> bool:
    """Replay the member's events up to `at` into `past`; False if there are none."""
    with engine.connect() as live:
        events = member_events(live, app, member_id, at)
        if not events:
            return False
        tables = [t for m in models() for t in m.tables]
        metadata.create_all(past, tables=tables, checkfirst=False)  # a new database
        for model in models():
            model.apply_batch(past, events)
        if viewer_id != member_id:
            _as_seen_now(live, past, viewer_id, member_id)
    past.commit()
    return True


# --- Which events --------------------------------------------------------------------


def member_events(
    live: Connection, app: MomentumApplication, member_id: str, at: datetime
) -> list[Event]:
    """The decoded events that feed the member's rows in the models of `models`,
    in log order, up to the last of them stamped at or before `at`; empty if the
    member had not registered by then."""
    at = at.astimezone(UTC)
    rows = _rows(live, _own(member_id))
    candidates = _feedback_candidates(live, member_id, at)
    for start in range(0, len(candidates), CHUNK):
        rows += _rows(live, candidates[start : start + CHUNK])
    before = [r.position for r in rows if _utc(r.occurred_at) <= at]
    if not before:
        return []
    last = max(before)
    notes = notifications_at(app, (r.position for r in rows if r.position <= last))
    decoded = [(n, app.mapper.to_domain_event(n)) for n in notes]
    whose = {str(n.originator_id): _owner(e) for n, e in decoded if _owner(e)}
    kept = [
        (n, e)
        for n, e in decoded
        if str(n.originator_id) == member_id
        or whose.get(str(n.originator_id)) == member_id
    ]
    registered = any(str(n.originator_id) == member_id for n, _ in kept)
    return kept if registered else []


def _own(member_id: str) -> Any:
    """A condition on the audit index: the member's account and every goal, action
    and review they created (the actor of its creating event)."""
    a = audit_index.c
    created = or_(
        *(
            and_(a.aggregate_type == kind, a.event_type == name)
            for kind, name in CREATED_BY_OWNER
        )
    )
    items = select(a.aggregate_id).where(a.actor_id == member_id, created)
    return or_(a.aggregate_id == member_id, a.aggregate_id.in_(items))


def _feedback_candidates(live: Connection, member_id: str, at: datetime) -> list[str]:
    """Feedback and cheers that may have been on the member's items at `at`: those
    the journal keeps for them now, and those it deleted since — withdrawn, or by
    an author erased — whose target is checked once read."""
    a = audit_index.c
    f, c = journal.feedback.c, journal.cheers.c
    now: Select[Any] = select(f.feedback_id).where(f.target_owner_id == member_id)
    cheers = select(c.cheer_id).where(c.target_owner_id == member_id)
    withdrawn = select(a.aggregate_id).where(
        a.aggregate_type == "Feedback",
        a.event_type == "FeedbackWithdrawn",
        a.occurred_at > at,
    )
    erased = select(a.aggregate_id).where(
        a.aggregate_type == "Member", a.event_type == "Erased", a.occurred_at > at
    )
    theirs = select(a.aggregate_id).where(
        a.actor_id.in_(erased),
        or_(
            and_(a.aggregate_type == "Feedback", a.event_type == "FeedbackGiven"),
            and_(a.aggregate_type == "Cheer", a.event_type == "Cheered"),
        ),
    )
    found = live.scalars(now.union(cheers, withdrawn, theirs)).all()
    return sorted(set(found))


def _rows(live: Connection, which: Any) -> list[Row[Any]]:
    """Position and time of the audit index's events of these aggregates (a
    condition, or a list of their ids)."""
    a = audit_index.c
    where = a.aggregate_id.in_(which) if isinstance(which, list) else which
    return list(live.execute(select(a.position, a.occurred_at).where(where)).all())


def _utc(at: datetime) -> datetime:
    """An audit index time (naive UTC on SQLite) as an aware one."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _owner(event: Any) -> str | None:
    """Whose rows an item's creating event feeds: its owner's, or for feedback and
    a cheer its target's owner's; None for any other event."""
    if isinstance(event, Goal.GoalSet | Action.ActionLogged | Review.ReviewRecorded):
        return str(event.owner_id)
    if isinstance(event, Feedback.FeedbackGiven | Cheer.Cheered):
        return str(event.target_owner_id)
    return None


# --- Who may see what: decided now ---------------------------------------------------


def _as_seen_now(
    live: Connection, past: Connection, viewer_id: str, member_id: str
) -> None:
    """The viewer's relation to the member as it is now (the live rows that decide
    it: their mentorship, their groups), and each of the member's goals and
    journal items no wider than it is now."""
    links = relations.mentor_links.c
    mentors = and_(links.mentee_id == member_id, links.mentor_id == viewer_id)
    _copy(live, past, relations.mentor_links, mentors)
    groups = relations.group_members.c
    both = groups.member_id.in_([viewer_id, member_id])
    _copy(live, past, relations.group_members, both)
    for table, key in ((journal.items, "item_id"), (goals.goals, "goal_id")):
        _narrow(live, past, table, key, member_id)


def _copy(live: Connection, past: Connection, table: Table, where: Any) -> None:
    rows = [dict(row._mapping) for row in live.execute(select(table).where(where))]
    if rows:
        past.execute(insert(table), rows)


def _narrow(
    live: Connection, past: Connection, table: Table, key: str, member_id: str
) -> None:
    """Each of the member's rows of `table` at the narrower of its visibility then
    and now (private if it is gone now)."""
    mine = select(table.c[key], table.c.visibility).where(table.c.owner_id == member_id)
    now = {k: v for k, v in live.execute(mine).all()}
    changed = [
        {"k": k, "v": narrower(then, now.get(k, PRIVATE))}
        for k, then in past.execute(mine).all()
        if narrower(then, now.get(k, PRIVATE)) != then
    ]
    if changed:
        past.execute(
            update(table)
            .where(table.c[key] == bindparam("k"))
            .values(visibility=bindparam("v")),
            changed,
        )


def narrower(a: str, b: str) -> str:
    """The narrower of two visibilities (private < mentors < group)."""
    return min(a, b, key=VISIBILITIES.index)
