"""Keeping read models current while the service runs.

`Follower` runs a `ProjectionRunner` on a background thread. On PostgreSQL a second
thread LISTENs on the event store's channel (the library NOTIFYs it on every insert)
and wakes the runner at once; polling stays as the fallback. In the embedded default
the web app owns a follower, pokes it after each write and waits for the position of
its own write (`wait_for`), so a member sees what they just did (read-your-writes).

Stopping is immediate: `stop` wakes the runner's wait and closes the LISTEN
connection under the listener, so `momentum serve`, `momentum project` (SIGTERM
under systemd) and every test stop in milliseconds. A database outage does not end
the follower: it logs, waits a little and tries again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import threading
from collections.abc import Callable

import psycopg
from psycopg import sql
from sqlalchemy import Engine

from projections.runner import ProjectionRunner

log = logging.getLogger(__name__)


def pg_conninfo(engine: Engine) -> str | None:
    """A libpq connection string for the read-model engine, if it is PostgreSQL."""
    if engine.dialect.name != "postgresql":
        return None
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


RETRY_AFTER = 2.0
"""Seconds between tries while the database cannot be reached."""


class Listener:
    """Calls `wake` on every NOTIFY on `channel` until `close` is called.

    It waits on the connection's socket and on a pipe of its own, so `close` ends
    the wait at once by writing to the pipe (no timeout to sit out)."""

    def __init__(self, conninfo: str, channel: str, wake: Callable[[], None]) -> None:
        self.conninfo = conninfo
        self.channel = channel
        self.wake = wake
        self._stop = threading.Event()
        self._wakeup_r, self._wakeup_w = os.pipe()

    def run(self) -> None:
        """Listen (reconnecting after a lost connection) until closed."""
        try:
            while not self._stop.is_set():
                try:
                    self._listen()
                except psycopg.Error as e:
                    log.warning("LISTEN connection lost (%s); polling meanwhile", e)
                    self._pause(RETRY_AFTER)
                except Exception:  # never die silently: polling covers meanwhile
                    log.exception("LISTEN failed; polling meanwhile")
                    self._pause(RETRY_AFTER)
        finally:
            os.close(self._wakeup_r)

    def _listen(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
            self.wake()  # anything written while we were not listening
            while self._pause(None, conn.fileno()):
                for _ in conn.notifies(timeout=0):
                    self.wake()

    def _pause(self, seconds: float | None, fileno: int | None = None) -> bool:
        """Wait for the socket (if any) or `seconds`; False once closed. (epoll,
        not select(): a busy process may hand out descriptors above 1024.)"""
        with selectors.DefaultSelector() as selector:
            selector.register(self._wakeup_r, selectors.EVENT_READ)
            if fileno is not None:
                selector.register(fileno, selectors.EVENT_READ)
            ready = {key.fd for key, _ in selector.select(seconds)}
        return self._wakeup_r not in ready and not self._stop.is_set()

    def close(self) -> None:
        """Stop listening now."""
        if not self._stop.is_set():
            self._stop.set()
            with contextlib.suppress(BrokenPipeError):  # the listener has ended
                os.write(self._wakeup_w, b"x")
            os.close(self._wakeup_w)


class Follower:
    """A projection runner on a daemon thread, woken by writes."""

    def __init__(self, runner: ProjectionRunner, poll_interval: float = 0.5) -> None:
        self.runner = runner
        self.poll_interval = poll_interval
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._listener: Listener | None = None
        self.error: BaseException | None = None

    def start(self) -> Follower:
        """Give stopped read models another try (this process may carry the fix),
        catch up in the background and keep following the log."""
        self.runner.resume()
        self._spawn("projections", self._follow)
        conninfo = pg_conninfo(self.runner.engine)
        channel = getattr(self.runner.app.recorder, "channel_name", None)
        if conninfo and channel:
            self._listener = Listener(conninfo, channel, self.runner.poke)
            self._spawn("projections-listen", self._listener.run)
        return self

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _follow(self) -> None:
        while not self._stop.is_set():
            try:
                self.runner.run(self._stop, self.poll_interval)
            except Exception as e:  # an outage: kept for healthz, logged, retried
                self.error = e
                log.exception("projection runner interrupted; trying again")
                self.runner.poke()  # writers waiting on us look again
                self._stop.wait(RETRY_AFTER)
            else:
                self.error = None

    @property
    def alive(self) -> bool:
        """True while the runner thread is following the log."""
        return bool(self._threads) and self._threads[0].is_alive()

    def wait_for(self, position: int | None, timeout: float = 5.0) -> bool:
        """Wake the runner and wait until every read model has applied `position`."""
        if position is None:
            return True
        self.runner.poke()
        return self.runner.wait_for(position, timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop following and wait for the threads to end."""
        self._stop.set()
        self.runner.poke()
        if self._listener is not None:
            self._listener.close()
        for thread in self._threads:
            thread.join(timeout)
