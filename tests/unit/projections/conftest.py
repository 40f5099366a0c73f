"""Read models fed by the in-memory application: write with commands, `sync()`, query.

`engine` is a private in-memory SQLite database; `project(Model(), ...)` builds a
runner over those read models (relations is always included, for visibility) and
returns a `sync` function that applies everything recorded so far.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event

from projections.db import make_engine
from projections.relations import Relations
from projections.runner import ProjectionRunner, ReadModel
from service.application import MomentumApplication

Sync = Callable[[], int]


@pytest.fixture
def engine() -> Engine:
    """An in-memory SQLite database for the read models."""
    return make_engine("memory://")


@pytest.fixture
def backend_engine(backend: str) -> Engine:
    """A read-model database on each backend (SQLite file, PostgreSQL schema)."""
    return make_engine(backend)


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent to `engine` while the test runs."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def project(app: MomentumApplication, engine: Engine) -> Callable[..., Sync]:
    """`sync = project(Journal())`: a runner over those models (and relations)."""

    def _project(*models: ReadModel, batch_size: int = 500) -> Sync:
        chosen: list[ReadModel] = [Relations()]
        chosen += [m for m in models if m.name != "relations"]
        runner = ProjectionRunner(app, engine, chosen, batch_size=batch_size)
        runner.setup()
        return runner.catch_up

    return _project


@pytest.fixture
def query(engine: Engine) -> Callable[..., Any]:
    """`query(fn, *args, **kw)` runs a projection query function on a connection."""

    def _query(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with engine.connect() as conn:
            return fn(conn, *args, **kwargs)

    return _query
