"""Keeping read models current while the service runs.

`Follower` runs a `ProjectionRunner` on a background thread. On PostgreSQL a second
thread LISTENs on the event store's channel (the library NOTIFYs it on every insert)
and wakes the runner at once; polling stays as the fallback. In the embedded default
the web app owns a follower, pokes it after each write and waits for the position of
its own write (`wait_for`), so a member sees what they just did (read-your-writes).
"""

from __future__ import annotations

import logging
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


def listen(
    conninfo: str, channel: str, wake: Callable[[], None], stop: threading.Event
) -> None:
    """Call `wake` on every NOTIFY on `channel` until `stop` is set."""
    while not stop.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                wake()  # anything written while we were not listening
                while not stop.is_set():
                    for _ in conn.notifies(timeout=1.0, stop_after=1):
                        wake()
        except psycopg.OperationalError as e:
            log.warning("LISTEN connection lost (%s); polling until it is back", e)
            stop.wait(2.0)


class Follower:
    """A projection runner on a daemon thread, woken by writes."""

    def __init__(self, runner: ProjectionRunner, poll_interval: float = 0.5) -> None:
        self.runner = runner
        self.poll_interval = poll_interval
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.error: BaseException | None = None

    def start(self) -> Follower:
        """Catch up in the background and keep following the log."""
        self._spawn("projections", self._follow)
        conninfo = pg_conninfo(self.runner.engine)
        channel = getattr(self.runner.app.recorder, "channel_name", None)
        if conninfo and channel:
            self._spawn(
                "projections-listen",
                lambda: listen(conninfo, channel, self.runner.poke, self._stop),
            )
        return self

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _follow(self) -> None:
        try:
            self.runner.run(self._stop, self.poll_interval)
        except BaseException as e:  # stop loudly: kept for healthz, logged
            self.error = e
            log.exception("projection runner stopped")
            self.runner.poke()

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
        for thread in self._threads:
            thread.join(timeout)
