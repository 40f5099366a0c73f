"""The relations read model on both backends: members, mentor links, group memberships,
and `visible_levels` agreeing with the write side's `can_see` (SPEC 9)."""

from __future__ import annotations

import itertools
from datetime import timedelta
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
from service.errors import DomainError
from service.uow import UnitOfWork
from tests.conftest import registrar

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


class History:
    """Drives the write side through commands; ignores commands the domain refuses."""

    def __init__(self, app: MomentumApplication, clock: FixedClock, prefix: str):
        self.app, self.clock = app, clock
        register = registrar(app)
        self.names = [f"{prefix}m{i}" for i in range(5)]
        self.members = [register(n) for n in self.names]
        self.groups: list[UUID] = []
        self.goals: list[tuple[UUID, UUID]] = []  # (owner, goal)
        self.items: list[UUID] = []
        self.refused = 0

    def do(self, command: c.Command) -> Any:
        try:
            return self.app.handle(command)
        except DomainError:
            self.refused += 1
            return None

    def m(self, i: int) -> UUID:
        return self.members[i % len(self.members)]

    def link(self, mentee: int, mentor: int) -> UUID:
        return mentorship_id(self.m(mentee), _email(self.names[mentor % 5]))

    def propose(self, mentee: int, mentor: int) -> None:
        self.do(c.ProposeMentorship(self.m(mentee), _email(self.names[mentor % 5])))

    def answer(self, mentee: int, mentor: int, answer: str, by_mentee: bool) -> None:
        actor = self.m(mentee) if by_mentee else self.m(mentor)
        self.do(c.AnswerMentorship(actor, self.link(mentee, mentor), answer))

    def create_group(self, who: int) -> None:
        result = self.do(c.CreateGroup(self.m(who), f"Group {len(self.groups)}"))
        if result is not None:
            self.groups.append(result.id)

    def group(self, g: int) -> UUID | None:
        return self.groups[g % len(self.groups)] if self.groups else None

    def facilitator(self, group: UUID) -> UUID:
        """A facilitator; once everyone has left, anyone (the command is refused)."""
        return next(iter(self.app.repository.get(group).facilitators), self.members[0])

    def invite_join(self, g: int, who: int, by_email: bool) -> None:
        group = self.group(g)
        if group is None:
            return
        email = _email(self.names[who % 5]) if by_email else None
        invite = self.do(c.InviteToGroup(self.facilitator(group), group, email))
        if invite is not None:
            self.do(c.JoinGroup(self.m(who), invite.extra["token"]))

    def leave(self, g: int, who: int) -> None:
        group = self.group(g)
        if group is not None:
            self.do(c.LeaveGroup(self.m(who), group))

    def remove(self, g: int, who: int) -> None:
        group = self.group(g)
        if group is not None:
            self.do(c.RemoveFromGroup(self.facilitator(group), group, self.m(who)))

    def add_facilitator(self, g: int, who: int) -> None:
        group = self.group(g)
        if group is not None:
            self.do(c.AddFacilitator(self.facilitator(group), group, self.m(who)))

    def goal(self, who: int, visibility: str) -> None:
        due = self.clock.now().date() + timedelta(days=60)
        result = self.do(
            c.SetGoal(
                self.m(who),
                "Speak at a meetup",
                "short",
                "Visibility",
                due,
                visibility=visibility,
            )
        )
        if result is not None:
            self.goals.append((self.m(who), result.id))
            self.items.append(result.id)

    def revise_goal(self, k: int, visibility: str) -> None:
        if self.goals:
            owner, goal = self.goals[k % len(self.goals)]
            self.do(c.ReviseGoal(owner, goal, {"visibility": visibility}, "changed"))

    def action(self, who: int, goal: int | None, visibility: str | None) -> None:
        goal_id = None
        actor = self.m(who)
        if goal is not None and self.goals:
            actor, goal_id = self.goals[goal % len(self.goals)]
        result = self.do(
            c.LogAction(
                actor, "learning", "Step", goal_id=goal_id, visibility=visibility
            )
        )
        if result is not None:
            self.items.append(result.id)

    def review(self, who: int, visibility: str) -> None:
        result = self.do(c.RecordReview(self.m(who), SIGNALS, visibility=visibility))
        if result is not None:
            self.items.append(result.id)

    def scripted(self) -> None:
        """Every relation state at least once: mentorships proposed, accepted,
        declined, ended and renewed; two groups with joins, a leave and a removal;
        goals of each visibility, actions with and without goals, reviews."""
        self.propose(0, 1)  # stays proposed
        self.propose(0, 2)
        self.answer(0, 2, "accept", by_mentee=False)  # accepted
        self.propose(1, 0)
        self.answer(1, 0, "decline", by_mentee=False)  # declined
        self.propose(2, 3)
        self.answer(2, 3, "accept", by_mentee=False)
        self.answer(2, 3, "end", by_mentee=True)  # ended by the mentee
        self.propose(3, 4)
        self.answer(3, 4, "accept", by_mentee=False)
        self.answer(3, 4, "end", by_mentee=False)  # ended by the mentor
        self.propose(3, 4)  # renewed, pending again
        self.propose(4, 0)
        self.answer(4, 0, "accept", by_mentee=False)  # accepted, and in a group
        self.create_group(0)
        self.create_group(3)
        self.invite_join(0, 1, by_email=True)
        self.invite_join(0, 2, by_email=False)
        self.invite_join(0, 4, by_email=False)
        self.invite_join(1, 4, by_email=True)
        self.invite_join(1, 1, by_email=False)
        self.leave(0, 2)  # left
        self.remove(1, 1)  # removed, still in group 0
        for who in range(5):
            for visibility in VISIBILITIES:
                self.goal(who, visibility)
        for k in range(len(self.goals)):  # goal k has visibility VISIBILITIES[k % 3]
            self.action(0, k, None)  # the goal's visibility
            self.action(0, k, "private")
            if k % 3 == 2:
                self.action(0, k, "mentors")
                self.action(0, k, "group")
        for who in range(5):
            self.action(who, None, None)  # no goal: mentors
            self.action(who, None, "group")
            self.review(who, VISIBILITIES[who % 3])
        self.revise_goal(1, "group")  # widens its actions that follow the goal
        self.revise_goal(2, "private")  # its explicitly wider actions are narrowed

    def run(self, op: tuple[Any, ...]) -> None:
        name, *args = op
        getattr(self, name)(*args)


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


member_ix = st.integers(0, 4)
visibility = st.sampled_from(VISIBILITIES)
operation = st.one_of(
    st.tuples(st.just("propose"), member_ix, member_ix),
    st.tuples(
        st.just("answer"),
        member_ix,
        member_ix,
        st.sampled_from(("accept", "decline", "end")),
        st.booleans(),
    ),
    st.tuples(st.just("create_group"), member_ix),
    st.tuples(st.just("invite_join"), member_ix, member_ix, st.booleans()),
    st.tuples(st.just("leave"), member_ix, member_ix),
    st.tuples(st.just("remove"), member_ix, member_ix),
    st.tuples(st.just("add_facilitator"), member_ix, member_ix),
    st.tuples(st.just("goal"), member_ix, visibility),
    st.tuples(st.just("revise_goal"), member_ix, visibility),
    st.tuples(
        st.just("action"),
        member_ix,
        st.none() | member_ix,
        st.none() | visibility,
    ),
    st.tuples(st.just("review"), member_ix, visibility),
)
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
