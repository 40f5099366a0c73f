"""Every read model: an incremental build equals a full rebuild, on random histories,
on SQLite and PostgreSQL (SPEC 4)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from projections.db import make_engine
from projections.registry import all_models
from projections.runner import ProjectionRunner
from service.application import MomentumApplication
from service.clock import FixedClock
from service.inspect import all_events
from tests.histories import History, every_operation

Dump = dict[str, list[tuple[Any, ...]]]


@pytest.fixture
def engine(backend: str) -> Engine:
    return make_engine(backend)


def _dump(runner: ProjectionRunner) -> Dump:
    with runner.engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(row) for row in conn.execute(select(table))), key=repr
            )
            for model in runner.models
            for table in model.tables
        }


def _assert_rebuild_equals(runner: ProjectionRunner) -> Dump:
    incremental = _dump(runner)
    runner.rebuild()
    rebuilt = _dump(runner)
    for name in incremental:
        assert rebuilt[name] == incremental[name], f"{name} differs after rebuild"
    return rebuilt


def test_the_scripted_history_emits_every_kind_of_event_a_member_can_cause(
    stored_app: MomentumApplication, engine: Engine, clock: FixedClock
) -> None:
    history = History(stored_app, clock, "s")
    history.everything()
    kinds = {type(e).__qualname__ for e in all_events(stored_app)}
    not_by_members = {
        "Member.RoleGranted",  # operator, at the command line
        "Member.RoleRevoked",
        "Member.PasswordChanged",  # no read model shows it
        "Member.SessionsEnded",  # sign-out: no read model shows it
        "Member.CalendarFeedReset",  # a new feed URL: no read model shows it
        "EmailIndex.EmailReleased",  # by erasure, which the script does not do
        "EmailIndex.EmailClaimedAgain",
        "Member.Erased",  # not built yet
        "Member.AspirationsSet",
        "Review.ReviewAmended",
        "Group.MemberInvited",
        "IdempotencyRecord.RequestRemembered",
        "IdempotencyRecord.RequestRememberedAgain",
    }
    missing = _every_event_name() - kinds - not_by_members
    assert not missing, sorted(missing)
    runner = ProjectionRunner(stored_app, engine, all_models(), batch_size=13)
    runner.setup()
    runner.catch_up()
    rebuilt = _assert_rebuild_equals(runner)
    empty = sorted(name for name, rows in rebuilt.items() if not rows)
    assert not empty, f"the script leaves these tables empty: {empty}"


def _every_event_name() -> set[str]:
    from eventsourcing.domain import CanMutateAggregate

    from service.domain import action, feedback, goal, group, member, mentorship, review

    names = set()
    for module in (action, feedback, goal, group, member, mentorship, review):
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                for inner in vars(value).values():
                    if isinstance(inner, type) and issubclass(
                        inner, CanMutateAggregate
                    ):
                        names.add(inner.__qualname__)
    return {n for n in names if not n.endswith((".Created", ".Event"))}


_examples = itertools.count()


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(
    steps=st.lists(st.lists(every_operation, max_size=10), min_size=1, max_size=5),
    batch_size=st.integers(1, 40),
)
def test_incremental_build_equals_full_rebuild_on_random_histories(
    stored_app: MomentumApplication,
    engine: Engine,
    clock: FixedClock,
    steps: list[list[tuple[Any, ...]]],
    batch_size: int,
) -> None:
    # The store is shared by the examples; each adds members of its own.
    history = History(stored_app, clock, f"r{next(_examples)}")
    runner = ProjectionRunner(stored_app, engine, all_models(), batch_size=batch_size)
    runner.setup()
    history.everything()
    for ops in steps:
        for op in ops:
            history.run(op)
        runner.catch_up()  # incremental, in batches of `batch_size`
    assert runner.lag() == 0
    _assert_rebuild_equals(runner)
