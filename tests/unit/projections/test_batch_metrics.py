"""The metrics read model a batch at a time: built one event per batch it equals it
built in one batch, row for row and float for float (with erasures, new timezones
and targets, away periods set in the past and cancelled, actions moved to other
days, retracted, reopened milestones, amended reviews), on SQLite and PostgreSQL;
and a batch sends a few statements, not some per event."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, select

from projections.db import make_engine
from projections.formulas import SIGNALS as SIGNAL_NAMES
from projections.formulas import WEIGHTS
from projections.metrics import Metrics
from projections.metrics_tables import (
    action_weeks,
    actions,
    away_periods,
    members,
    outcomes,
    points,
    reviews,
)
from projections.runner import ProjectionRunner
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.domain.action import Action
from service.domain.member import Member
from service.domain.review import Review
from tests.conftest import PASSWORD
from tests.histories import SIGNALS, History, every_operation
from tests.unit.projections.batch_check import Dump, one_by_one_then_in_one_batch


@pytest.fixture
def backend_engine(backend: str) -> Engine:
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


KINDS = ["erase", "move", "target", "away", "edit", "retract", "reopen", "review"]
EXTRAS = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 20)), max_size=6)
_examples = iter(range(10**6))


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(
    steps=st.lists(st.lists(every_operation, max_size=12), min_size=1, max_size=4),
    extras=EXTRAS,
)
def test_the_metrics_in_one_batch_equal_them_one_event_per_batch(
    stored_app: MomentumApplication,
    backend_engine: Engine,
    clock: FixedClock,
    steps: list[list[tuple[Any, ...]]],
    extras: list[tuple[str, int]],
) -> None:
    history = History(stored_app, clock, f"x{next(_examples)}")
    history.everything()
    erased: set[UUID] = set()
    for ops in steps:
        for op in ops:
            history.run(op)
        for kind, i in extras:
            _extra(history, kind, i, erased)
            clock.advance(hours=5)
    for n, kind in enumerate(KINDS):  # each at least once
        _extra(history, kind, n + 1, erased)
    one_by_one, in_one = one_by_one_then_in_one_batch(
        stored_app, backend_engine, [Metrics()]
    )
    assert one_by_one[action_weeks.name]
    assert in_one == one_by_one
    _facts_agree_with_the_aggregates(history, erased, in_one)


def _extra(history: History, kind: str, i: int, erased: set[UUID]) -> None:
    """What the random histories leave out or rarely reach, each with actions
    around it: erasure (with reviews, outcomes and goals), a new timezone or target
    (every week recomputed), an away period in the past (cancelled or not), an
    action moved to another day or retracted, a milestone reopened, a review's
    signals amended."""
    member = history.m(i)
    history.win(i, i % 3)
    if kind == "erase":
        history.checkin(i, low=True, commit=True)
        history.checkin(i, low=False, commit=True)
        if history.do(c.EraseMember(member, PASSWORD)) is not None:
            erased.add(member)
    elif kind == "move":
        history.move(i, i + 1)
    elif kind == "target":
        history.target(i, 1 + i % 7)
    elif kind == "away":
        history.away(i, -(i % 15), i % 6, cancel=i % 2 == 0)
    elif kind == "edit":
        history.edit_action(i, i % 9, win=i % 2 == 0)
        history.edit_action(i + 1, 0, win=True)
    elif kind == "retract":
        history.retract(i)
    elif kind == "reopen":
        history.milestone(i)
        history.complete(i, reopen=False)
        history.complete(i, reopen=True)
    else:
        recorded = history.do(c.RecordReview(member, SIGNALS))
        if recorded is not None:
            signals = {name: 1 + (value + i) % 5 for name, value in SIGNALS.items()}
            history.do(c.AmendReview(member, recorded.id, {"signals": signals}))
    history.win(i + 1, 0)
    history.clock.advance(hours=1)
    history.edit_action(i + 2, 1, win=False)


def _facts_agree_with_the_aggregates(
    history: History, erased: set[UUID], rows: Dump
) -> None:
    """The facts against the write side (which a handler left out would break on
    both builds alike): members' timezones, targets and away periods, actions' days
    and weights, reviews' signals; nothing left of an erased member (no outcome
    without its review)."""
    repository = history.app.repository
    by_member = {row[0]: row for row in rows[members.name]}
    for member_id in history.members:
        if member_id in erased:
            for table in (members, actions, action_weeks, points, reviews):
                column = list(table.c).index(table.c.member_id)
                assert all(r[column] != str(member_id) for r in rows[table.name])
            continue
        member: Member = repository.get(member_id)
        row = by_member[str(member_id)]
        assert (row[1], row[2]) == (member.timezone, member.weekly_target)
        periods = {
            (period_id, p["starts_on"], p["ends_on"])
            for period_id, p in member.away_periods.items()
        }
        assert periods == {
            (r[0], r[2], r[3])
            for r in rows[away_periods.name]
            if r[1] == str(member_id)
        }
    by_action = {row[0]: row for row in rows[actions.name]}
    for owner, action_id in history.actions:
        action: Action = repository.get(action_id)
        if owner in erased or action.retracted:
            assert str(action_id) not in by_action
        else:
            weight = WEIGHTS["win"] if action.win else WEIGHTS["action"]
            row = by_action[str(action_id)]
            assert (row[2], row[3]) == (action.occurred_on, weight)
    assert rows[reviews.name]
    for review_id, _, _, *signals in rows[reviews.name]:
        review: Review = repository.get(UUID(review_id))
        assert signals == [review.signals[name] for name in SIGNAL_NAMES]
    reviewed = {row[0] for row in rows[reviews.name]}
    assert all(row[0] in reviewed for row in rows[outcomes.name])


def test_the_metrics_send_a_few_statements_per_batch_not_per_event(
    app: MomentumApplication, clock: FixedClock, engine: Engine, statements: list[str]
) -> None:
    history = History(app, clock, "s")
    history.everything()
    for i in range(4):
        for kind in KINDS[1:]:
            _extra(history, kind, i, set())
            clock.advance(hours=3)
        clock.advance(days=3)
    history.do(c.EraseMember(history.m(4), PASSWORD))
    runner = ProjectionRunner(app, engine, [Metrics()])
    runner.setup()
    notifications = app.recorder.select_notifications(start=1, limit=10_000)
    events = [(n, app.mapper.to_domain_event(n)) for n in notifications]
    assert len(events) > 150
    statements.clear()
    with engine.begin() as conn:
        Metrics().apply_batch(conn, events)
    # loads: one per table read; weeks: members, and a few reads per group of
    # members; writes: at most purges, deletes and one upsert per table
    assert len(statements) <= 6 + 3 * len(Metrics.tables) + 12
    with engine.connect() as conn:
        assert conn.execute(select(action_weeks)).first() is not None
