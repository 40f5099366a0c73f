"""A member's read models at a past instant (`projections.as_of`) answer what the live
read models answered at that instant, on random histories, on SQLite and
PostgreSQL: the events selected for the member are all those their rows were built
from, and no later one."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine

from projections import journal_queries as jq
from projections.as_of import past_models
from projections.db import make_engine
from projections.goals_queries import goal_board
from projections.metrics_queries import daily_series, member_metrics
from projections.registry import all_models
from projections.runner import ProjectionRunner
from projections.signals_queries import signal_history
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.conftest import PASSWORD
from tests.histories import History, every_operation

_examples = itertools.count()


@pytest.fixture
def engine(backend: str) -> Engine:
    return make_engine(backend)


def _answers(conn: Connection, member: str, now: datetime) -> tuple[Any, ...]:
    """What the pages and the API show the member about themselves at `now`."""
    return (
        member_metrics(conn, member, now),
        daily_series(conn, member, now, 60),
        jq.entries(conn, member, member_id=member, limit=200),
        goal_board(conn, member, member, now),
        signal_history(conn, member, member),
    )


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(
    steps=st.lists(st.lists(every_operation, max_size=12), min_size=2, max_size=5),
    erase_after=st.integers(0, 4),
)
def test_a_members_past_is_what_the_read_models_showed_then(
    stored_app: MomentumApplication,
    engine: Engine,
    clock: FixedClock,
    steps: list[list[tuple[Any, ...]]],
    erase_after: int,
) -> None:
    history = History(stored_app, clock, f"p{next(_examples)}")
    runner = ProjectionRunner(stored_app, engine, all_models())
    runner.setup()
    history.everything()
    members = [str(m) for m in history.members]
    erased = members[2]  # a mentor in the script: their feedback goes with them
    then: list[tuple[datetime, dict[str, tuple[Any, ...]]]] = []
    for n, ops in enumerate(steps):
        for op in ops:
            history.run(op)
        if n == erase_after:
            stored_app.handle(c.EraseMember(UUID(erased), PASSWORD))
        runner.catch_up()
        at = clock.now()
        with engine.connect() as conn:
            then.append((at, {m: _answers(conn, m, at) for m in members}))
        clock.advance(minutes=30)  # what follows is recorded after `at`
    for at, answered in then:
        for member in members:
            if member == erased:
                continue  # gone: nobody is shown their past any more
            with past_models(engine, stored_app, member, at) as past:
                assert past is not None
                assert _answers(past, member, at) == answered[member], (at, member)
