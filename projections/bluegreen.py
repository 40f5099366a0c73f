"""Blue/green rebuilds: read models rebuilt from the log beside the live ones, then
swapped in by one transaction.

`momentum rebuild` used to empty a model's tables and replay the log into them, so for
the length of the replay readers saw a half-built model, and a crash left one. Now:

1. **Build** — the chosen models' tables and a tracking table are created in a
   scratch schema (`SHADOW`: on SQLite a database file attached beside the read-model
   database, `readmodels.rebuild.sqlite`, with an in-memory rollback journal — it is
   thrown away if anything goes wrong; on PostgreSQL a schema `<schema>_rebuild`).
   A second runner, whose engine maps the models' tables to the scratch schema
   (SQLAlchemy's `schema_translate_map`), replays the log into them from zero,
   batch by batch, with the usual progress callback. The live models keep following
   the log meanwhile, untouched.
2. **Swap** — one transaction replaces each live table's rows with the scratch
   table's (`DELETE`, then `INSERT … SELECT`, parents first) and sets the live
   tracking row to the scratch one (position, and the stop if the replay stopped at
   an event, as a rebuild in place would have). Readers see the old model until the
   commit and the new one after it, never a partial one; on SQLite the copy holds the
   write lock for its length (seconds for a million events), on PostgreSQL readers
   are not blocked at all.
3. **Catch up** — the live runner applies the few events recorded since the scratch
   replay reached the head. A live follower elsewhere that was about to advance the
   old position finds it moved and re-reads (`tracking.PositionMovedError`).

The scratch schema is dropped at the end, and one left by a crashed rebuild is
dropped at the start of the next: a crash at any point before the swap's commit
leaves the live models as they were.

Indexes are created with the scratch tables, not after the load: the handlers look
rows up by them event by event.

A model that reads or writes tables beyond its own while applying events cannot be
replayed into a scratch copy of its tables alone: the audit index checks every
replayed link against the live, append-only `audit_chain` (that is how a rebuild
catches rewritten events). It says so with `rebuilt_in_place = True` and is rebuilt
as before: emptied and replayed on the live tables — in the same pass over the log
as the scratch replay (the replaying runner keeps each model's tables and tracking
row where they are: `ProjectionRunner(engines=…)`), so the log is read and decoded
once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    create_engine,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlalchemy.sql.ddl import ExecutableDDLElement

from projections import tracking
from projections.db import sqlite_pragmas, wipe_side_files

if TYPE_CHECKING:
    from projections.runner import ProjectionRunner, ReadModel

SHADOW = "rebuild"
"""The scratch schema's name as the models' tables see it."""


def rebuild(
    runner: ProjectionRunner,
    models: Sequence[ReadModel],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rebuild `models` beside the live ones and swap them in (module docstring);
    the number of events replayed. Models marked `rebuilt_in_place` are emptied
    and replayed on the live tables, as before (see `in_place`)."""
    from projections.runner import ProjectionRunner

    here = [m for m in models if getattr(m, "rebuilt_in_place", False)]
    beside = [m for m in models if m not in here]
    if not beside:
        return in_place(runner, here, progress)
    _empty(runner.engine, here)
    with _scratch(runner.engine) as (engine, schema):
        scratch = engine.execution_options(schema_translate_map={None: schema})
        _create(scratch, beside)
        shadow = ProjectionRunner(  # one pass over the log for both kinds
            runner.app,
            scratch,
            [m for m in runner.models if m in models],
            batch_size=runner.rebuild_batch_size,
            engines={m.name: runner.engine for m in here},
        )
        replayed = shadow.catch_up(progress)
        with engine.begin() as conn:
            _swap(conn, beside, schema)
    wipe_side_files(runner.engine)  # no copy of erased rows left in -wal
    runner.catch_up()
    return replayed


def in_place(
    runner: ProjectionRunner,
    models: Sequence[ReadModel],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Empty the models' live tables and replay the log into them. Only for a
    model that reads or writes tables beyond its own while it applies events (the
    audit index checks the live chain): readers see it partial meanwhile."""
    from projections.runner import ProjectionRunner

    _empty(runner.engine, models)
    replay = ProjectionRunner(
        runner.app, runner.engine, models, batch_size=runner.rebuild_batch_size
    )
    return replay.catch_up(progress)


def _empty(engine: Engine, models: Sequence[ReadModel]) -> None:
    """Empty the models' live tables and set their positions to zero."""
    with engine.begin() as conn:
        for model in models:
            for table in reversed(model.tables):
                conn.execute(table.delete())
            tracking.reset(conn, model.name)


def _create(scratch: Engine, models: Sequence[ReadModel]) -> None:
    """The models' tables and a tracking table in the scratch schema, empty, with
    a tracking row at 0 for each model."""
    with scratch.begin() as conn:
        statements: list[ExecutableDDLElement] = []
        for table in [tracking.tracking, *(t for m in models for t in m.tables)]:
            statements.append(CreateTable(table))
            statements.extend(CreateIndex(index) for index in table.indexes)
        if conn.dialect.name == "postgresql":  # one round trip, not one per statement
            translate = conn.get_execution_options().get("schema_translate_map")
            conn.exec_driver_sql(
                ";\n".join(
                    str(
                        s.compile(
                            dialect=conn.dialect,
                            schema_translate_map=translate,
                            render_schema_translate=True,
                        )
                    )
                    for s in statements
                )
            )
        else:
            for statement in statements:
                conn.execute(statement)
        for model in models:
            tracking.ensure(conn, model.name)


def _swap(conn: Connection, models: Sequence[ReadModel], schema: str) -> None:
    """In the caller's transaction: the live tables get the scratch tables' rows,
    the live tracking rows the scratch positions (and stops)."""
    scratch = MetaData()
    for model in models:
        for table in reversed(model.tables):
            conn.execute(table.delete())
    for model in models:
        for table in model.tables:
            source = table.to_metadata(scratch, schema=schema)
            columns = [c.name for c in table.columns]
            conn.execute(
                insert(table).from_select(
                    columns, select(*(source.c[name] for name in columns))
                )
            )
    source = tracking.tracking.to_metadata(scratch, schema=schema)
    rows = conn.execute(select(source)).mappings().all()
    for row in rows:
        values = {k: v for k, v in row.items() if k != "name"}
        tracking.ensure(conn, row["name"])
        conn.execute(
            update(tracking.tracking)
            .where(tracking.tracking.c.name == row["name"])
            .values(**values)
        )


@contextmanager
def _scratch(engine: Engine) -> Iterator[tuple[Engine, str]]:
    """An engine that sees the live read-model tables and an empty scratch schema,
    and the scratch schema's name; the schema is dropped on the way out."""
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:
            live = conn.execute(text("SELECT current_schema()")).scalar_one()
        schema = f"{live}_rebuild"
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield engine, schema
        finally:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        return
    if isinstance(engine.pool, StaticPool):  # one in-memory database (tests)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"ATTACH DATABASE ':memory:' AS {SHADOW}")
        try:
            yield engine, SHADOW
        finally:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"DETACH DATABASE {SHADOW}")
        return
    live_file = Path(str(engine.url.database))
    file = live_file.with_name(f"{live_file.stem}.rebuild.sqlite")
    _remove(file)
    both = create_engine(engine.url)
    event.listen(both, "connect", _attaching(file))
    try:
        yield both, SHADOW
    finally:
        both.dispose()
        _remove(file)


def _attaching(file: Path) -> Callable[[Any, Any], None]:
    def attach(dbapi_connection: Any, record: Any) -> None:
        sqlite_pragmas(dbapi_connection, record)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"ATTACH DATABASE ? AS {SHADOW}", (str(file),))
        cursor.execute(f"PRAGMA {SHADOW}.journal_mode=MEMORY")  # thrown away on a crash
        cursor.execute(f"PRAGMA {SHADOW}.synchronous=OFF")
        cursor.close()

    return attach


def _remove(file: Path) -> None:
    for path in (file, file.with_name(file.name + "-journal")):
        path.unlink(missing_ok=True)
