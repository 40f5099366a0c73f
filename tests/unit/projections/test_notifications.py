"""Notifications: each kind reaches the right person and nobody else, read marks,
unread counts, buddy activity only when the group may see it, pagination.

Everything is written through commands on the in-app clock, then `sync()`ed; each
expected text is written out by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine, select

from projections.db import make_engine
from projections.notifications import (
    NotificationPage,
    Notifications,
    newest_position,
    notifications_for,
    unread_count,
)
from projections.notifications_facts import TABLES
from projections.relations import Relations
from projections.runner import ProjectionRunner
from service import commands as c
from service.application import MomentumApplication
from service.domain.member import Member
from tests.conftest import Register

Query = Callable[..., Any]
Sync = Callable[[], int]
GOAL_TITLE = "Give a talk at a meetup"


@pytest.fixture
def sync(project: Callable[..., Sync]) -> Sync:
    return project(Notifications())


def texts(query: Query, member: UUID, **options: Any) -> list[str]:
    """The member's notification texts, newest first."""
    page = query(notifications_for, member, **options)
    assert isinstance(page, NotificationPage)
    return [n.text for n in page.items]


def kinds(query: Query, member: UUID) -> list[str]:
    return [n.kind for n in query(notifications_for, member).items]


def set_goal(app: MomentumApplication, owner: UUID, visibility: str) -> UUID:
    return app.handle(
        c.SetGoal(
            actor_id=owner,
            title=GOAL_TITLE,
            horizon="short",
            why="Be known for what I know",
            due_on=app.clock.now().date() + timedelta(days=60),
            visibility=visibility,
        )
    ).id


def log(app: MomentumApplication, owner: UUID, title: str, **fields: Any) -> UUID:
    return app.handle(c.LogAction(owner, "learning", title, **fields)).id


def mentor(app: MomentumApplication, mentee: UUID, mentor_id: UUID) -> None:
    """The mentee invites the (registered) mentor, who accepts."""
    member: Member = app.repository.get(mentor_id)
    proposed = app.handle(c.ProposeMentorship(mentee, member.email)).id
    app.handle(c.AnswerMentorship(mentor_id, proposed, "accept"))


def group_of(app: MomentumApplication, facilitator: UUID, *members: UUID) -> UUID:
    """A group "Career changers" its members joined by link."""
    group = app.handle(c.CreateGroup(facilitator, "Career changers")).id
    token = app.handle(c.InviteToGroup(facilitator, group)).extra["token"]
    for member in members:
        app.handle(c.JoinGroup(member, token))
    return group


def test_feedback_reaches_the_items_owner_only(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann, max_, bob = register("Ann"), register("Max"), register("Bob")
    mentor(app, ann, max_)
    goal = set_goal(app, ann, "mentors")
    sync()
    before = {who: kinds(query, who) for who in (ann, max_, bob)}
    app.handle(c.GiveFeedback(max_, "goal", goal, "Pick a date first."))
    sync()
    [note] = query(notifications_for, ann).items[:1]
    assert note.kind == "feedback_received"
    assert (
        note.text
        == "Max left feedback on your goal \u201cGive a talk at a meetup\u201d"
    )
    assert (note.member_id, note.actor_id) == (str(ann), str(max_))
    assert (note.item_kind, note.item_id) == ("goal", str(goal))
    assert note.created_at == app.clock.now()
    assert not note.read
    assert kinds(query, max_) == before[max_]
    assert kinds(query, bob) == before[bob] == []


def test_feedback_by_the_owner_on_their_own_item_notifies_nobody(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann, max_ = register("Ann"), register("Max")
    mentor(app, ann, max_)
    action = log(app, ann, "Read chapter 3")
    sync()
    before = {who: kinds(query, who) for who in (ann, max_)}
    app.handle(c.GiveFeedback(ann, "action", action, "Note to self: chapter 4."))
    sync()
    assert {who: kinds(query, who) for who in (ann, max_)} == before


def test_cheer_reaches_the_owner_and_names_the_action(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    fay, ann, bob = register("Fay"), register("Ann"), register("Bob")
    group_of(app, fay, ann, bob)
    action = log(app, ann, "Read chapter 3", visibility="group")
    app.handle(c.CheerItem(bob, "action", action))
    sync()
    assert texts(query, ann) == ["Bob cheered your action \u201cRead chapter 3\u201d"]
    assert texts(query, bob) == []
    assert kinds(query, fay) == ["group_joined", "group_joined"]


def test_mentor_request_answer_and_end_reach_the_other_side(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann, max_, bob = register("Ann"), register("Max"), register("Bob")
    proposed = app.handle(c.ProposeMentorship(ann, "max@example.com")).id
    sync()
    [request] = query(notifications_for, max_).items
    assert request.text == "Ann asked you to be their mentor"
    assert (request.kind, request.item_kind) == ("mentor_request", "mentorship")
    assert request.item_id == str(proposed)
    app.handle(c.AnswerMentorship(max_, proposed, "decline"))
    app.handle(c.ProposeMentorship(ann, "max@example.com"))
    app.handle(c.AnswerMentorship(max_, proposed, "accept"))
    app.handle(c.AnswerMentorship(max_, proposed, "end"))
    app.handle(c.ProposeMentorship(ann, "max@example.com"))
    app.handle(c.AnswerMentorship(max_, proposed, "accept"))
    app.handle(c.AnswerMentorship(ann, proposed, "end"))
    sync()
    assert texts(query, ann) == [
        "Max accepted your mentorship request",
        "Max ended your mentorship",
        "Max accepted your mentorship request",
        "Max declined your mentorship request",
    ]
    assert texts(query, max_) == [
        "Ann ended your mentorship",
        "Ann asked you again to be their mentor",
        "Ann asked you again to be their mentor",
        "Ann asked you to be their mentor",
    ]
    assert texts(query, bob) == []


def test_request_to_an_unregistered_email_reaches_them_once_they_register(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann = register("Ann")
    proposed = app.handle(c.ProposeMentorship(ann, "max@example.com")).id
    sync()
    max_ = register("Max")
    bob = register("Bob")
    sync()
    [request] = query(notifications_for, max_).items
    assert request.text == "Ann asked you to be their mentor"
    assert request.item_id == str(proposed)
    assert query(unread_count, max_) == 1
    assert texts(query, bob) == [] and texts(query, ann) == []


def test_request_withdrawn_before_they_register_never_reaches_them(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann = register("Ann")
    proposed = app.handle(c.ProposeMentorship(ann, "max@example.com")).id
    sync()
    app.handle(c.AnswerMentorship(ann, proposed, "end"))
    max_ = register("Max")
    sync()
    assert texts(query, max_) == []


def test_request_withdrawn_after_they_registered_tells_them(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann, max_ = register("Ann"), register("Max")
    proposed = app.handle(c.ProposeMentorship(ann, "max@example.com")).id
    app.handle(c.AnswerMentorship(ann, proposed, "end"))
    sync()
    assert texts(query, max_) == [
        "Ann withdrew their request that you mentor them",
        "Ann asked you to be their mentor",
    ]
    assert texts(query, ann) == []


def test_suggestion_reaches_the_mentee_and_the_answer_the_mentor(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann, max_, bob = register("Ann"), register("Max"), register("Bob")
    mentor(app, ann, max_)
    goal = set_goal(app, ann, "mentors")
    sync()
    ann_before, max_before = kinds(query, ann), kinds(query, max_)
    first = app.handle(c.MakeSuggestion(max_, goal, "milestone", "Submit the CFP")).id
    second = app.handle(c.MakeSuggestion(max_, goal, "action", "Email Sam")).id
    app.handle(c.AnswerSuggestion(ann, first, accept=True))
    app.handle(c.AnswerSuggestion(ann, second, accept=False))
    sync()
    assert texts(query, ann)[:2] == [
        "Max suggested an action \u201cEmail Sam\u201d for your goal "
        "\u201cGive a talk at a meetup\u201d",
        "Max suggested a milestone \u201cSubmit the CFP\u201d for your goal "
        "\u201cGive a talk at a meetup\u201d",
    ]
    assert kinds(query, ann)[2:] == ann_before
    assert texts(query, max_)[:2] == [
        "Ann declined your suggestion \u201cEmail Sam\u201d",
        "Ann accepted your suggestion \u201cSubmit the CFP\u201d",
    ]
    assert kinds(query, max_)[2:] == max_before
    assert {n.item_id for n in query(notifications_for, max_).items[:2]} == {str(goal)}
    assert texts(query, bob) == []


def test_joining_a_group_reaches_its_facilitators_only(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    fay, gil, ann, bob = (register(n) for n in ("Fay", "Gil", "Ann", "Bob"))
    group = group_of(app, fay, gil, ann)
    app.handle(c.AddFacilitator(fay, group, gil))
    app.handle(c.JoinGroup(bob, app.handle(c.InviteToGroup(fay, group)).extra["token"]))
    sync()
    assert texts(query, fay) == [
        "Bob joined your group \u201cCareer changers\u201d",
        "Ann joined your group \u201cCareer changers\u201d",
        "Gil joined your group \u201cCareer changers\u201d",
    ]
    assert texts(query, gil) == ["Bob joined your group \u201cCareer changers\u201d"]
    assert texts(query, ann) == [] and texts(query, bob) == []
    assert query(notifications_for, gil).items[0].item_id == str(group)


def test_buddy_hears_only_of_group_visible_actions_while_paired(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    fay, ann, bob, cal = (register(n) for n in ("Fay", "Ann", "Bob", "Cal"))
    group = group_of(app, fay, ann, bob, cal)
    app.handle(c.PairBuddies(fay, group, ann, bob))
    open_goal, mentors_goal = set_goal(app, ann, "group"), set_goal(app, ann, "mentors")
    log(app, ann, "Read chapter 3", goal_id=open_goal)
    log(app, ann, "Met a recruiter", visibility="group", win=True)
    log(app, ann, "Updated my CV")  # no goal: mentors
    log(app, ann, "Drafted the abstract", goal_id=mentors_goal)
    log(app, ann, "Private notes", goal_id=open_goal, visibility="private")
    log(app, bob, "Bob's own step", visibility="group")
    app.handle(c.UnpairBuddies(fay, group, ann))
    log(app, ann, "After the split", goal_id=open_goal)
    sync()
    assert texts(query, bob) == [
        "Ann logged a win: \u201cMet a recruiter\u201d",
        "Ann logged \u201cRead chapter 3\u201d",
    ]
    assert texts(query, ann) == ["Bob logged \u201cBob's own step\u201d"]
    assert texts(query, cal) == []
    assert "buddy_activity" not in kinds(query, fay)


def test_buddies_in_two_groups_hear_of_each_action_once(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    fay, ann, bob = register("Fay"), register("Ann"), register("Bob")
    for _ in range(2):
        group = group_of(app, fay, ann, bob)
        app.handle(c.PairBuddies(fay, group, ann, bob))
    log(app, ann, "Read chapter 3", visibility="group")
    sync()
    assert texts(query, bob) == ["Ann logged \u201cRead chapter 3\u201d"]


def test_buddy_activity_hides_once_the_buddy_may_no_longer_see_the_action(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    fay, ann, bob = register("Fay"), register("Ann"), register("Bob")
    group = group_of(app, fay, ann, bob)
    app.handle(c.PairBuddies(fay, group, ann, bob))
    hidden = log(app, ann, "Read chapter 3", visibility="group")
    log(app, ann, "Met a recruiter", visibility="group")
    sync()
    assert query(unread_count, bob) == 2
    app.handle(c.EditAction(ann, hidden, {"visibility": "mentors"}))
    sync()
    assert texts(query, bob) == ["Ann logged \u201cMet a recruiter\u201d"]
    assert query(unread_count, bob) == 1
    app.handle(c.LeaveGroup(bob, group))
    sync()
    assert texts(query, bob) == [] and query(unread_count, bob) == 0


def test_marking_read_reads_earlier_ones_and_keeps_later_ones_unread(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    fay, ann, bob, cal = (register(n) for n in ("Fay", "Ann", "Bob", "Cal"))
    group = app.handle(c.CreateGroup(fay, "Career changers")).id
    token = app.handle(c.InviteToGroup(fay, group)).extra["token"]
    app.handle(c.JoinGroup(ann, token))
    app.handle(c.JoinGroup(bob, token))
    sync()
    assert query(unread_count, fay) == 2
    seen = query(newest_position, fay)
    assert seen == query(notifications_for, fay).items[0].id
    app.handle(c.JoinGroup(cal, token))  # arrives while Fay reads the page
    app.handle(c.MarkNotificationsRead(fay, seen))
    sync()
    page = query(notifications_for, fay).items
    assert [(n.text, n.read) for n in page] == [
        ("Cal joined your group \u201cCareer changers\u201d", False),
        ("Bob joined your group \u201cCareer changers\u201d", True),
        ("Ann joined your group \u201cCareer changers\u201d", True),
    ]
    assert query(unread_count, fay) == 1
    assert texts(query, fay, unread_only=True) == [
        "Cal joined your group \u201cCareer changers\u201d"
    ]
    app.handle(c.MarkNotificationsRead(fay, query(newest_position, fay)))
    sync()
    assert query(unread_count, fay) == 0
    assert texts(query, fay, unread_only=True) == []


def test_member_with_no_notifications_has_nothing_unread(
    register: Register, sync: Sync, query: Query
) -> None:
    ann = register("Ann")
    sync()
    assert query(notifications_for, ann) == NotificationPage((), None)
    assert (query(unread_count, ann), query(newest_position, ann)) == (0, 0)


def test_pages_follow_each_other_without_repeats_or_gaps(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    fay = register("Fay")
    group = app.handle(c.CreateGroup(fay, "Career changers")).id
    token = app.handle(c.InviteToGroup(fay, group)).extra["token"]
    names = [f"Member{i}" for i in range(7)]
    for name in names:
        app.handle(c.JoinGroup(register(name), token))
    sync()
    seen: list[str] = []
    sizes: list[int] = []
    cursor = None
    while True:
        page = query(notifications_for, fay, limit=3, cursor=cursor)
        seen += [n.text.split()[0] for n in page.items]
        sizes.append(len(page.items))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == names[::-1]
    assert sizes == [3, 3, 1]


def test_a_page_ending_exactly_at_the_last_one_has_no_next_cursor(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    fay, ann, bob = register("Fay"), register("Ann"), register("Bob")
    group_of(app, fay, ann, bob)
    sync()
    page = query(notifications_for, fay, limit=2)
    assert len(page.items) == 2 and page.next_cursor is None


@pytest.mark.parametrize("cursor", ["", "not a cursor", "bjpoZWxsbw==", "é"])
def test_a_bad_cursor_is_a_value_error(
    register: Register, sync: Sync, query: Query, cursor: str
) -> None:
    ann = register("Ann")
    sync()
    with pytest.raises(ValueError):
        query(notifications_for, ann, cursor=cursor)


def test_texts_show_the_actors_current_name(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann, max_ = register("Ann"), register("Max")
    app.handle(c.ProposeMentorship(ann, "max@example.com"))
    app.handle(c.UpdateProfile(ann, "Annabel", "UTC"))
    sync()
    assert texts(query, max_) == ["Annabel asked you to be their mentor"]


def test_an_erased_member_leaves_no_notifications_behind(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann, max_ = register("Ann"), register("Max")
    mentor(app, ann, max_)
    sync()
    assert texts(query, ann) and texts(query, max_)
    member: Member = app.repository.get(ann)
    member.erase(ann)
    app.save(member)
    sync()
    assert texts(query, ann) == [] and texts(query, max_) == []


def _rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in TABLES
        }


def test_an_incremental_build_equals_a_full_rebuild(
    app: MomentumApplication, register: Register, engine: Engine
) -> None:
    step = ProjectionRunner(app, engine, [Relations(), Notifications()], batch_size=1)
    step.setup()
    fay, ann, bob = register("Fay"), register("Ann"), register("Bob")
    app.handle(c.ProposeMentorship(ann, "max@example.com"))
    step.catch_up()
    group = group_of(app, fay, ann, bob)
    app.handle(c.PairBuddies(fay, group, ann, bob))
    step.catch_up()
    register("Max")
    action = log(app, ann, "Read chapter 3", visibility="group")
    app.handle(c.CheerItem(bob, "action", action))
    app.handle(c.MarkNotificationsRead(fay, 5))
    step.catch_up()
    fresh = make_engine("memory://")
    full = ProjectionRunner(app, fresh, [Relations(), Notifications()])
    full.setup()
    full.catch_up()
    assert _rows(engine) == _rows(fresh)
    assert sum(len(rows) for rows in _rows(engine).values()) > 0
    full.rebuild(["notifications"])
    assert _rows(engine) == _rows(fresh)
