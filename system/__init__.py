"""The composition root: builds the running system from settings, in one place.

Every process builds what it needs here — the web app's workers (`entrypoints.wsgi`),
`momentum serve`, `momentum project`, every other command of `momentum`, the tests
and the benchmarks:

- `build_application` — the service (`MomentumApplication`) over the event store, with
  the command handlers wired in (nothing registers itself on import);
- `open_system` — that application, the read-model engine, the projection runner over
  every read model (the audit index signing checkpoints with the server secret) and,
  in the embedded default, the follower thread keeping them current.

`System.write` runs a command and returns once the read models show it
(read-your-writes); `System.read` lends a read-model connection to projection query
functions, `System.read_as_of` one to a member's read models as they were at a past
instant (`projections.as_of`). Layers (checked by import-linter, `make lint`):
entrypoints → web → system → notify → projections → service, never back.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, event

from notify.outbox import forget_member, withdraw_unwanted
from projections.as_of import past_models
from projections.db import make_engine
from projections.follower import Follower
from projections.registry import all_models, with_checkpoints
from projections.runner import ProjectionRunner, ReadModel
from service.application import MomentumApplication
from service.clock import Clock
from service.commands import (
    ChangePreferences,
    Command,
    EraseMember,
    Result,
    UpdateSettings,
)
from service.handlers import after_save, command_handlers
from service.passwords import make_hasher
from service.settings import Settings, event_store_env
from system.positions import PositionWatch, install

READ_YOUR_WRITES_TIMEOUT = 5.0
STOPPED_CACHE_SECONDS = 1.0
"""How long a process trusts its last look at which read models have stopped."""


def build_application(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    password_profile: str = "RFC_9106_LOW_MEMORY",
    create_tables: bool = True,
) -> MomentumApplication:
    """The application for `settings` (default: from the environment).

    `password_profile` names an argon2-cffi profile; tests pass "CHEAPEST" for speed.
    `create_tables=False` is for processes started beside others on a prepared store:
    concurrent CREATE TABLE IF NOT EXISTS on PostgreSQL can fail with "tuple
    concurrently updated".
    """
    settings = settings or Settings.from_env()
    env = event_store_env(settings.database_url)
    env["CREATE_TABLE"] = "yes" if create_tables else "no"
    return MomentumApplication(
        env=env,
        clock=clock,
        secret_key=settings.secret_key,
        previous_secret_key=settings.previous_secret_key,
        handlers=command_handlers(),
        after_save=after_save(),
        password_hasher=make_hasher(password_profile),
        key_cache_seconds=settings.key_cache_seconds,
    )


@dataclass
class System:
    """The application, its read models and (embedded) the follower keeping them."""

    settings: Settings
    app: MomentumApplication
    engine: Engine
    runner: ProjectionRunner
    follower: Follower | None
    watch: PositionWatch | None = None
    """How a write waits for the read models when the runner is another process."""
    _stopped: tuple[float, list[str]] = field(default=(-1e9, []), repr=False)

    def write(self, command: Command, idempotency_key: str | None = None) -> Result:
        """Run a command; return once every read model has applied it. Erasing a
        member also deletes their mail from the outbox (`notify.outbox`; a digest
        round deletes that of members erased by any other path); turning a kind of
        mail off skips any of it still waiting to be sent."""
        result = self.app.handle(command, idempotency_key=idempotency_key)
        if isinstance(command, EraseMember) and result.id is not None:
            with self.engine.begin() as conn:  # their mail goes with them
                forget_member(conn, str(result.id))
        if isinstance(command, ChangePreferences | UpdateSettings):
            preferences = self.app.get_member(command.actor_id).preferences
            with self.engine.begin() as conn:  # what they turned off stays unsent
                withdraw_unwanted(conn, str(command.actor_id), preferences)
        position = result.position or self.app.recorder.max_notification_id()
        if position and not self.wait_for(position):
            self._stopped = (-1e9, [])  # look again: a read model may have stopped
        return result

    def wait_for(self, position: int) -> bool:
        """Wait (up to a few seconds) until the read models reach `position`. A
        stopped read model will not get there: the wait is for the others only
        (then False), as the in-process follower's is. The runner being another
        process, the wait ends on its NOTIFY on PostgreSQL (`system.positions`)."""
        if self.follower is not None and self.follower.alive:
            return self.follower.wait_for(position, READ_YOUR_WRITES_TIMEOUT)
        if self.watch is None:
            self.watch = PositionWatch(self.runner)
        return self.watch.wait_for(position, READ_YOUR_WRITES_TIMEOUT)

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
        """A read-model connection for projection queries.

        On PostgreSQL each query is its own transaction (autocommit): under READ
        COMMITTED every statement takes a fresh snapshot anyway, so a transaction
        around them gave readers nothing but two more round trips a request (BEGIN
        before the first query, ROLLBACK when the connection goes back)."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn

    @contextmanager
    def read_as_of(
        self, member_id: str, at: datetime, viewer_id: str | None = None
    ) -> Iterator[Connection | None]:
        """A connection to `member_id`'s read models as they were at `at`, for the
        same projection queries (with `now` = `at`), as `viewer_id` (default: the
        member) may see them now; None if the member had no account yet."""
        with past_models(self.engine, self.app, member_id, at, viewer_id) as conn:
            yield conn

    def now(self) -> datetime:
        """The service clock's time (fixed in tests and in the demo)."""
        return self.app.clock.now()

    def close(self) -> None:
        """Stop the follower and release connections."""
        if self.follower is not None:
            self.follower.stop()
        if self.watch is not None:
            self.watch.close()
        self.engine.dispose()
        if self.runner.engine is not self.engine:
            self.runner.engine.dispose()
        self.app.close()


def projection_engine(settings: Settings, engine: Engine) -> Engine:
    """The engine the projection runner writes the read models with.

    On PostgreSQL an engine of its own whose commits do not wait for the WAL flush
    (`synchronous_commit = off`), as SQLite's read models already commit
    (`synchronous=NORMAL`, `projections.db`): the runner commits once per batch
    (once per read model for a big one, `projections.runner.TOGETHER_BELOW`), and
    waiting for each flush (then eight a batch) made a live batch take tens of
    milliseconds on a busy disk — the wait of every write for its read models
    (read-your-writes). Nothing is lost that matters: a read model's rows and its
    tracking position commit together, the events themselves are durable, so after
    a crash of the server the runner applies again whatever the last fraction of a
    second lost. Elsewhere (SQLite, memory) the runner shares `engine`.
    """
    if engine.dialect.name != "postgresql":
        return engine
    own = make_engine(settings.database_url)
    event.listen(own, "connect", _commit_without_flush)
    return own


def _commit_without_flush(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    dbapi_connection.commit()


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
    `create_tables` creates the event store's tables and migrates the read models.
    `models` replaces every read model (tests add one that fails on purpose)."""
    settings = settings or Settings.from_env()
    app = build_application(
        settings,
        clock=clock,
        create_tables=create_tables,
        password_profile=password_profile,
    )
    engine = make_engine(settings.database_url)
    chosen = all_models() if models is None else models
    runner = ProjectionRunner(
        app,
        projection_engine(settings, engine),
        with_checkpoints(chosen, app, settings),
    )
    if create_tables:
        runner.setup()
        install(engine)  # read-your-writes notifications (system.positions)
    follower = Follower(runner).start() if follow else None
    watch = PositionWatch(runner)  # listens from its first wait, if ever
    return System(settings, app, engine, runner, follower, watch)
