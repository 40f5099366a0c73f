"""The notifications read model built one event per batch equals it built in one
batch (erasure, renames, read marks, requests to newcomers, withdrawn requests and
reminders included), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from projections.db import make_engine
from projections.notifications import Notifications
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.conftest import PASSWORD
from tests.histories import History, every_operation
from tests.unit.projections.batch_check import one_by_one_then_in_one_batch


@pytest.fixture
def backend_engine(backend: str) -> Engine:
    return make_engine(backend)


EXTRAS = st.lists(
    st.tuples(
        st.sampled_from(
            ["erase", "rename", "read", "newcomer", "withdraw", "remind", "renew"]
        ),
        st.integers(min_value=0, max_value=50),
    ),
    max_size=6,
)
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
def test_notifications_in_one_batch_equal_them_one_event_per_batch(
    stored_app: MomentumApplication,
    backend_engine: Engine,
    clock: FixedClock,
    steps: list[list[tuple[Any, ...]]],
    extras: list[tuple[str, int]],
) -> None:
    history = History(stored_app, clock, f"n{next(_examples)}")
    history.everything()
    for ops in steps:
        for op in ops:
            history.run(op)
        for kind, i in extras:
            _extra(history, kind, i)
            clock.advance(hours=5)
    one_by_one, in_one = one_by_one_then_in_one_batch(
        stored_app, backend_engine, [Notifications()]
    )
    assert one_by_one["rm_notifications_inbox"]
    assert in_one == one_by_one


def _extra(history: History, kind: str, i: int) -> None:
    """What the random histories leave out or rarely reach."""
    member = history.m(i)
    if kind == "erase":
        history.do(c.EraseMember(member, PASSWORD))
    elif kind == "rename":
        history.do(c.UpdateProfile(member, f"N{i}", "UTC"))
    elif kind == "read":
        history.read(i)
    elif kind == "newcomer":  # the requests waiting for this email reach them
        newcomer = f"{history.names[0]}-newcomer@example.com"
        history.do(c.RegisterMember(newcomer, PASSWORD, "Newcomer"))
    elif kind == "withdraw":
        history.propose(i, i + 1)
        history.answer(i, i + 1, "end", by_mentee=True)
    elif kind == "renew":
        history.answer(i, i + 1, "end", by_mentee=False)
        history.propose(i, i + 1)
        history.answer(i, i + 1, "accept", by_mentee=False)
    else:
        _remind(history, member, i)


def _remind(history: History, member: uuid.UUID, i: int) -> None:
    about = f"x{i}-{history.clock.now().isoformat()}"
    if i % 4 == 0 and history.milestones:
        _, goal, milestone = history.milestones[i % len(history.milestones)]
        reminder = c.IssueReminder(
            member, "milestone_due", about, "milestone", milestone, goal
        )
    elif i % 4 == 1:
        link = history.link(i, i + 1)
        reminder = c.IssueReminder(
            member, "requests_waiting", about, "mentorship", link
        )
    elif i % 4 == 2:
        reminder = c.IssueReminder(
            member, "requests_waiting", about, "suggestion", uuid.uuid4()
        )
    else:
        reminder = c.IssueReminder(
            member, "buddy_quiet", about, "member", history.m(i + 1)
        )
    history.do(reminder)
