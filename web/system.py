"""The running system the web layer talks to: the service, the read models and the
projection follower, built once per process from settings.

`write` runs a command and returns once the read models show it (read-your-writes);
`read` lends a read-model connection to projection query functions.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import Connection, Engine

from projections.db import make_engine
from projections.follower import Follower
from projections.registry import all_models, with_checkpoints
from projections.runner import ProjectionRunner, ReadModel
from service.application import MomentumApplication
from service.bootstrap import bootstrap
from service.clock import Clock
from service.commands import Command, Result
from service.settings import Settings
from web.throttle import SignInThrottle

READ_YOUR_WRITES_TIMEOUT = 5.0
STOPPED_CACHE_SECONDS = 1.0
"""How long a process trusts its last look at which read models have stopped."""


@dataclass
class System:
    """The application, its read models and (embedded) the follower keeping them."""

    settings: Settings
    app: MomentumApplication
    engine: Engine
    runner: ProjectionRunner
    follower: Follower | None
    throttle: SignInThrottle
    _stopped: tuple[float, list[str]] = field(default=(-1e9, []), repr=False)

    def write(self, command: Command, idempotency_key: str | None = None) -> Result:
        """Run a command; return once every read model has applied it."""
        result = self.app.handle(command, idempotency_key=idempotency_key)
        position = result.position or self.app.recorder.max_notification_id()
        if position and not self.wait_for(position):
            self._stopped = (-1e9, [])  # look again: a read model may have stopped
        return result

    def wait_for(self, position: int) -> bool:
        """Wait (up to a few seconds) until the read models reach `position`."""
        if self.follower is not None and self.follower.alive:
            return self.follower.wait_for(position, READ_YOUR_WRITES_TIMEOUT)
        deadline = time.monotonic() + READ_YOUR_WRITES_TIMEOUT
        while time.monotonic() < deadline:  # the runner is another process
            if min(self.runner.positions().values()) >= position:
                return True
            time.sleep(0.01)
        return False

    def stopped_models(self) -> list[str]:
        """Names of the read models that stopped on an event they could not apply
        (what a page or an answer built from them may lack); looked up at most once
        a second per process."""
        looked, names = self._stopped
        if time.monotonic() - looked > STOPPED_CACHE_SECONDS:
            names = sorted(s.name for s in self.runner.stopped())
            self._stopped = (time.monotonic(), names)
        return names

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-model connection for projection queries."""
        with self.engine.connect() as conn:
            yield conn

    def now(self) -> datetime:
        """The service clock's time (fixed in tests and in the demo)."""
        return self.app.clock.now()

    def close(self) -> None:
        """Stop the follower and release connections."""
        if self.follower is not None:
            self.follower.stop()
        self.engine.dispose()
        self.app.close()


def open_system(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    follow: bool = True,
    create_tables: bool = True,
    password_profile: str = "RFC_9106_LOW_MEMORY",
    models: Sequence[ReadModel] | None = None,
) -> System:
    """Build the system; `follow` runs the projection follower in this process
    (the embedded default); without it a `momentum project` process must run.
    `models` replaces every read model (tests add one that fails on purpose)."""
    settings = settings or Settings.from_env()
    app = bootstrap(
        settings,
        clock=clock,
        create_tables=create_tables,
        password_profile=password_profile,
    )
    engine = make_engine(settings.database_url)
    chosen = all_models() if models is None else models
    runner = ProjectionRunner(app, engine, with_checkpoints(chosen, app, settings))
    if create_tables:
        runner.setup()
    follower = Follower(runner).start() if follow else None
    throttle = SignInThrottle(engine, app.clock, settings.secret_key)
    return System(settings, app, engine, runner, follower, throttle)


def system_of(app: Flask) -> System:
    """The system an app serves."""
    found: System = app.extensions["momentum"]
    return found


def current_system() -> System:
    """The system the current request's app serves."""
    return system_of(current_app)
