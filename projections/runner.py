"""The projection runner: follows the event log in order and keeps read models current.

Each batch of events is applied to one read model in one transaction together with
its tracking position (see `tracking`), so a crash loses or repeats nothing.

Failure model: a read model that raises while applying an event stops *alone*, at
that event: the runner finds the event (it re-applies the failed batch one event per
transaction), records the model, position, event type and error in its tracking row,
logs it, and goes on with the other read models. No event is ever skipped: a stopped
model stays where it is until it is rebuilt or a runner starts again (`resume`, after
a fix is deployed). Losing the database (an `OperationalError`) stops nobody: it
propagates, and the follower tries again.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from eventsourcing.persistence import Notification
from sqlalchemy import Connection, Engine, Table, text
from sqlalchemy.exc import DBAPIError, OperationalError

from projections import bluegreen, migrate, tracking
from projections.db import wipe_side_files
from service.application import MomentumApplication

BATCH = 5000
"""Events per transaction, at most, on the live tables: a follower far behind (a
catch-up in place) applies the log in batches this big, a live follower usually has a
few (a replay into scratch tables uses `REBUILD_BATCH`).
Bigger batches spread each member's per-batch work (loads, metrics checkpoints) over
more events: 100,000 events rebuilt in 20.3 s of CPU with 2,000, 18.8 s with 5,000,
17.2 s with 10,000, for a peak RSS of 129, 149 and 179 MB."""

REBUILD_BATCH = 10_000
"""Events per transaction of a replay into scratch tables (a rebuild, a catch-up
from zero built beside): readers never wait for these, and twice the live batch
cut the CPU of a 300,000-event rebuild by 18 % (a member's checkpoints are
recomputed once per batch it is in), for 170 MB peak RSS instead of 144 (20,000:
no faster, 229 MB)."""

TOGETHER_BELOW = 500
"""A batch this short is applied to every running read model of an engine in one
transaction (one commit, every tracking row moved in it); if that fails, it is
applied again one model per transaction, so only the model that cannot apply an
event stops. A live follower's batches are a few events, and the transaction per
model was most of their cost: on PostgreSQL a one-event batch took 28 statements and
8 commits over 8 pool checkouts (14.8 ms, 9.6 ms of CPU). Big batches stay one model
per transaction: there the commits cost nothing next to the work, and a failure
would make every model apply thousands of events twice."""

PARALLEL_AFTER = 50_000
"""A catch-up given a helper takes a second process when at least this far behind:
below it, starting the process costs more than it saves."""

ANALYZE_AFTER = 5000
"""A catch-up that applied at least this many events refreshes the statistics."""

WIPE_AFTER = frozenset({"Member.Erased"})
"""Events after which no copy of deleted rows may stay in the database's side files."""

log = logging.getLogger(__name__)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while one batch is applied, on again
    after it (unless the process had turned it off).

    A batch allocates hundreds of thousands of objects (decoded events, rows as
    dicts) that reference counting frees when the batch ends; meanwhile the
    collector kept scanning them and every older object: 30-40 % of a rebuild's CPU
    time (7.7 of 25.5 s for 100,000 events, timed with `gc.callbacks`; 0.3 s with
    it paused per batch). A batch's cycles, if any, wait for the end of the batch:
    memory stays bounded by the batch."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Undecodable:
    """Stands in for an event the mapper could not turn back into a domain event."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def event_type(notification: Notification) -> str:
    """`Aggregate.Event` of a stored event's topic (`module:Aggregate.Event`)."""
    return notification.topic.rpartition(":")[2]


def is_outage(error: BaseException) -> bool:
    """True for a lost or unusable database connection: worth retrying, and no
    reason to stop a read model."""
    if isinstance(error, OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


class ReadModel(Protocol):
    """One read model: its name (tracking key), tables and how events change them."""

    @property
    def name(self) -> str:
        """The read model's tracking key (also the NAME of `momentum rebuild`)."""

    @property
    def tables(self) -> Sequence[Table]:
        """Its tables, parents first."""

    def apply_batch(
        self, conn: Connection, events: Sequence[tuple[Notification, Any]]
    ) -> None:
        """Change the read model's rows for these events, in log order, in the
        caller's transaction (`notification.id` is an event's position in the
        log). Events it does not handle change nothing."""


class ProjectionRunner:
    """Applies the application's events to read models, exactly once each."""

    def __init__(
        self,
        app: MomentumApplication,
        engine: Engine,
        models: Sequence[ReadModel],
        *,
        batch_size: int = BATCH,
        rebuild_batch_size: int = REBUILD_BATCH,
        engines: Mapping[str, Engine] | None = None,
    ) -> None:
        self.app = app
        self.engine = engine
        self.models = list(models)
        self.batch_size = batch_size
        self.rebuild_batch_size = rebuild_batch_size
        self._engines = {m.name: (engines or {}).get(m.name, engine) for m in models}
        """Where each model's tables and tracking row are (`engine`, unless `engines`
        says otherwise: a blue/green rebuild replays some models beside the live
        ones and the audit index on the live tables, in one pass over the log)."""
        self._changed = threading.Condition()
        self._poked = False

    def setup(self) -> None:
        """Migrate the read-model tables (Alembic), add missing tracking rows, and
        build readers-only indexes a rebuild in place dropped and did not get to
        build again (it crashed)."""
        migrate.upgrade(self.engine)
        with self.engine.begin() as conn:
            for model in self.models:
                tracking.ensure(conn, model.name)
            bluegreen.readers_indexes(conn, self.models)

    def states(self) -> dict[str, tracking.State]:
        """Each read model's position, and where it stopped if it did."""
        found: dict[str, tracking.State] = {}
        for engine in dict.fromkeys(self._engines.values()):
            with engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    # one statement needs no BEGIN and ROLLBACK (two round trips)
                    conn.execution_options(isolation_level="AUTOCOMMIT")
                kept = tracking.states(conn)
            for name, its in self._engines.items():
                if its is engine and name in kept:
                    found[name] = kept[name]
        return {m.name: found.get(m.name, tracking.State(0, None)) for m in self.models}

    def positions(self) -> dict[str, int]:
        """Each read model's last applied notification id."""
        return {name: state.position for name, state in self.states().items()}

    def stopped(self) -> list[tracking.Stopped]:
        """The read models that stopped on an event they could not apply."""
        return [s.stopped for s in self.states().values() if s.stopped is not None]

    def resume(self, names: Sequence[str] | None = None) -> None:
        """Let stopped read models try again (all, or those named)."""
        for engine in dict.fromkeys(self._engines.values()):
            with engine.begin() as conn:
                tracking.resume(conn, list(names) if names is not None else None)

    def catch_up(
        self,
        progress: Callable[[int], None] | None = None,
        helper: bluegreen.Helper | None = None,
    ) -> int:
        """Apply every event recorded so far to every read model that has not
        stopped; return how many events were read. With a `helper` and at least
        `PARALLEL_AFTER` events behind, a second process takes about half of the
        models (`_catch_up_in_two`): those still at zero are built beside and
        swapped in as a rebuild builds them; on PostgreSQL, those part of the way
        are caught up on the live tables (`bluegreen.Share`)."""
        total = self._catch_up_in_two(progress, helper) if helper else 0
        while True:
            running = {
                name: state.position
                for name, state in self.states().items()
                if state.stopped is None
            }
            if not running:
                return total
            with collector_paused():
                batch, at_head = self._apply_next(running)
            if batch is None:  # the next stored event cannot even be read
                return total
            if batch:
                if any(event_type(n) in WIPE_AFTER for n in batch):
                    wipe_side_files(self.engine)
                total += len(batch)
                if progress:
                    progress(len(batch))
                with self._changed:
                    self._changed.notify_all()
            if at_head:  # a short batch: no need to read again to know
                if total >= ANALYZE_AFTER:
                    self.analyze()
                return total

    def _catch_up_in_two(
        self, progress: Callable[[int], None] | None, helper: bluegreen.Helper
    ) -> int:
        """The far-behind part of a catch-up in two processes: the events
        replayed, 0 if not worth it. The models still at zero are built beside,
        about half by the second process, and swapped in (`bluegreen.rebuild`:
        readers see them empty, then whole; on SQLite, one writer per file, each
        process writes a scratch file of its own). Models part of the way are
        caught up where they are: on PostgreSQL, where two writers of different
        tables do not wait for each other, the second process takes about half of
        them; on SQLite this process takes them all."""
        if any(engine is not self.engine for engine in self._engines.values()):
            return 0
        states = self.states()
        running = [m for m in self.models if states[m.name].stopped is None]
        head = self.app.recorder.max_notification_id() or 0
        empty = [m for m in running if states[m.name].position == 0]
        if empty and head >= PARALLEL_AFTER:
            return bluegreen.rebuild(self, empty, progress, helper)
        if self.engine.dialect.name != "postgresql":
            return 0
        slowest = min((states[m.name].position for m in running), default=head)
        if head - slowest < PARALLEL_AFTER:
            return 0
        ours, theirs = bluegreen.split(running, [])
        if not theirs:
            return 0
        names = tuple(m.name for m in theirs)
        share = bluegreen.Share(names, None, None, self.batch_size, os.getpid())
        here = ProjectionRunner(self.app, self.engine, ours, batch_size=self.batch_size)
        return bluegreen.in_two(here, share, helper, progress)

    def _apply_next(
        self, running: dict[str, int]
    ) -> tuple[Sequence[Notification] | None, bool]:
        """Read the batch after the slowest running model and apply it to every
        running model; the batch (None if unreadable, empty at the head) and
        whether it reached the head of the log (a whole read shorter than a
        batch: every event recorded before the read is in it)."""
        batch, at_head = self._read(min(running.values()))
        if batch:
            events = [(n, self._decode(n)) for n in batch]
            done: set[str] = set()
            if len(batch) < TOGETHER_BELOW:
                for engine in dict.fromkeys(self._engines.values()):
                    done.update(self._apply_together(engine, running, events))
            for model in self.models:
                if model.name in running and model.name not in done:
                    self._apply_batch(model, running[model.name], events)
        return batch, at_head

    def _apply_together(
        self,
        engine: Engine,
        running: dict[str, int],
        events: list[tuple[Notification, Any]],
    ) -> list[str]:
        """Apply the batch to every running model of `engine` in one transaction
        (`TOGETHER_BELOW`); the names of the models it applied to: none if any of
        them failed (nothing of it was committed; each tries alone next)."""
        work = [
            (model, expected, todo)
            for model in self.models
            if self._engines[model.name] is engine
            and (expected := running.get(model.name)) is not None
            and (todo := [(n, e) for n, e in events if n.id > expected])
        ]
        undecodable = any(
            isinstance(e, Undecodable) for _, _, todo in work for _, e in todo
        )
        if len(work) < 2 or undecodable:
            return []
        moves: dict[int, list[str]] = {}
        for model, expected, _ in work:
            moves.setdefault(expected, []).append(model.name)
        try:
            with engine.begin() as conn:
                tracking.advance_all(conn, moves, events[-1][0].id)
                for model, _, todo in work:
                    model.apply_batch(conn, todo)
        except tracking.PositionMovedError:
            return []  # another runner moved one of them: each sees for itself
        except Exception as error:
            if is_outage(error):
                raise
            log.debug("applying together failed, one model at a time: %s", error)
            return []
        return [model.name for model, _, _ in work]

    def _read(self, start: int) -> tuple[Sequence[Notification] | None, bool]:
        """The next batch after `start`, and whether it reached the head of the
        log. A stored row the event store cannot read (a tampered state) stops
        every running model just after the last readable event, with the error;
        None then (the events before it come first, as a batch not at the head).
        Outages propagate."""
        try:
            batch = self.app.recorder.select_notifications(
                start=start, limit=self.batch_size, inclusive_of_start=False
            )
            return batch, len(batch) < self.batch_size
        except Exception as error:
            if is_outage(error):
                raise
            readable: list[Notification] = []
            try:  # keep what can be read before the bad row
                for _ in range(self.batch_size):
                    after = readable[-1].id if readable else start
                    one = self.app.recorder.select_notifications(
                        start=after, limit=1, inclusive_of_start=False
                    )
                    if not one:
                        break
                    readable.extend(one)
            except Exception as again:
                if is_outage(again):
                    raise
                error = again
            if readable:
                return readable, False
            self._stop_all(start + 1, error)
            return None, True

    def _stop_all(self, position: int, error: Exception) -> None:
        """Stop every running model at `position`, a row that cannot be read."""
        at = self.app.clock.now()
        reason = f"the stored event cannot be read: {type(error).__name__}: {error}"
        for name, state in self.states().items():
            if state.stopped is None:
                stopped = tracking.Stopped(name, position, "unreadable", reason, at)
                log.error("read model %s", stopped.describe())
                with self._engines[name].begin() as conn:
                    tracking.stop(conn, stopped)
        with self._changed:
            self._changed.notify_all()

    def analyze(self) -> None:
        """Refresh the planner's statistics of every read-model table. After a big
        catch-up or rebuild they are stale until autovacuum comes round, and with
        stale ones PostgreSQL sorted a member's 10,000 journal entries for a page
        of 50 (22 ms instead of 1.4 ms)."""
        for engine in dict.fromkeys(self._engines.values()):
            with engine.begin() as conn:
                if conn.dialect.name != "postgresql":
                    conn.execute(text("ANALYZE"))
                    continue
                for model in self.models:
                    if self._engines[model.name] is engine:
                        for table in model.tables:
                            conn.execute(text(f'ANALYZE "{table.name}"'))

    def _decode(self, notification: Notification) -> Any:
        try:
            return self.app.mapper.to_domain_event(notification)
        except Exception as error:  # every model stops on it, with the reason
            return Undecodable(error)

    def _apply_batch(
        self, model: ReadModel, expected: int, events: list[tuple[Notification, Any]]
    ) -> None:
        todo = [(n, e) for n, e in events if n.id > expected]
        if not todo:
            return
        if not any(isinstance(e, Undecodable) for _, e in todo):
            try:
                self._commit(model, expected, todo)
                return
            except tracking.PositionMovedError:
                return  # another runner applied these; the next round re-reads
            except Exception as error:
                if is_outage(error):
                    raise
        self._apply_singly(model, expected, todo)

    def _commit(
        self, model: ReadModel, expected: int, todo: list[tuple[Notification, Any]]
    ) -> None:
        with self._engines[model.name].begin() as conn:
            tracking.advance(conn, model.name, expected, todo[-1][0].id)
            model.apply_batch(conn, todo)

    def _apply_singly(
        self, model: ReadModel, expected: int, todo: list[tuple[Notification, Any]]
    ) -> None:
        """Apply one event per transaction up to the one that fails; stop there."""
        for notification, event in todo:
            try:
                if isinstance(event, Undecodable):
                    raise event.error
                self._commit(model, expected, [(notification, event)])
            except tracking.PositionMovedError:
                return
            except Exception as error:
                if is_outage(error):
                    raise
                self._stop(model, notification, error)
                return
            expected = notification.id

    def _stop(
        self, model: ReadModel, notification: Notification, error: Exception
    ) -> None:
        stopped = tracking.Stopped(
            model.name,
            notification.id,
            event_type(notification),
            f"{type(error).__name__}: {error}",
            self.app.clock.now(),
        )
        log.error("read model %s", stopped.describe(), exc_info=error)
        with self._engines[model.name].begin() as conn:
            tracking.stop(conn, stopped)

    def lag(self) -> int:
        """How many notifications the slowest read model is behind the log."""
        head = self.app.recorder.max_notification_id() or 0
        return head - min(self.positions().values(), default=head)

    def wait_for(self, position: int, timeout: float = 5.0) -> bool:
        """Block until every read model has applied `position` (read-your-writes).

        A stopped read model will not get there: the wait is for the others only,
        and says False, instead of holding the writer for `timeout` seconds."""

        def settled() -> bool:
            return all(
                s.stopped is not None or s.position >= position
                for s in self.states().values()
            )

        with self._changed:
            if not self._changed.wait_for(settled, timeout):
                return False
        return not self.stopped()

    def run(self, stop: threading.Event, poll_interval: float = 0.2) -> None:
        """Follow the log until `stop` is set (polling; woken early by `poke`)."""
        while not stop.is_set():
            with self._changed:
                self._poked = False  # a poke from now on means: look again
            if not self.catch_up():
                with self._changed:
                    self._changed.wait_for(
                        lambda: self._poked or stop.is_set(), poll_interval
                    )

    def poke(self) -> None:
        """Wake a waiting `run` loop (after a write, or on a NOTIFY)."""
        with self._changed:
            self._poked = True
            self._changed.notify_all()

    def rebuild(
        self,
        names: Sequence[str] | None = None,
        progress: Callable[[int], None] | None = None,
        helper: bluegreen.Helper | None = None,
    ) -> int:
        """Rebuild read models from zero beside the live ones and swap them in
        (`projections.bluegreen`); others keep their position. A rebuilt model
        starts again even if it had stopped. With a `helper`, a second process
        replays about half of them meanwhile. The number of events replayed."""
        chosen = [m for m in self.models if names is None or m.name in names]
        return bluegreen.rebuild(self, chosen, progress, helper)
