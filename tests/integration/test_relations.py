"""The relations read model on both backends: members, mentor links, group memberships,
and `visible_levels` agreeing with the write side's `can_see` (SPEC 9)."""

from __future__ import annotations

import itertools
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from projections.db import make_engine
from projections.relations import (
    Relations,
    group_members,
    members,
    mentor_links,
    visible_levels,
)
from projections.runner import ProjectionRunner
from service import access
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.domain.mentorship import mentorship_id
from service.uow import UnitOfWork
from tests.conftest import registrar
from tests.histories import History, operation

ALL = frozenset({"private", "mentors", "group"})
VISIBILITIES = ("private", "mentors", "group")
SIGNALS = {
    "motivation": 4,
    "focus": 3,
    "learning": 5,
    "recognition": 2,
    "satisfaction": 4,
}


@pytest.fixture
def engine(backend: str) -> Engine:
    return make_engine(backend)


@pytest.fixture
def runner(stored_app: MomentumApplication, engine: Engine) -> ProjectionRunner:
    r = ProjectionRunner(stored_app, engine, [Relations()], batch_size=7)
    r.setup()
    return r


def _email(name: str) -> str:
    return f"{name.lower()}@example.com"


def _levels(engine: Engine, viewer: UUID, owner: UUID) -> frozenset[str]:
    with engine.connect() as conn:
        return visible_levels(conn, str(viewer), str(owner))


def _all_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            t.name: sorted(
                tuple(r) for r in conn.execute(select(t)).all()
            )  # order-free comparison
            for t in (members, mentor_links, group_members)
        }


def _join(app: MomentumApplication, facilitator: UUID, group: UUID, who: UUID) -> None:
    invite = app.handle(c.InviteToGroup(facilitator, group))
    app.handle(c.JoinGroup(who, invite.extra["token"]))


# 1 ------------------------------------------------------------------------------------


def test_members_are_projected_with_profile_and_weekly_target(
    stored_app: MomentumApplication, runner: ProjectionRunner, engine: Engine
) -> None:
    register = registrar(stored_app)
    ann = register("Ann", "Europe/Paris")
    bob = register("Bob")
    cy = register("Cy", "America/New_York")
    stored_app.handle(c.SetWeeklyTarget(ann, 7))
    stored_app.handle(c.UpdateProfile(bob, "Robert", "Asia/Tokyo", "Builder"))
    runner.catch_up()
    stored_app.handle(c.SetWeeklyTarget(bob, 12))  # after a first catch-up
    assert runner.catch_up() > 0
    with engine.connect() as conn:
        rows = {
            r.member_id: (r.email, r.display_name, r.timezone, r.weekly_target)
            for r in conn.execute(select(members))
        }
    assert rows == {
        str(ann): ("ann@example.com", "Ann", "Europe/Paris", 7),
        str(bob): ("bob@example.com", "Robert", "Asia/Tokyo", 12),
        str(cy): ("cy@example.com", "Cy", "America/New_York", 3),
    }
    assert runner.lag() == 0


# 2 ------------------------------------------------------------------------------------


def test_visible_levels_follow_mentorships_and_groups(
    stored_app: MomentumApplication, runner: ProjectionRunner, engine: Engine
) -> None:
    register = registrar(stored_app)
    ann, mia = register("Ann"), register("Mia")
    runner.catch_up()

    def levels(viewer: UUID, owner: UUID) -> frozenset[str]:
        runner.catch_up()
        return _levels(engine, viewer, owner)

    assert levels(mia, ann) == frozenset()
    assert levels(ann, mia) == frozenset()
    assert levels(ann, ann) == ALL

    link = stored_app.handle(c.ProposeMentorship(ann, _email("Mia"))).id
    assert link == mentorship_id(ann, _email("Mia"))
    assert levels(mia, ann) == frozenset()  # pending: nothing yet

    stored_app.handle(c.AnswerMentorship(mia, link, "accept"))
    assert levels(mia, ann) == {"mentors", "group"}
    assert levels(ann, mia) == frozenset()  # mentoring is one way

    stored_app.handle(c.AnswerMentorship(ann, link, "end", "Thanks!"))
    assert levels(mia, ann) == frozenset()

    group = stored_app.handle(c.CreateGroup(ann, "Speakers")).id
    assert levels(mia, ann) == frozenset()
    _join(stored_app, ann, group, mia)
    assert levels(mia, ann) == {"group"}
    assert levels(ann, mia) == {"group"}

    stored_app.handle(c.LeaveGroup(mia, group))
    assert levels(mia, ann) == frozenset()
    assert levels(ann, mia) == frozenset()
    assert levels(ann, ann) == ALL
    assert levels(mia, mia) == ALL


# 3 ------------------------------------------------------------------------------------


def _assert_read_side_agrees(
    app: MomentumApplication, engine: Engine, history: History
) -> int:
    uow = UnitOfWork(app)
    checked = 0
    mismatches = []
    with engine.connect() as conn:
        for item_id in history.items:
            item = app.repository.get(item_id)
            effective = access.effective_visibility(uow, item)
            for viewer in history.members:
                write_side = access.can_see(uow, viewer, item)
                levels = visible_levels(conn, str(viewer), str(item.owner_id))
                if write_side != (effective in levels):
                    mismatches.append(
                        (type(item).__name__, effective, write_side, sorted(levels))
                    )
                checked += 1
    assert not mismatches, mismatches
    return checked


_examples = itertools.count()


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(
    steps=st.lists(
        st.tuples(st.lists(operation, max_size=6), st.booleans()), max_size=6
    )
)
def test_read_side_agrees_with_write_side_for_every_viewer_and_item(
    stored_app: MomentumApplication,
    runner: ProjectionRunner,
    engine: Engine,
    clock: FixedClock,
    steps: list[tuple[list[tuple[Any, ...]], bool]],
) -> None:
    # The store is shared by the examples: each has members of its own, and the
    # runner follows the log incrementally across them.
    history = History(stored_app, clock, f"x{next(_examples)}")
    history.scripted()
    runner.catch_up()
    assert _assert_read_side_agrees(stored_app, engine, history) > 0
    for ops, check_now in steps:
        for op in ops:
            history.run(op)
        if check_now:
            runner.catch_up()
            _assert_read_side_agrees(stored_app, engine, history)
    runner.catch_up()
    checked = _assert_read_side_agrees(stored_app, engine, history)
    assert checked == len(history.items) * len(history.members)


def test_scripted_history_covers_every_relation_state(
    stored_app: MomentumApplication,
    runner: ProjectionRunner,
    engine: Engine,
    clock: FixedClock,
) -> None:
    history = History(stored_app, clock, "s")
    history.scripted()
    assert history.refused == 0
    runner.catch_up()
    with engine.connect() as conn:
        statuses = sorted(r.status for r in conn.execute(select(mentor_links.c.status)))
        in_groups = conn.execute(select(group_members)).all()
    assert statuses == [
        "accepted",
        "accepted",
        "declined",
        "ended",
        "proposed",
        "proposed",
    ]
    assert len({g for g, _ in in_groups}) == 2
    m = history.members
    assert _levels(engine, m[2], m[0]) == {"mentors", "group"}  # accepted mentor
    assert _levels(engine, m[1], m[0]) == {"group"}  # proposed, but shares group 0
    assert _levels(engine, m[3], m[2]) == frozenset()  # ended; left group 0
    assert _levels(engine, m[4], m[3]) == {"group"}  # renewed (pending); group 1
    assert _levels(engine, m[1], m[3]) == frozenset()  # removed from group 1
    assert _levels(engine, m[0], m[4]) == {"mentors", "group"}
    assert _assert_read_side_agrees(stored_app, engine, history) == len(
        history.items
    ) * len(history.members)


# 4 ------------------------------------------------------------------------------------


def test_rebuild_from_zero_equals_the_incremental_build(
    stored_app: MomentumApplication,
    runner: ProjectionRunner,
    engine: Engine,
    clock: FixedClock,
) -> None:
    history = History(stored_app, clock, "r")
    history.propose(0, 1)
    runner.catch_up()  # incremental: several catch-ups between steps
    history.scripted()
    runner.catch_up()
    history.do(c.SetWeeklyTarget(history.m(2), 9))
    history.do(c.UpdateProfile(history.m(3), "Renamed", "Europe/Berlin"))
    history.leave(0, 4)
    history.answer(0, 2, "end", by_mentee=False)
    runner.catch_up()
    incremental = _all_rows(engine)
    assert all(incremental.values())

    head = stored_app.recorder.max_notification_id()
    assert runner.rebuild(["relations"]) == head
    assert runner.positions() == {"relations": head}
    assert _all_rows(engine) == incremental
