"""What the batch-at-a-time models' tests share: build a read model one event per
batch, then in one batch (a blue/green rebuild), and compare every row."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from projections.runner import ProjectionRunner, ReadModel
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.histories import History, every_operation

Dump = dict[str, list[tuple[Any, ...]]]


def dump(engine: Engine, model: ReadModel) -> Dump:
    """Every row of the model's tables, sorted."""
    with engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(row) for row in conn.execute(select(table))), key=repr
            )
            for table in model.tables
        }


def one_by_one_then_in_one_batch(
    app: MomentumApplication, engine: Engine, models: Sequence[ReadModel]
) -> tuple[Dump, Dump]:
    """The last of `models` (after those it needs) built one event per batch, then
    rebuilt in one batch of up to 2,000 events: both dumps. Neither may stop."""
    runner = ProjectionRunner(app, engine, models, batch_size=1)
    runner.setup()
    runner.catch_up()
    assert runner.stopped() == []
    model = models[-1]
    one_by_one = dump(engine, model)
    runner.batch_size = 2000
    runner.rebuild([model.name])
    assert runner.stopped() == []
    return one_by_one, dump(engine, model)


_examples = itertools.count()
EXAMPLES = 3
"""Examples per model and backend (the suite runs against a 10-minute budget)."""


def equivalence_test(
    models: Callable[[], Sequence[ReadModel]],
    extras: st.SearchStrategy[list[tuple[Any, ...]]],
    extra: Callable[..., None],
    *,
    operations: st.SearchStrategy[tuple[Any, ...]] = every_operation,
    last: Callable[[History], None] | None = None,
    check: Callable[[History, Dump], None] | None = None,
) -> Callable[..., None]:
    """A hypothesis test (fixtures `stored_app`, `backend_engine`, `clock`): a random
    history (`operations`, with `extra(history, *drawn)` for each of `extras` after
    each step, five hours apart; then `last(history)`, if given), then the last of
    `models()` built one event per
    batch equals it built in one batch; `check(history, rows)` if given (the rows
    against the write side: a handler left out changes both builds alike)."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
        database=None,
    )
    @given(
        steps=st.lists(st.lists(operations, max_size=12), min_size=1, max_size=4),
        drawn=extras,
    )
    def test(
        stored_app: MomentumApplication,
        backend_engine: Engine,
        clock: FixedClock,
        steps: list[list[tuple[Any, ...]]],
        drawn: list[tuple[Any, ...]],
    ) -> None:
        history = History(stored_app, clock, f"e{next(_examples)}")
        history.everything()
        for ops in steps:
            for op in ops:
                history.run(op)
            for args in drawn:
                extra(history, *args)
                clock.advance(hours=5)
        if last is not None:
            last(history)
        one_by_one, in_one = one_by_one_then_in_one_batch(
            stored_app, backend_engine, models()
        )
        assert in_one == one_by_one
        if check is not None:
            check(history, in_one)

    return test


def erased_members(history: History) -> set[UUID]:
    """The history's members that were erased (their aggregate says so, or its
    events can no longer be read)."""
    erased: set[UUID] = set()
    for member in history.members:
        try:
            gone = bool(history.app.repository.get(member).erased)
        except Exception:  # shredded
            gone = True
        if gone:
            erased.add(member)
    return erased


def statements_for_one_batch(
    app: MomentumApplication, engine: Engine, model: ReadModel, sent: list[str]
) -> int:
    """How many SQL statements `model` sends to apply the whole log (more than 150
    events) as one batch; `sent` is the list the `statements` fixture fills."""
    runner = ProjectionRunner(app, engine, [model])
    runner.setup()
    notifications = app.recorder.select_notifications(start=1, limit=10_000)
    events = [(n, app.mapper.to_domain_event(n)) for n in notifications]
    assert len(events) > 150
    sent.clear()
    with engine.begin() as conn:
        model.apply_batch(conn, events)
    return len(sent)
