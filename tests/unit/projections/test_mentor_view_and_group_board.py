"""Mentor triage and the group board: who is listed, in which order, and why."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from uuid import UUID

import pytest

from projections.goals import GoalBoard
from projections.groups import GroupBoard, board, groups_of
from projections.journal import Journal
from projections.mentoring import attention_order, mentee_card, triage
from projections.metrics import Metrics
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.domain.mentorship import mentorship_id
from tests.unit.projections.conftest import Sync

STEADY = (3 / 7) * 14 / math.log(2)  # raw score of steadily meeting a target of 3


@pytest.fixture
def sync(project: Callable[..., Sync]) -> Sync:
    return project(Metrics(), GoalBoard(), Journal(), GroupBoard())


def _mentor(app: MomentumApplication, mentee: UUID, mentor: UUID, email: str) -> UUID:
    link = app.handle(c.ProposeMentorship(mentee, email)).id
    app.handle(c.AnswerMentorship(mentor, link, "accept"))
    return link


def _goal(app: MomentumApplication, owner: UUID, clock: FixedClock, vis: str) -> UUID:
    due = clock.now().date() + timedelta(days=60)
    return app.handle(
        c.SetGoal(
            owner, "Lead the design review", "short", "Growth", due, visibility=vis
        )
    ).id


def test_triage_lists_current_mentees_neediest_first_with_reasons(
    app: MomentumApplication,
    register: Callable[..., UUID],
    clock: FixedClock,
    sync: Sync,
    query: Callable[..., object],
) -> None:
    max_, ann, bob, cy, dee = (register(n) for n in ("Max", "Ann", "Bob", "Cy", "Dee"))
    for mentee in (ann, bob, cy):
        _mentor(app, mentee, max_, "max@example.com")
    app.handle(c.ProposeMentorship(dee, "max@example.com"))  # pending: not listed
    _goal(app, ann, clock, "mentors")
    _goal(app, ann, clock, "private")  # stalled too, but not the mentor's to see
    clock.advance(days=15, hours=9)  # Tuesday 17 March, 18:00 UTC
    for i in range(3):
        app.handle(c.LogAction(ann, "learning", f"Chapter {i}"))
    app.handle(c.AnswerMentorship(cy, mentorship_id(cy, "max@example.com"), "end"))
    sync()

    cards = query(triage, str(max_), clock.now())
    assert [card.display_name for card in cards] == ["Bob", "Ann"]
    bob_card, ann_card = cards
    # Bob: never acted, no review: s = 0.5, b = 1, i = 1 → 100·(0.2 + 0.4 + 0.2) = 80
    assert bob_card.metrics.rut_risk == 80
    assert bob_card.reasons == ("no action logged yet", "momentum 0 of 100")
    # Ann: 3 actions at noon, 6 hours ago: raw = 3 · 0.5^(6 h / 14 d)
    raw = 3 * 0.5 ** (6 / (14 * 24))
    momentum = round(100 * raw / STEADY)
    assert momentum == 34 and ann_card.metrics.momentum == 34
    assert ann_card.metrics.rut_risk == round(100 * (0.4 * 0.5 + 0.4 * 0.66))  # 46
    assert ann_card.stalled_goals == 1
    assert ann_card.reasons == ("momentum 34 of 100", "1 stalled goal")
    assert query(mentee_card, str(max_), str(cy), clock.now()) is None  # ended
    assert query(mentee_card, str(max_), str(dee), clock.now()) is None  # pending
    assert query(mentee_card, str(max_), str(ann), clock.now()) == ann_card
    assert query(triage, str(ann), clock.now()) == []  # Ann mentors nobody


def test_rising_risk_comes_before_a_higher_but_steady_one(
    app: MomentumApplication,
    register: Callable[..., UUID],
    clock: FixedClock,
    sync: Sync,
    query: Callable[..., object],
) -> None:
    max_, ann, bob = register("Max"), register("Ann"), register("Bob")
    for mentee in (ann, bob):
        _mentor(app, mentee, max_, "max@example.com")
    sync()
    calm, steady = query(triage, str(max_), clock.now())
    rising = replace(calm, metrics=replace(calm.metrics, rut_risk=40, rising=True))
    high = replace(steady, metrics=replace(steady.metrics, rut_risk=90, rising=False))
    assert sorted([high, rising], key=attention_order) == [rising, high]


def test_group_board_shows_members_buddies_and_the_weeks_visible_wins(
    app: MomentumApplication,
    register: Callable[..., UUID],
    clock: FixedClock,
    sync: Sync,
    query: Callable[..., object],
) -> None:
    fay, ann, bob, sam = (register(n) for n in ("Fay", "Ann", "Bob", "Sam"))
    group = app.handle(c.CreateGroup(fay, "Career changers", "Keep going")).id
    token = app.handle(c.InviteToGroup(fay, group)).extra["token"]
    for member in (ann, bob):
        app.handle(c.JoinGroup(member, token))
    app.handle(c.PairBuddies(fay, group, ann, bob))
    clock.advance(days=2, hours=9)  # Wednesday 4 March, 18:00 UTC
    monday = clock.now().date() - timedelta(days=2)
    app.handle(
        c.LogAction(ann, "visibility", "Gave a talk", win=True, visibility="group")
    )
    app.handle(
        c.LogAction(ann, "portfolio", "Private win", win=True, visibility="private")
    )
    app.handle(
        c.LogAction(
            bob,
            "learning",
            "Last week's win",
            win=True,
            visibility="group",
            occurred_on=monday - timedelta(days=1),
        )
    )
    sync()

    seen = query(board, str(bob), str(group), clock.now())
    assert seen is not None
    assert (seen.name, seen.purpose, seen.week_of) == (
        "Career changers",
        "Keep going",
        monday,
    )
    assert seen.members[0].display_name == "Ann"  # most momentum first
    assert {m.display_name for m in seen.members} == {"Fay", "Ann", "Bob"}
    assert seen.is_facilitator(str(fay)) and not seen.is_facilitator(str(ann))
    assert seen.buddy_pairs == (tuple(sorted((str(ann), str(bob)))),)
    by_id = {m.member_id: m for m in seen.members}
    assert by_id[str(ann)].buddy_id == str(bob) and by_id[str(fay)].buddy_id is None
    assert by_id[str(ann)].actions_this_week == 2
    assert [w.title for w in seen.wins] == ["Gave a talk"]
    assert query(board, str(sam), str(group), clock.now()) is None  # not a member
    assert query(groups_of, str(ann)) == [(str(group), "Career changers")]

    app.handle(c.LeaveGroup(bob, group))
    sync()
    assert query(board, str(bob), str(group), clock.now()) is None  # access ends
    after = query(board, str(ann), str(group), clock.now())
    assert {m.display_name for m in after.members} == {"Fay", "Ann"}
    assert after.buddy_pairs == ()
    assert query(groups_of, str(bob)) == []


def test_group_board_shows_group_visible_wins_only_even_to_owner_and_mentor(
    app: MomentumApplication,
    register: Callable[..., UUID],
    clock: FixedClock,
    sync: Sync,
    query: Callable[..., object],
) -> None:
    fay, ann = register("Fay"), register("Ann")
    group = app.handle(c.CreateGroup(fay, "Career changers")).id
    app.handle(c.JoinGroup(ann, app.handle(c.InviteToGroup(fay, group)).extra["token"]))
    _mentor(app, ann, fay, "fay@example.com")  # Fay mentors Ann and shares her group
    for title, visibility in [
        ("Shared with the group", "group"),
        ("For my mentors", "mentors"),
        ("Just for me", "private"),
    ]:
        app.handle(c.LogAction(ann, "learning", title, win=True, visibility=visibility))
    sync()
    for viewer in (ann, fay):  # the owner sees all three, the mentor two, elsewhere
        seen = query(board, str(viewer), str(group), clock.now())
        assert [w.title for w in seen.wins] == ["Shared with the group"], viewer
