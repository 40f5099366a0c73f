"""Read-your-writes when the projection runner is another process (gunicorn's workers
beside `momentum project`): waiting for the read models without polling them.

On PostgreSQL a trigger on the tracking table (`projection_tracking_settled`, made
by `install` with the read models' tables: `momentum init`, `momentum project`)
NOTIFYs when the slowest running read model moves forward, with its new position —
once per batch of the runner, on the commit of the last model to reach it. A stop, a
resume, a position moved back (a rebuild) or a new read model notify "look". A
process that waits keeps one LISTEN connection on a thread of its own (`PositionWatch`,
started by its first wait) and a write waits on a condition variable until the
position it needs has been announced: no query per wait, no 10 ms poll.

Notifications only ever make a wait end sooner: each wait also looks at the tracking
rows itself every `LIVE_CHECK` seconds, and polls them every `POLL` seconds, as before,
while the watch is not listening (SQLite; a store without the trigger yet; a lost
connection, until it is back).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import selectors
import threading
import time

import psycopg
from psycopg import sql
from sqlalchemy import Engine, text

from projections.follower import pg_conninfo
from projections.runner import ProjectionRunner

log = logging.getLogger(__name__)

POLL = 0.01
"""Seconds between looks at the tracking rows while not listening."""
LIVE_CHECK = 0.1
"""Seconds between a listening wait's own looks (a safety net, never needed)."""
RETRY = 2.0
"""Seconds before listening again after a lost connection."""
TRIGGER_RECHECK = 30.0
"""Seconds before looking again for a trigger that was not there."""
START_TIMEOUT = 2.0
"""Seconds the first wait gives the listener to connect (then it polls)."""
TRIGGER = "projection_tracking_settled"
TABLE = "projection_tracking"


def channel_for(schema: str) -> str:
    """The NOTIFY channel of the tracking table in `schema` (every schema of a
    database shares the channels; a name is at most 63 bytes)."""
    return "momentum_tracking_" + hashlib.md5(schema.encode()).hexdigest()[:16]


_FUNCTION = """
CREATE OR REPLACE FUNCTION momentum_tracking_settled() RETURNS trigger
LANGUAGE plpgsql AS $BODY$
DECLARE
    channel text := 'momentum_tracking_' || left(md5(TG_TABLE_SCHEMA), 16);
    settled bigint;
BEGIN
    IF TG_OP = 'INSERT' OR NEW.stopped_at IS DISTINCT FROM OLD.stopped_at
            OR NEW.position < OLD.position THEN
        PERFORM pg_notify(channel, 'look');
    ELSIF NEW.position > OLD.position AND NEW.stopped_at IS NULL THEN
        EXECUTE format('SELECT min(position) FROM %I.%I WHERE stopped_at IS NULL',
                       TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO settled;
        IF settled > OLD.position THEN
            PERFORM pg_notify(channel, settled::text);
        END IF;
    END IF;
    RETURN NULL;
END $BODY$
"""

_TRIGGER = f"""
CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE ON {TABLE}
FOR EACH ROW EXECUTE FUNCTION momentum_tracking_settled()
"""

_FIND = f"""
SELECT n.nspname FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE t.tgrelid = to_regclass('{TABLE}') AND t.tgname = '{TRIGGER}'
"""


def install(engine: Engine) -> None:
    """Create the trigger on PostgreSQL (the function replaced, the trigger made if
    missing); nothing on SQLite. Run after the read models' migrations, by
    processes that create tables."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        # one creator at a time: concurrent catalog updates fail otherwise
        lock = text("SELECT pg_advisory_xact_lock(hashtext(:key))")
        conn.execute(lock, {"key": TRIGGER})
        conn.execute(text(_FUNCTION))
        if conn.execute(text(_FIND)).first() is None:  # else no lock on the table
            conn.execute(text(_TRIGGER))


class PositionWatch:
    """Waits until every read model has applied a position, the runner being
    another process (see the module docstring)."""

    def __init__(self, runner: ProjectionRunner) -> None:
        self.runner = runner
        self._conninfo = pg_conninfo(runner.engine)
        self._cond = threading.Condition()
        self._live = False
        """True while listening on a store with the trigger: `_settled` is kept."""
        self._settled = 0
        """Every running read model has applied at least this position."""
        self._stopped = False
        """Some read model has stopped (as of the last look)."""
        self._thread: threading.Thread | None = None
        self._tried = threading.Event()
        """Set once the first try to listen has ended one way or the other."""
        self._closing = threading.Event()
        self._wakeup_r, self._wakeup_w = os.pipe()

    @property
    def listening(self) -> bool:
        """True while waits end on notifications (the trigger is there)."""
        return self._live

    def wait_for(self, position: int, timeout: float) -> bool:
        """Block until every read model that has not stopped has applied
        `position`; then True if none has stopped. False after `timeout` seconds."""
        self._start()
        deadline = time.monotonic() + timeout
        # listening: no look of our own unless no notification came for a while
        look_at = time.monotonic() + (LIVE_CHECK if self._live else 0.0)
        while True:
            with self._cond:
                if self._live and self._settled >= position:
                    return not self._stopped
                now = time.monotonic()
                if now >= deadline:
                    return False
                if self._live and now < look_at:
                    self._cond.wait(min(deadline, look_at) - now)
                    continue
            states = self.runner.states().values()
            if all(s.stopped is not None or s.position >= position for s in states):
                return all(s.stopped is None for s in states)
            with self._cond:
                look_at = time.monotonic() + (LIVE_CHECK if self._live else POLL)
                if not self._live:  # a poll; a live watch may take over meanwhile
                    self._cond.wait(POLL)

    def close(self) -> None:
        """Stop listening now (the thread ends at once)."""
        if self._closing.is_set():
            return
        self._closing.set()
        with contextlib.suppress(OSError):
            os.write(self._wakeup_w, b"x")
        if self._thread is not None:
            self._thread.join(5)
        for fd in (self._wakeup_r, self._wakeup_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _start(self) -> None:
        """Listen from the first wait on; that wait waits (a little) for the
        listener, so that it already ends on a notification."""
        if self._thread is None and self._conninfo is not None:
            with self._cond:
                if self._thread is None and not self._closing.is_set():
                    self._thread = threading.Thread(
                        target=self._run, name="read-your-writes", daemon=True
                    )
                    self._thread.start()
        if self._thread is not None:
            self._tried.wait(START_TIMEOUT)

    def _run(self) -> None:
        assert self._conninfo is not None
        while not self._closing.is_set():
            pause = RETRY
            try:
                pause = self._listen(self._conninfo)
            except Exception as error:  # polling covers meanwhile
                log.warning("read-your-writes LISTEN lost (%s); polling", error)
            finally:
                with self._cond:
                    self._live = False
                self._tried.set()
            self._pause(pause)

    def _listen(self, conninfo: str) -> float:
        """Listen until closed (0) or the connection is lost (raises); the seconds
        to wait before trying again if the store has no trigger."""
        with self.runner.engine.connect() as found:  # its search_path: the schema
            row = found.execute(text(_FIND)).first()
        if row is None:
            self._tried.set()
            return TRIGGER_RECHECK
        channel = sql.Identifier(channel_for(str(row[0])))
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("LISTEN {}").format(channel))
            self._look()  # what happened before we listened
            self._tried.set()
            while self._pause(None, conn.fileno()):
                look = False
                settled = 0
                for notification in conn.notifies(timeout=0):
                    if notification.payload == "look":
                        look = True
                    else:
                        settled = max(settled, int(notification.payload))
                if look:
                    self._look()
                elif settled:
                    with self._cond:
                        self._settled = max(self._settled, settled)
                        self._cond.notify_all()
        return 0.0

    def _look(self) -> None:
        """Read the tracking rows; waits trust `_settled` from now on."""
        states = self.runner.states().values()
        running = [s.position for s in states if s.stopped is None]
        with self._cond:
            self._settled = min(running, default=2**62)
            self._stopped = len(running) < len(states)
            self._live = True
            self._cond.notify_all()

    def _pause(self, seconds: float | None, fileno: int | None = None) -> bool:
        """Wait for the socket (if any) or `seconds`; False once closing."""
        if self._closing.is_set():
            return False
        with selectors.DefaultSelector() as selector:
            selector.register(self._wakeup_r, selectors.EVENT_READ)
            if fileno is not None:
                selector.register(fileno, selectors.EVENT_READ)
            selector.select(seconds)
        return not self._closing.is_set()
