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

**In two processes** (`rebuild(…, helper=…)`; `momentum rebuild` on two cores or
more): the models are split in two groups of about equal cost (`REPLAY_COST`); a
spawned process replays one group (`replay_share`, with an application and engine
of its own — never a connection forked from this one) while this one replays the
other, both reading and decoding the log. The progress shown is the slower
process's. On PostgreSQL both write the same scratch schema, and the swap is one
transaction over both groups. On SQLite, which has one writer per file, the second
process writes a scratch database of its own (`readmodels.rebuild-2.sqlite`) and
swaps its group in itself, in one transaction, as soon as the live database is
free of this process's in-place replay (`Share.after`): the copy, seconds for a
million events, then overlaps what this one has left to do (the metrics model's
checkpoints) instead of following it; this process swaps its own group after.
Each model is old or new for readers, never partial; the two groups change
seconds apart. If the second process fails, the rebuild raises and the live
models stay as they were; if the rebuilding process dies, the second one stops at
its next batch, or before its swap.

Indexes are created with the scratch tables, as the handlers look rows up by them
batch by batch — except those only readers use (`projections.db.readers_index`),
which each process builds once its replay has reached the head: sorting a
million keys at once costs far less than inserting them one by one. The audit
index, rebuilt in place, has its readers-only indexes dropped while its tables
are emptied and built again at the end (`ProjectionRunner.setup` builds any that a
crash left missing).

Into scratch tables a model replays with `replay_batch` (`Replaying`), and once the
replay has reached the head its `replayed` completes what the batches left (the
metrics model's checkpoints, `replayed_all`, after the indexes): nobody reads the
tables in between.

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

import functools
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
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
from sqlalchemy.schema import CreateIndex, CreateTable, DropIndex
from sqlalchemy.sql.ddl import ExecutableDDLElement

from projections import tracking
from projections.db import readers_only, sqlite_pragmas, wipe_side_files
from service.application import MomentumApplication

if TYPE_CHECKING:
    from projections.runner import ProjectionRunner, ReadModel

SHADOW = "rebuild"
"""The scratch schema's name as the models' tables see it."""

FREE_POLL = 0.05
"""Seconds between two looks of the second process at the in-place replay's
progress, before it swaps its models in (SQLite)."""

REPLAY_COST = {
    "journal": 42,
    "metrics": 34,
    "goals": 19,
    "audit": 19,
    "notifications": 15,
    "history": 2.0,
    "relations": 1.3,
    "groups": 0.9,
}
"""Each model's share of a rebuild, µs per event on the bench's 1,000,000-event log
(a rebuild in two processes on a quiet machine, each model's batches timed in
thread CPU time as `python -m bench.projections --profile` does, plus what it
leaves for `replayed_all`: the metrics model's checkpoints, 29 + 5, the audit
index's readers-only indexes, 16 + 3; 1 for a model not listed), to split the
models between two processes so that both finish together where it takes
longest: the journal, goals and the small ones in the second process; the audit
index, metrics and notifications in the rebuilding one. Both also read and decode
the whole log (about 20 µs per event each). (Before their readers-only indexes were
built at the end, the audit index cost 48 and the journal 54; on 100,000 events
the models cost about half as much per event: they grow with the members a batch
touches.)"""


@dataclass(frozen=True)
class Share:
    """What a second process replays in a parallel rebuild: these models, into
    their scratch tables (`schema`; on SQLite in the database `file`, its own, as
    SQLite has one writer per file), from zero to the head of the log."""

    names: tuple[str, ...]
    schema: str | None
    """The scratch schema as the models' tables see it; None: the live tables (a
    catch-up in two processes, `ProjectionRunner.catch_up`)."""
    file: str | None
    batch_size: int
    parent: int
    """The process id of the rebuild: the helper stops if it goes away."""
    after: tuple[str, ...] = ()
    """With a `file` (SQLite): the models the rebuilding process replays in place,
    on the live database; the helper swaps its models in once each of them has
    reached the position the helper replayed to (or stopped)."""


Helper = Callable[[Share, Pipe], None]
"""Runs a `Share` in a fresh process (a picklable callable: the process is
spawned, never forked with the parent's connections). It sends its running total
of events replayed after each batch, then `("done", total)` or `("error", text)`,
through the pipe; `replay_share` does the work once it has an application and the
models."""


def rebuild(
    runner: ProjectionRunner,
    models: Sequence[ReadModel],
    progress: Callable[[int], None] | None = None,
    helper: Helper | None = None,
) -> int:
    """Rebuild `models` beside the live ones and swap them in (module docstring);
    the number of events replayed. Models marked `rebuilt_in_place` are emptied
    and replayed on the live tables, as before (see `in_place`). With a `helper`,
    a second process replays about half the models meanwhile (`Share`)."""
    from projections.runner import ProjectionRunner

    here = [m for m in models if getattr(m, "rebuilt_in_place", False)]
    beside = [m for m in models if m not in here]
    if not beside:
        return in_place(runner, here, progress)
    ours, theirs = (
        split(models, here)
        if helper and _can_share(runner)
        else (
            list(models),
            [],
        )
    )
    second = _second_file(runner.engine) if theirs else None
    _empty(runner.engine, here)
    try:
        with _scratch(runner.engine) as (engine, schema):
            scratch = engine.execution_options(schema_translate_map={None: schema})
            sqlite = engine.dialect.name == "sqlite"
            _create(scratch, [m for m in beside if m in ours or not sqlite])
            fresh = [m for m in beside if m in ours]
            shadow = ProjectionRunner(  # one pass over the log for both kinds
                runner.app,
                scratch,
                [Replaying(m) if m in fresh else m for m in runner.models if m in ours],
                batch_size=runner.rebuild_batch_size,
                engines={m.name: runner.engine for m in here},
            )
            if theirs and helper:
                share = Share(
                    tuple(m.name for m in theirs),
                    SHADOW if sqlite else schema,
                    str(second) if second else None,
                    runner.rebuild_batch_size,
                    os.getpid(),
                    tuple(m.name for m in here),
                )
                # while the second process may still be replaying, or swapping its
                # models in (SQLite): nothing here writes the live database
                then = functools.partial(replayed_all, scratch, fresh)
                replayed = in_two(shadow, share, helper, progress, then)
            else:
                replayed = shadow.catch_up(progress)
                replayed_all(scratch, fresh)
            with engine.begin() as conn:  # on SQLite the second process swapped its own
                _swap(conn, [m for m in beside if m in ours or not sqlite], schema)
    finally:  # the readers' indexes back in place, even if the replay failed
        with runner.engine.begin() as conn:
            readers_indexes(conn, here)
    wipe_side_files(runner.engine)  # no copy of erased rows left in -wal
    runner.catch_up()
    return replayed


class Replaying:
    """A model as a replay into fresh tables applies it: with its `replay_batch`
    (which may leave work for `replayed`), or `apply_batch` if it has none."""

    def __init__(self, model: ReadModel) -> None:
        self.model = model
        self.name = model.name
        self.tables = model.tables
        self.apply_batch = getattr(model, "replay_batch", model.apply_batch)


def replayed_all(scratch: Engine, models: Sequence[ReadModel]) -> None:
    """Complete what a replay from zero into `scratch` left, once it has reached
    the head: each model's readers-only indexes, then its `replayed`
    (`BatchedProjection.replayed`); each model in a transaction of its own."""
    for model in models:
        complete = getattr(model, "replayed", None)
        if complete is None and not readers_only(model.tables):
            continue  # nothing left: no transaction
        with scratch.begin() as conn:
            readers_indexes(conn, [model])
            if complete is not None:
                complete(conn)


def readers_indexes(conn: Connection, models: Sequence[ReadModel]) -> None:
    """Build the models' readers-only indexes that are missing."""
    for index in readers_only(t for m in models for t in m.tables):
        conn.execute(CreateIndex(index, if_not_exists=True))


def _can_share(runner: ProjectionRunner) -> bool:
    """A second process can replay into a scratch copy it can open: not an
    in-memory SQLite database (the tests' `StaticPool`)."""
    return not isinstance(runner.engine.pool, StaticPool)


def split(
    models: Sequence[ReadModel], here: Sequence[ReadModel]
) -> tuple[list[ReadModel], list[ReadModel]]:
    """Two groups of about equal `REPLAY_COST`, heaviest first; the models rebuilt
    in place stay in this process (they write the live tables)."""
    ours: list[ReadModel] = list(here)
    theirs: list[ReadModel] = []
    cost = {m.name: REPLAY_COST.get(m.name, 1) for m in models}
    for model in sorted(models, key=lambda m: -cost[m.name]):
        if model in here:
            continue
        lighter = min(
            (ours, theirs), key=lambda group: sum(cost[m.name] for m in group)
        )
        lighter.append(model)
    if not theirs:
        return list(models), []
    return [m for m in models if m in ours], [m for m in models if m in theirs]


def in_two(
    shadow: ProjectionRunner,
    share: Share,
    helper: Helper,
    progress: Callable[[int], None] | None,
    then: Callable[[], None] | None = None,
) -> int:
    """Replay `shadow`'s models here while a spawned process replays `share`, and
    `then` (here, while the other process may still be replaying); the progress
    shown is the slower one's. Raises if the helper failed."""
    ours_done, theirs_done, shown = 0, 0, 0
    receiving, sending = multiprocessing.get_context("spawn").Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(
        target=helper, args=(share, sending), name="momentum-rebuild", daemon=True
    )
    process.start()
    sending.close()
    outcome: tuple[str, Any] | None = None

    def show() -> None:
        nonlocal shown, theirs_done, outcome
        while outcome is None and receiving.poll():
            try:
                message = receiving.recv()
            except EOFError:
                outcome = ("error", "the rebuild's second process died")
                break
            if isinstance(message, int):
                theirs_done = message
            else:
                outcome = message
        if outcome is not None and outcome[0] == "error":
            raise RuntimeError(f"rebuild: second process failed: {outcome[1]}")
        slower = min(ours_done, theirs_done)
        if progress and slower > shown:
            progress(slower - shown)
            shown = slower

    def ours(n: int) -> None:
        nonlocal ours_done
        ours_done += n
        show()

    try:
        replayed = shadow.catch_up(ours)
        if then is not None:
            then()
        while outcome is None:
            if not receiving.poll(1.0) and not process.is_alive():
                receiving.poll(0.1)  # the last message may still be in flight
                if outcome is None and not receiving.poll():
                    raise RuntimeError(
                        "rebuild: second process exited with "
                        f"{process.exitcode} before it finished"
                    )
            show()
        ours_done = max(ours_done, theirs_done)
        show()
        process.join()
        return max(replayed, int(outcome[1]))
    finally:
        if process.is_alive():
            process.terminate()
            process.join()
        receiving.close()


def replay_share(
    app: MomentumApplication,
    engine: Engine,
    models: Sequence[ReadModel],
    share: Share,
    pipe: Pipe,
) -> None:
    """The second process's work (called by a `Helper` with a fresh application
    and the models named in `share`): replay them into their scratch tables,
    reporting through `pipe`; stop if the rebuilding process goes away."""
    from projections.runner import ProjectionRunner

    try:
        replayed = 0
        if share.file is not None:
            engine = _attached(engine, {SHADOW: Path(share.file)})
        scratch = engine.execution_options(schema_translate_map={None: share.schema})
        if share.file is not None:
            _create(scratch, models)

        def report(n: int) -> None:
            nonlocal replayed
            if os.getppid() != share.parent:
                raise SystemExit("the rebuild this process helped has gone")
            replayed += n
            pipe.send(replayed)

        fresh = share.schema is not None  # else the live tables (a catch-up)
        runner = ProjectionRunner(
            app,
            scratch,
            [Replaying(m) for m in models] if fresh else models,
            batch_size=share.batch_size,  # type: ignore[arg-type]
        )
        runner.catch_up(report)
        if fresh:
            replayed_all(scratch, models)
        if share.file is not None:
            _when_free(engine, share, max(runner.positions().values(), default=0))
            with engine.begin() as conn:
                _swap(conn, models, share.schema or SHADOW)
        pipe.send(("done", replayed))
    except BaseException:
        pipe.send(("error", traceback.format_exc(limit=5)))
        raise
    finally:
        pipe.close()
        engine.dispose()


def _when_free(engine: Engine, share: Share, position: int) -> None:
    """Wait until each of `share.after`, replayed in place by the rebuilding
    process, has reached `position` or stopped: it writes the live database until
    then. Stops if the rebuilding process goes away."""
    while True:
        if os.getppid() != share.parent:
            raise SystemExit("the rebuild this process helped has gone")
        with engine.connect() as conn:
            states = tracking.states(conn)
        if all(
            name not in states
            or states[name].stopped is not None
            or states[name].position >= position
            for name in share.after
        ):
            return
        time.sleep(FREE_POLL)


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
    try:
        return replay.catch_up(progress)
    finally:
        with runner.engine.begin() as conn:
            readers_indexes(conn, models)


def _empty(engine: Engine, models: Sequence[ReadModel]) -> None:
    """Empty the models' live tables, drop their readers-only indexes (until
    the replay is over: `readers_indexes`) and set their positions to zero."""
    with engine.begin() as conn:
        for model in models:
            for index in readers_only(model.tables):
                conn.execute(DropIndex(index, if_exists=True))
            for table in reversed(model.tables):
                conn.execute(table.delete())
            tracking.reset(conn, model.name)


def _create(scratch: Engine, models: Sequence[ReadModel]) -> None:
    """The models' tables and a tracking table in the scratch schema, empty, with
    a tracking row at 0 for each model; their indexes but the readers-only ones
    (`replayed_all` builds those)."""
    with scratch.begin() as conn:
        statements: list[ExecutableDDLElement] = []
        later = set(readers_only(t for m in models for t in m.tables))
        for table in [tracking.tracking, *(t for m in models for t in m.tables)]:
            statements.append(CreateTable(table))
            statements.extend(
                CreateIndex(index) for index in table.indexes if index not in later
            )
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
    """In the caller's transaction: the live tables get the scratch tables' rows
    (on PostgreSQL the scratch tables themselves), the live tracking rows the
    scratch positions (and stops)."""
    if conn.dialect.name == "postgresql":
        _move_in(conn, models, schema)
    else:
        _copy_in(conn, models, schema)
    scratch = MetaData()
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


def _copy_in(conn: Connection, models: Sequence[ReadModel], schema: str) -> None:
    """On SQLite (a scratch file cannot become a table of the live one): the live
    tables emptied and filled with the scratch tables' rows."""
    scratch = MetaData()
    for model in models:
        for table in reversed(model.tables):
            conn.execute(table.delete())
    for model in models:
        for table in model.tables:
            if _same_columns(conn, table.name, schema):
                # SQLite copies the rows, index entries too, page by page
                # ("transfer optimisation"): 3-5 times as fast as row by row
                conn.exec_driver_sql(
                    f'INSERT INTO main."{table.name}" SELECT * FROM "{schema}".'
                    f'"{table.name}"'
                )
                continue
            source = table.to_metadata(scratch, schema=schema)
            columns = [c.name for c in table.columns]
            conn.execute(
                insert(table).from_select(
                    columns, select(*(source.c[name] for name in columns))
                )
            )


def _move_in(conn: Connection, models: Sequence[ReadModel], schema: str) -> None:
    """On PostgreSQL, in the caller's transaction: each scratch table takes its
    live table's place, indexes and all (`DROP TABLE`, then `ALTER TABLE … SET
    SCHEMA`), instead of having its rows copied: a catalogue change, not a copy
    (12-16 s of a 300,000-event rebuild's 50-60 s went to copying). The live tables
    are locked first, all in one statement, so the swap waits for readers and
    writers in progress and then holds them back for its few milliseconds; no
    reader sees a table missing or half filled. The scratch tables are made from
    the models' metadata, which `alembic` finds equal to the migrated tables."""
    live = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
    names = [table.name for model in models for table in model.tables]
    conn.exec_driver_sql(
        "LOCK TABLE "
        + ", ".join(f'"{live}"."{name}"' for name in names)
        + " IN ACCESS EXCLUSIVE MODE"
    )
    for name in names:
        conn.exec_driver_sql(f'DROP TABLE "{live}"."{name}"')
        conn.exec_driver_sql(f'ALTER TABLE "{schema}"."{name}" SET SCHEMA "{live}"')


def _same_columns(conn: Connection, name: str, schema: str) -> bool:
    """On SQLite, whether the live table and its scratch copy have the same columns
    in the same order (a live table made by migrations may have them in another
    order than the model's, which made the scratch one): then `SELECT *` copies
    each value into its own column."""
    if conn.dialect.name != "sqlite":
        return False
    found = [
        [row[1] for row in conn.exec_driver_sql(f'PRAGMA "{db}".table_info("{name}")')]
        for db in ("main", schema)
    ]
    return bool(found[0]) and found[0] == found[1]


def _second_file(engine: Engine) -> Path | None:
    """On SQLite, the second process's scratch database file."""
    if engine.dialect.name != "sqlite":
        return None
    live_file = Path(str(engine.url.database))
    return live_file.with_name(f"{live_file.stem}.rebuild-2.sqlite")


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
    files = {SHADOW: live_file.with_name(f"{live_file.stem}.rebuild.sqlite")}
    second = _second_file(engine)  # the second process's; or left by a crash
    for file in [*files.values(), second]:
        _remove(file)
    attached = _attached(engine, files)
    try:
        yield attached, SHADOW
    finally:
        attached.dispose()
        for file in [*files.values(), second]:
            _remove(file)


def _attached(engine: Engine, files: Mapping[str, Path]) -> Engine:
    """A new engine on the SQLite read-model database with each scratch database
    file attached under its schema name (created empty if missing)."""

    def attach(dbapi_connection: Any, record: Any) -> None:
        sqlite_pragmas(dbapi_connection, record)
        cursor = dbapi_connection.cursor()
        for name, file in files.items():
            cursor.execute(f"ATTACH DATABASE ? AS {name}", (str(file),))
            # a rollback journal in a file: in memory it grew with the database
            # (each batch changes more pages of bigger indexes; peak RSS 178 MB at
            # 300,000 events instead of 144); `_remove` deletes it with the file
            cursor.execute(f"PRAGMA {name}.journal_mode=PERSIST")
            cursor.execute(f"PRAGMA {name}.synchronous=OFF")
        cursor.close()

    attached = create_engine(engine.url)
    event.listen(attached, "connect", attach)
    return attached


def _remove(file: Path | None) -> None:
    if file is None:
        return
    for path in (file, file.with_name(file.name + "-journal")):
        path.unlink(missing_ok=True)
