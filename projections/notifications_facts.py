"""The notifications read model's tables, and the facts it keeps from other aggregates.

`inbox` holds one row per recipient and event (the event's log position is the
notification's id); `pending` holds mentor requests to emails nobody has registered
yet. The other tables are what deciding and wording notifications needs: names and
read marks, goal and action titles and visibility, mentorships, suggestions, groups,
facilitators and buddy pairs. `Facts` keeps them current; `Notifications` (in
`projections.notifications`) adds the events that notify someone.

The model applies a batch at a time (`projections.batching.Batch`, as the journal
does): the rows a batch's events touch are loaded with one query per table, the
handlers (functions of batch, event and log position, in `HANDLERS`, keyed by event
class) change them in
memory in log order, and the changes are written in bulk. The tables with a
one-column key go through `Batch`; the four with a two-column key (inbox, pending,
facilitators, buddies) are kept the same way by `Keyed`, below (facilitators has
key columns only: it is written with ON CONFLICT DO NOTHING, which `Upsert`, with
nothing to update, cannot build).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Delete,
    Select,
    String,
    Table,
    Text,
    and_,
    bindparam,
    delete,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert

from projections.base import UTCDateTime
from projections.batching import (
    CHUNK,
    Batch,
    BatchedProjection,
    Handlers,
    Rows,
    Upsert,
)
from projections.db import metadata
from service.domain.action import Action
from service.domain.goal import Goal
from service.domain.group import Group
from service.domain.member import Member

NOTICE_FIELDS = ("kind", "created_at", "actor_id", "text", "item_kind", "item_id")


def _notice_columns() -> list[Column[Any]]:
    return [
        Column("kind", String(32), nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("actor_id", String(36), nullable=True),
        Column("text", Text, nullable=False),
        Column("item_kind", String(16), nullable=True),
        Column("item_id", String(36), nullable=True),
    ]


inbox = Table(
    "rm_notifications_inbox",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    *_notice_columns(),
)
pending = Table(
    "rm_notifications_pending",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    *_notice_columns(),
)
members = Table(
    "rm_notifications_members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("display_name", String(80), nullable=False),
    Column("read_up_to", BigInteger, nullable=False, default=0),
)
mentorships = Table(
    "rm_notifications_mentorships",
    metadata,
    Column("mentorship_id", String(36), primary_key=True),
    Column("mentee_id", String(36), nullable=False),
    Column("mentor_email", String(254), nullable=False),
    Column("mentor_id", String(36), nullable=True),
    Column("status", String(16), nullable=False),
    Column("asked_at", UTCDateTime(), nullable=True),  # when last proposed
)
items = Table(  # goals, milestones, actions: titles for texts, visibility for buddies
    "rm_notifications_items",
    metadata,
    Column("item_id", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("owner_id", String(36), nullable=False),
    Column("title", String(150), nullable=False),
    Column("goal_id", String(36), nullable=True),
    Column("visibility", String(16), nullable=True),
    Column("retracted", Boolean, nullable=False, default=False),
)
suggestions = Table(
    "rm_notifications_suggestions",
    metadata,
    Column("suggestion_id", String(36), primary_key=True),
    Column("mentor_id", String(36), nullable=False),
    Column("mentee_id", String(36), nullable=False),
    Column("goal_id", String(36), nullable=False),
    Column("title", String(150), nullable=False),
    Column("made_at", UTCDateTime(), nullable=True),
    Column("status", String(16), nullable=True),  # open, accepted or declined
)
groups = Table(
    "rm_notifications_groups",
    metadata,
    Column("group_id", String(36), primary_key=True),
    Column("name", String(80), nullable=False),
)
facilitators = Table(
    "rm_notifications_facilitators",
    metadata,
    Column("group_id", String(36), primary_key=True),
    Column("member_id", String(36), primary_key=True),
)
buddies = Table(  # both directions of each pair; the key starts with the member
    "rm_notifications_buddies",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("group_id", String(36), primary_key=True),
    Column("buddy_id", String(36), nullable=False),
)
TABLES = (
    inbox,
    pending,
    members,
    mentorships,
    items,
    suggestions,
    groups,
    facilitators,
    buddies,
)


KEYED = (inbox, pending, facilitators, buddies)
"""The tables with a two-column key, kept by `Keyed` rather than `Batch`."""


def text_or_none(value: Any) -> str | None:
    """An id (or any value) as a string column value; None stays None."""
    return None if value is None else str(value)


# --- Rows with a two-column key, for a batch ---------------------------------------

_SELECTS: dict[tuple[Table, tuple[str, ...]], Select[Any]] = {}
_DELETES: dict[tuple[Table, str | None], Delete] = {}
_UPSERTS: dict[tuple[Table, str, tuple[Any, ...]], Upsert] = {}
_INSERTS: dict[tuple[Table, str], Insert] = {}


def _select(table: Table, columns: tuple[str, ...]) -> Select[Any]:
    """`SELECT * FROM table WHERE a IN (:a) OR b IN (:b) …`, built once."""
    statement = _SELECTS.get((table, columns))
    if statement is None:
        statement = select(table).where(
            or_(*(table.c[n].in_(bindparam(n, expanding=True)) for n in columns))
        )
        _SELECTS[(table, columns)] = statement
    return statement


def _delete(table: Table, column: str | None) -> Delete:
    """`DELETE … WHERE column IN (:keys)`, or by the whole key (column None; sent
    with executemany), built once."""
    statement = _DELETES.get((table, column))
    if statement is None:
        if column is None:
            keys = table.primary_key.columns
            where = and_(*(c == bindparam(c.name) for c in keys))
        else:
            where = table.c[column].in_(bindparam("keys", expanding=True))
        statement = _DELETES[(table, column)] = delete(table).where(where)
    return statement


def _upsert(table: Table, conn: Connection) -> Upsert:
    """The table's `Upsert` for this connection's dialect and schema translation."""
    translate = conn.get_execution_options().get("schema_translate_map")
    key = (table, conn.dialect.name, tuple(sorted((translate or {}).items(), key=repr)))
    upsert = _UPSERTS.get(key)
    if upsert is None:
        upsert = _UPSERTS[key] = Upsert(table, conn.dialect, translate)
    return upsert


def _insert_new(table: Table, dialect: str) -> Insert:
    """`INSERT … ON CONFLICT DO NOTHING`, for a table of key columns only."""
    statement = _INSERTS.get((table, dialect))
    if statement is None:
        insert_of = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = insert_of(table).on_conflict_do_nothing()
        _INSERTS[(table, dialect)] = statement
    return statement


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


class Keyed:
    """The rows of a table with a two-column key that a batch touches, as
    `batching.Rows` keeps them (load by columns, insert, delete, purge, read only what
    was looked up; written in bulk), with tuple keys."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.keys = tuple(c.name for c in table.primary_key.columns)
        self._defaults = {c.name: _default(c) for c in table.c}
        self._rows: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._known: set[tuple[Any, ...]] = set()
        self._looked_up: dict[str, set[Any]] = {}
        self._dirty: dict[tuple[Any, ...], None] = {}
        self._purged: dict[str, list[Any]] = {}

    def _key(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(row[name] for name in self.keys)

    def load(self, conn: Connection, **keys: Collection[Any]) -> None:
        """Bring in the rows whose column is one of the keys given for it, in one
        query (more past `CHUNK` keys); rows already in memory are kept."""
        todo = {
            column: sorted(set(values) - self._looked_up.get(column, set()))
            for column, values in keys.items()
        }
        todo = {column: values for column, values in todo.items() if values}
        if not todo:
            return
        columns = tuple(sorted(todo))
        statement = _select(self.table, columns)
        for start in range(0, max(len(v) for v in todo.values()), CHUNK):
            params = {c: todo[c][start : start + CHUNK] for c in columns}
            for found in conn.execute(statement, params):
                row = dict(found._mapping)
                key = self._key(row)
                if key not in self._known:
                    self._rows[key] = row
                    self._known.add(key)
            for column in columns:
                self._looked_up.setdefault(column, set()).update(params[column])

    def where(self, column: str, value: Any) -> list[dict[str, Any]]:
        """The rows whose `column` is `value` (looked up by that value)."""
        if value not in self._looked_up.get(column, ()):
            raise LookupError(f"{self.table.name}: {column}={value!r} was not loaded")
        return [row for row in self._rows.values() if row[column] == value]

    def insert(self, **values: Any) -> None:
        row = {**self._defaults, **values}
        key = self._key(row)
        self._rows[key] = row
        self._known.add(key)
        self._dirty[key] = None

    def delete(self, **key: Any) -> None:
        """Delete the row with this key (`delete(a=…, b=…)`), loaded or not."""
        found = self._key(key)
        self._rows.pop(found, None)
        self._known.add(found)
        self._dirty[found] = None

    def purge(self, column: str, values: Collection[Any]) -> None:
        """Delete every row whose `column` is one of `values`, loaded or not (in the
        database first thing in `write`; the column must not change in a row)."""
        chosen = set(values)
        self._purged.setdefault(column, []).extend(chosen)
        for key, row in list(self._rows.items()):
            if row[column] in chosen:
                del self._rows[key]
                self._dirty[key] = None

    def write(self, conn: Connection) -> None:
        for column, values in self._purged.items():
            for chunk in _chunks(sorted(set(values))):
                conn.execute(_delete(self.table, column), {"keys": list(chunk)})
        gone = [
            dict(zip(self.keys, k, strict=True))
            for k in self._dirty
            if k not in self._rows
        ]
        if gone:
            conn.execute(_delete(self.table, None), gone)
        kept = [self._rows[key] for key in self._dirty if key in self._rows]
        if kept and len(self.keys) == len(self.table.c):  # nothing to update
            conn.execute(_insert_new(self.table, conn.dialect.name), kept)
        elif kept:
            _upsert(self.table, conn).send(conn, kept)
        self._purged.clear()
        self._dirty.clear()


def _default(column: Column[Any]) -> Any:
    default = column.default
    if default is not None and default.is_scalar:
        return getattr(default, "arg", None)
    return None


class Rowsets:
    """One batch's rows of every table: `b[table]` (`batching.Rows`) for the tables
    with a one-column key, `b.inbox`, `b.pending`, `b.facilitators`, `b.buddies`
    (`Keyed`) for the others."""

    def __init__(self) -> None:
        self.batch = Batch([t for t in TABLES if t not in KEYED])
        self.inbox = Keyed(inbox)
        self.pending = Keyed(pending)
        self.facilitators = Keyed(facilitators)
        self.buddies = Keyed(buddies)

    def __getitem__(self, table: Table) -> Rows:
        return self.batch[table]

    def load(self, conn: Connection, table: Table, **keys: Collection[Any]) -> None:
        self.batch.load(conn, table, **keys)

    def write(self, conn: Connection) -> None:
        self.batch.write(conn)
        for rows in (self.inbox, self.pending, self.facilitators, self.buddies):
            rows.write(conn)


HANDLERS = Handlers[Rowsets]()
"""The handler of each event class: (rows, event, log position)."""


class Facts(BatchedProjection[Rowsets]):
    """Applies a batch of events to the notifications' tables (`load` is the
    subclass's); the facts' own events (below) notify nobody."""

    handlers = HANDLERS

    def new_batch(self) -> Rowsets:
        return Rowsets()


@HANDLERS.on(Member.ProfileUpdated)
def _profile_updated(b: Rowsets, e: Any, _pos: int) -> None:
    b[members].update(str(e.originator_id), display_name=e.display_name)


@HANDLERS.on(Member.NotificationsRead)
def _read(b: Rowsets, e: Any, _pos: int) -> None:
    b[members].update(str(e.originator_id), read_up_to=e.up_to)


@HANDLERS.on(Member.Erased)
def _erased(b: Rowsets, e: Any, _pos: int) -> None:
    """Purge the member: their inbox, what they caused, their titles and links."""
    m = [str(e.originator_id)]
    b.inbox.purge("member_id", m)
    b.inbox.purge("actor_id", m)
    b.pending.purge("actor_id", m)
    b[items].purge("owner_id", m)
    # A mentorship's mentor_id changes, which `purge` allows here: a row changed in
    # the batch is written again after the purge, as it is in memory.
    b[mentorships].purge("mentee_id", m)
    b[mentorships].purge("mentor_id", m)
    b[suggestions].purge("mentor_id", m)
    b[suggestions].purge("mentee_id", m)
    b.facilitators.purge("member_id", m)
    b.buddies.purge("member_id", m)
    b.buddies.purge("buddy_id", m)
    b[members].delete(m[0])


@HANDLERS.on(Goal.GoalSet)
def _goal_set(b: Rowsets, e: Any, _pos: int) -> None:
    b[items].insert(
        item_id=str(e.originator_id),
        kind="goal",
        owner_id=str(e.owner_id),
        title=e.title,
        goal_id=None,
        visibility=e.visibility,
        retracted=False,
    )


@HANDLERS.on(Goal.MilestoneAdded)
def _milestone_added(b: Rowsets, e: Any, _pos: int) -> None:
    goal_id = str(e.originator_id)
    goal = b[items].get(goal_id)
    if goal is None:  # its owner was erased
        return
    b[items].insert(
        item_id=str(e.milestone_id),
        kind="milestone",
        owner_id=goal["owner_id"],
        title=e.title,
        goal_id=goal_id,
        visibility=None,
        retracted=False,
    )


def _changed(b: Rowsets, e: Any, names: tuple[str, ...]) -> None:
    values = {k: text_or_none(v) for k, v in e.changes.items() if k in names}
    if values:
        b[items].update(str(e.originator_id), **values)


@HANDLERS.on(Goal.GoalRevised)
def _goal_revised(b: Rowsets, e: Any, _pos: int) -> None:
    _changed(b, e, ("title", "visibility"))


@HANDLERS.on(Action.ActionEdited)
def _action_edited(b: Rowsets, e: Any, _pos: int) -> None:
    _changed(b, e, ("title", "goal_id", "visibility"))


@HANDLERS.on(Action.ActionRetracted)
def _action_retracted(b: Rowsets, e: Any, _pos: int) -> None:
    b[items].update(str(e.originator_id), retracted=True)


@HANDLERS.on(Group.GroupCreated)
def _group_created(b: Rowsets, e: Any, _pos: int) -> None:
    group_id = str(e.originator_id)
    b[groups].insert(group_id=group_id, name=e.name)
    b.facilitators.insert(group_id=group_id, member_id=str(e.facilitator_id))


@HANDLERS.on(Group.FacilitatorAdded)
def _facilitator_added(b: Rowsets, e: Any, _pos: int) -> None:
    b.facilitators.insert(group_id=str(e.originator_id), member_id=str(e.member_id))


@HANDLERS.on(Group.MemberLeft, Group.MemberRemoved)
def _member_left(b: Rowsets, e: Any, _pos: int) -> None:
    b.facilitators.delete(group_id=str(e.originator_id), member_id=str(e.member_id))


@HANDLERS.on(Group.BuddiesPaired)
def _paired(b: Rowsets, e: Any, _pos: int) -> None:
    group_id, one, other = str(e.originator_id), str(e.member_a), str(e.member_b)
    b.buddies.insert(member_id=one, group_id=group_id, buddy_id=other)
    b.buddies.insert(member_id=other, group_id=group_id, buddy_id=one)


@HANDLERS.on(Group.BuddiesUnpaired)
def _unpaired(b: Rowsets, e: Any, _pos: int) -> None:
    group_id = str(e.originator_id)
    for member_id in {str(e.member_a), str(e.member_b)}:
        b.buddies.delete(member_id=member_id, group_id=group_id)
