"""Read models applied a batch at a time.

`BatchedProjection` (at the end) is the base of the read models: `load` brings in
the rows a batch's events touch with one query per table (`Batch.load`), the handlers
(`Handlers`, keyed by the domain's event classes) change them in memory in log order
(`Rows`), and `Batch.write` sends the changes in bulk: purges and deletes by key
(`WHERE … IN (…)`, chunked) and one executemany of a prebuilt upsert per table
(`Upsert`). `insert_rows` is the same prebuilt executemany for append-only tables,
`merge_rows` an upsert that combines some columns with the stored row's (tallies
added, bounds widened). A replay into fresh tables
calls `replay_batch` and, at the end, `replayed` (a model may defer work to it).
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date
from operator import itemgetter
from typing import Any, ClassVar, Generic, Protocol, TypeVar, cast

from eventsourcing.persistence import Notification
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Dialect,
    Select,
    Table,
    bindparam,
    delete,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Delete

Key = tuple[Table, frozenset[str]]
Combine = Mapping[str, Callable[[Any, Any], Any]]
"""Column name -> (the stored column, the new value) -> the SQL expression it is set
to when the row is already there (`merge_rows`)."""


# --- Batch-at-a-time ------------------------------------------------------------------

CHUNK = 1000
"""Keys per `IN (...)` list when loading or deleting (well under SQLite's limit of
bound parameters)."""

_SELECTS: dict[tuple[Table, tuple[str, ...]], Select[Any]] = {}
_DELETES: dict[tuple[Table, str], Delete] = {}
_UPSERTS: dict[tuple[Table, str, tuple[Any, ...], bool, tuple[Any, ...]], Upsert] = {}


def _select(table: Table, columns: tuple[str, ...]) -> Select[Any]:
    """`SELECT * FROM table WHERE a IN (:a) OR b IN (:b) …`, built once per table and
    set of columns (expanding parameters)."""
    key = (table, columns)
    statement = _SELECTS.get(key)
    if statement is None:
        statement = select(table).where(
            or_(
                *(
                    table.c[name].in_(bindparam(name, expanding=True))
                    for name in columns
                )
            )
        )
        _SELECTS[key] = statement
    return statement


def _delete(table: Table, column: str) -> Delete:
    """`DELETE FROM table WHERE column IN (:keys)`, built once per table and column
    (`column` "a,b": `WHERE (a, b) IN (:keys)`, the keys being tuples)."""
    key = (table, column)
    statement = _DELETES.get(key)
    if statement is None:
        names = column.split(",")
        compared = (
            table.c[column] if len(names) == 1 else tuple_(*(table.c[n] for n in names))
        )
        statement = delete(table).where(compared.in_(bindparam("keys", expanding=True)))
        _DELETES[key] = statement
    return statement


class Upsert:
    """`INSERT … ON CONFLICT (primary key) DO UPDATE SET every other column` (`DO
    NOTHING` for a table of key columns only; a plain `INSERT` with `plain`; a column
    in `combine` takes `combine[name](stored, new)` instead of the new value: tallies
    added, bounds widened), compiled once per table and dialect and sent with the
    driver's executemany: the rows go
    through the columns' own bind processors (the same values SQLAlchemy would send),
    without SQLAlchemy's per-row parameter handling and statement compilation."""

    def __init__(
        self,
        table: Table,
        dialect: Dialect,
        translate: Mapping[Any, Any] | None,
        *,
        plain: bool = False,
        combine: Combine | None = None,
    ) -> None:
        insert_of = pg_insert if dialect.name == "postgresql" else sqlite_insert
        statement = insert_of(table)
        keys = [c.name for c in table.primary_key.columns]
        others = [c.name for c in table.c if c.name not in keys]
        # `plain`: a plain INSERT (a row already there is an error)
        if not plain and others:
            excluded, merged = statement.excluded, combine or {}
            statement = statement.on_conflict_do_update(
                index_elements=keys,
                set_={
                    name: merged[name](table.c[name], excluded[name])
                    if name in merged
                    else excluded[name]
                    for name in others
                },
            )
        elif not plain:  # key columns only
            statement = statement.on_conflict_do_nothing(index_elements=keys)
        compiled = statement.compile(
            dialect=dialect,  # with the connection's schema_translate_map, if any
            schema_translate_map=translate,
            render_schema_translate=bool(translate),
        )
        self.sql = str(compiled)
        self.positional = compiled.positiontup is not None
        names = list(compiled.positiontup or compiled.binds)
        if sorted(names) != sorted(c.name for c in table.c):
            raise ValueError(f"{table.name}: unexpected parameters {names}")
        self.columns = [(n, _processor(table.c[n].type, dialect)) for n in names]
        self._values = itemgetter(*names)  # a row's values in the statement's order
        self._processed = [(i, p) for i, (_, p) in enumerate(self.columns) if p]
        """The positions of the values that go through a bind processor."""
        self._in_key_order = itemgetter(*(names.index(k) for k in keys))
        """A row's key: the rows go in key order, so a B-tree keyed by random ids
        (an action's journal item, say) takes them in one pass from left to right
        instead of one leaf here, the next there (the journal's items on the bench's
        1,000,000 events: 10.6 → 9.0 µs per event)."""

    def send(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        values, processed = self._values, self._processed
        if len(self.columns) == 1:
            params: list[Any] = [(values(r),) for r in rows]
        else:
            params = [values(r) for r in rows]
        if processed:
            converted = []
            for row in params:
                row = list(row)
                for i, p in processed:
                    row[i] = p(row[i])
                converted.append(tuple(row))
            params = converted
        params.sort(key=self._in_key_order)
        if not self.positional:
            names = [n for n, _ in self.columns]
            params = [dict(zip(names, row, strict=True)) for row in params]
        conn.exec_driver_sql(self.sql, params)


def _processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column type's bind processor; on SQLite a quicker one giving the same
    text for days and booleans (and for instants: `UTCDateTime.sqlite_text`)."""
    if dialect.name == "sqlite":
        quick = getattr(type_, "sqlite_text", None)
        if quick is not None:
            return cast(Callable[[Any], Any], quick)
        if type(type_) is Date:
            slow = cast(Callable[[Any], Any], type_._cached_bind_processor(dialect))
            return lambda day: day.isoformat() if type(day) is date else slow(day)
        if type(type_) is Boolean:
            return _BOOLEAN.__getitem__
    processor: Callable[[Any], Any] | None = type_._cached_bind_processor(dialect)
    return processor


_BOOLEAN = {None: None, False: 0, True: 1}
"""What SQLAlchemy stores for a boolean on SQLite (anything else is a KeyError)."""


def _upsert(
    table: Table,
    conn: Connection,
    *,
    plain: bool = False,
    combine: Combine | None = None,
) -> Upsert:
    """The table's `Upsert` for this connection's dialect and schema translation
    (blue/green rebuilds write to other schemas), built once."""
    translate = conn.get_execution_options().get("schema_translate_map")
    key = (
        table,
        conn.dialect.name,
        tuple(sorted((translate or {}).items(), key=repr)),
        plain,
        tuple(sorted((combine or {}).items())),
    )
    upsert = _UPSERTS.get(key)
    if upsert is None:
        upsert = _UPSERTS[key] = Upsert(
            table, conn.dialect, translate, plain=plain, combine=combine
        )
    return upsert


def insert_rows(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert many rows with one prebuilt statement through the driver's executemany
    (as `Upsert` sends them): for append-only tables, where a row already there is an
    error."""
    if rows:
        _upsert(table, conn, plain=True).send(conn, rows)


def merge_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    combine: Combine,
) -> None:
    """Upsert many rows (as `Upsert` sends them); a row already there keeps, for each
    column in `combine`, `combine[name](stored, new)` (the statement is built once
    per table and set of (column, function): pass module-level functions)."""
    if rows:
        _upsert(table, conn, combine=combine).send(conn, rows)


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


class Rows:
    """The rows of one table that a batch touches, keyed by primary key (a tuple of
    its values if the key has several columns: `get((goal_id, day))`).

    Rows come from `Batch.load` (the database's rows at the start of the batch) or
    from `insert`; handlers change them in memory, in log order, and `Batch.write`
    sends what changed. Reading a key or a column value that was never looked up
    raises instead of silently missing a row of the database."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.columns = tuple(c.name for c in table.primary_key.columns)
        if not self.columns:
            raise ValueError(f"{table.name}: a batch needs a primary key")
        self.key = ",".join(self.columns)
        """The primary key's column ("a,b" if several: the key is then a tuple)."""
        self._defaults = {c.name: _scalar_default(c) for c in table.c}
        self._rows: dict[Any, dict[str, Any]] = {}
        self._order: dict[Any, int] = {}  # when each key came into `_rows`
        self._added = itertools.count()
        self._by: dict[str, dict[Any, dict[Any, None]]] = {}
        """column -> value -> keys of the rows with it: built for a column the
        first time `where` or `purge` asks by it, so neither scans every row (a
        batch holds thousands). May hold stale keys (a row whose value changed in
        place, through `changed`), which lookups drop; never misses a row."""
        self._looked_up: dict[str, set[Any]] = {}
        self._dirty: dict[Any, None] = {}  # changed keys, in order
        self._purged: dict[str, list[Any]] = {}

    def get(self, key: Any) -> dict[str, Any] | None:
        """The row with this key (as changed so far), None if there is none."""
        row = self._rows.get(key)
        if row is None and key not in self._looked_up.get(self.key, ()):
            raise LookupError(f"{self.table.name}: {key!r} was not loaded")
        return row

    def where(self, column: str, value: Any) -> list[dict[str, Any]]:
        """The rows whose `column` is `value` (the column must have been loaded by
        that value, or be the primary key)."""
        if value not in self._looked_up.get(column, ()):
            raise LookupError(f"{self.table.name}: {column}={value!r} was not loaded")
        return self._with(column, value)

    def insert(self, **values: Any) -> dict[str, Any]:
        """A new row (missing columns take their default, else NULL)."""
        row = {**self._defaults, **values}
        key = self._key(row)
        self._put(key, row)
        self._looked_up.setdefault(self.key, set()).add(key)
        self._dirty[key] = None
        return row

    def update(self, key: Any, **values: Any) -> bool:
        """Change the row with this key; False (and nothing) if there is none."""
        row = self.get(key)
        if row is None:
            return False
        row.update(values)
        self.changed(row)
        return True

    def changed(self, row: dict[str, Any]) -> None:
        """Mark a row (from `get` or `where`, changed in place) to be written."""
        key = self._key(row)
        self._dirty[key] = None
        if self._by:
            for column, keys in self._by.items():
                keys.setdefault(row[column], {})[key] = None

    def delete(self, key: Any) -> None:
        """Delete the row with this key (whether or not it was loaded)."""
        self._drop(key)
        self._dirty[key] = None

    def purge(self, column: str, values: Iterable[Any]) -> None:
        """Delete every row whose `column` is one of `values`, loaded or not: in
        memory now, in the database first thing in `write` (so the column must not
        change in a row; rows added later in the batch are kept)."""
        chosen = set(values)
        if not chosen:
            return
        self._purged.setdefault(column, []).extend(chosen)
        for value in chosen:
            for row in self._with(column, value):
                key = self._key(row)
                self._drop(key)
                self._dirty[key] = None

    def _with(self, column: str, value: Any) -> list[dict[str, Any]]:
        """The rows in memory whose `column` is `value`, in the order they came in."""
        by = self._by.get(column)
        if by is None:
            by = self._by[column] = {}
            for key, row in self._rows.items():
                by.setdefault(row[column], {})[key] = None
        keys = by.get(value)
        if not keys:
            return []
        found: list[tuple[int, dict[str, Any]]] = []
        for key in list(keys):
            match = self._rows.get(key)
            if match is None or match[column] != value:
                del keys[key]  # deleted, or its value changed in place
            else:
                found.append((self._order[key], match))
        found.sort(key=lambda pair: pair[0])
        return [row for _, row in found]

    def _put(self, key: Any, row: dict[str, Any]) -> None:
        if key not in self._rows:
            self._order[key] = next(self._added)
        self._rows[key] = row
        if self._by:
            for column, keys in self._by.items():
                keys.setdefault(row[column], {})[key] = None

    def _drop(self, key: Any) -> None:
        if self._rows.pop(key, None) is not None:
            del self._order[key]

    def _loaded(self, column: str, keys: Iterable[Any], rows: Iterable[Any]) -> None:
        self._looked_up.setdefault(column, set()).update(keys)
        looked_up = self._looked_up.setdefault(self.key, set())
        for found in rows:
            row = dict(found._mapping)
            key = self._key(row)
            if key not in looked_up:  # rows in memory are newer than the database's
                self._put(key, row)
                looked_up.add(key)

    def _key(self, row: Mapping[str, Any]) -> Any:
        if len(self.columns) == 1:
            return row[self.key]
        return tuple(row[name] for name in self.columns)

    def _write(self, conn: Connection) -> None:
        for column, values in self._purged.items():
            for chunk in _chunks(sorted(set(values))):
                conn.execute(_delete(self.table, column), {"keys": list(chunk)})
        gone = [key for key in self._dirty if key not in self._rows]
        for chunk in _chunks(gone):
            conn.execute(_delete(self.table, self.key), {"keys": list(chunk)})
        kept = [self._rows[key] for key in self._dirty if key in self._rows]
        if kept:
            _upsert(self.table, conn).send(conn, kept)
        self._purged.clear()
        self._dirty.clear()


class Batch:
    """One read model's rows for one batch of events: loaded with one query per table
    (by the keys found in the events), changed in memory by the handlers in log
    order, written in bulk: bulk deletes (`WHERE key IN (…)`, chunked) and one
    executemany of an `INSERT … ON CONFLICT DO UPDATE` per table. Every statement is
    built once, never per event. The caller's transaction also moves the tracking
    position, so the batch is applied exactly once."""

    def __init__(self, tables: Sequence[Table]) -> None:
        self.tables = list(tables)
        self._rows = {table: Rows(table) for table in self.tables}

    def __getitem__(self, table: Table) -> Rows:
        return self._rows[table]

    def load(self, conn: Connection, table: Table, **keys: Collection[Any]) -> None:
        """Bring in the rows of `table` whose column is one of the keys given for it
        (`load(conn, items, item_id=ids, goal_id=goal_ids)`: rows matching either),
        in one query (more if a list is longer than `CHUNK`). Keys looked up before
        are not queried again; rows already in memory are kept as they are."""
        rows = self._rows[table]
        todo = {
            column: sorted(set(values) - rows._looked_up.get(column, set()))
            for column, values in keys.items()
        }
        todo = {column: values for column, values in todo.items() if values}
        if not todo:
            return
        columns = tuple(sorted(todo))
        statement = _select(table, columns)
        rounds = max(len(values) for values in todo.values())
        for start in range(0, rounds, CHUNK):
            params = {c: todo[c][start : start + CHUNK] for c in columns}
            found = conn.execute(statement, params).fetchall()
            rows._loaded(rows.key, (), found)
            for column in columns:
                rows._loaded(column, params[column], ())

    def write(self, conn: Connection) -> None:
        """Send every change: per table, purges, deletes by key, then upserts."""
        for table in self.tables:
            self._rows[table]._write(conn)


def _scalar_default(column: Column[Any]) -> Any:
    default = column.default
    if default is not None and default.is_scalar:
        return getattr(default, "arg", None)
    return None


# --- Read models applied a batch at a time ----------------------------------------


class Writable(Protocol):
    """What a batch-at-a-time model folds events into: a `Batch`, or a model's own
    set of `Rows` (it sends its changes with `write`)."""

    def write(self, conn: Connection) -> None: ...


B = TypeVar("B", bound=Writable)
H = TypeVar("H", bound=Callable[..., None])


class Handlers(Generic[B]):
    """Which function folds which event class into a model's batch: typed dispatch,
    keyed by the domain's event classes (`Goal.GoalSet`), never by names. Each
    handler gets (batch, event, log position)."""

    def __init__(self) -> None:
        self._by_class: dict[type[Any], Callable[[B, Any, int], None]] = {}

    def on(self, *classes: type[Any]) -> Callable[[H], H]:
        """Mark a function as the handler of these event classes."""

        def mark(func: H) -> H:
            for klass in classes:
                if klass in self._by_class:
                    raise ValueError(f"{klass.__qualname__} is handled twice")
                self._by_class[klass] = func
            return func

        return mark

    def get(self, klass: type[Any]) -> Callable[[B, Any, int], None] | None:
        return self._by_class.get(klass)

    def __contains__(self, klass: object) -> bool:
        return klass in self._by_class

    @property
    def classes(self) -> frozenset[type[Any]]:
        """Every event class handled."""
        return frozenset(self._by_class)


class BatchedProjection(ABC, Generic[B]):
    """A read model that applies a batch of events as one unit: `load` brings in the
    rows the handled events touch (one query per table, by the keys in the events),
    the `handlers` fold the events into them in memory in log order, and the batch
    writes the changes in bulk. The runner's transaction moves the tracking position
    with it, so every batch is applied exactly once. A single event is a batch of one.

    A subclass names its tracking key, tables and `handlers`, and defines `load`
    (and `new_batch` if it folds into something other than a plain `Batch`)."""

    name: ClassVar[str]
    tables: ClassVar[Sequence[Table]]
    handlers: ClassVar[Handlers[Any]]

    def new_batch(self) -> B:
        """An empty batch for this model's tables."""
        return cast(B, Batch(self.tables))

    @abstractmethod
    def load(self, conn: Connection, batch: B, events: Sequence[Any]) -> None:
        """Bring in the rows that `events` (all handled) read or change."""

    def apply_batch(
        self, conn: Connection, events: Sequence[tuple[Notification, Any]]
    ) -> None:
        """Apply the events in order: load what they touch, fold, write in bulk."""
        self._fold(conn, events, self.new_batch)

    def replay_batch(
        self, conn: Connection, events: Sequence[tuple[Notification, Any]]
    ) -> None:
        """`apply_batch` during a replay into fresh tables that nobody reads until
        `replayed` has run (a blue/green rebuild's scratch tables): a model may
        leave what it derives from many batches at once for `replayed` (the
        metrics model's checkpoints). By default the same as `apply_batch`."""
        self.apply_batch(conn, events)

    def replayed(self, conn: Connection) -> None:
        """Complete what `replay_batch` left, once, when the replay has reached
        the head of the log (before the tables are swapped in). By default
        nothing."""

    def _fold(
        self,
        conn: Connection,
        events: Sequence[tuple[Notification, Any]],
        new_batch: Callable[[], B],
    ) -> None:
        handled = [
            (notification.id, event, handler)
            for notification, event in events
            if (handler := self.handlers.get(type(event))) is not None
        ]
        if not handled:
            return
        batch = new_batch()
        self.load(conn, batch, [event for _, event, _ in handled])
        for position, event, handler in handled:
            handler(batch, event, position)
        batch.write(conn)

    def apply(self, conn: Connection, event: Any, notification: Notification) -> None:
        """One event: a batch of one."""
        self.apply_batch(conn, [(notification, event)])
