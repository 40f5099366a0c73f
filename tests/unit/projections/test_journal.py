"""The journal: one entry per meaningful event, paged, filtered and shown per SPEC 9."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Notification
from sqlalchemy import Engine

from projections.journal import Journal
from projections.journal_queries import (
    JournalPage,
    entries,
    entry,
    feedback_on,
    wins,
)
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.domain.member import Member
from tests.conftest import Register
from tests.unit.projections.conftest import Sync

TODAY = date(2026, 3, 2)
SIGNALS = {
    "motivation": 4,
    "focus": 3,
    "learning": 4,
    "recognition": 2,
    "satisfaction": 3,
}
Query = Callable[..., Any]


@pytest.fixture
def sync(project: Callable[..., Sync]) -> Sync:
    """Catch the journal (and relations) up with everything recorded so far."""
    return project(Journal())


def set_goal(
    app: MomentumApplication, owner: UUID, visibility: str = "mentors", **fields: Any
) -> UUID:
    values: dict[str, Any] = {
        "title": "Give a talk at a meetup",
        "horizon": "short",
        "why": "Be known for what I know",
        "due_on": TODAY + timedelta(days=60),
    }
    values.update(fields)
    return app.handle(c.SetGoal(actor_id=owner, visibility=visibility, **values)).id


def log(app: MomentumApplication, owner: UUID, title: str, **fields: Any) -> UUID:
    return app.handle(c.LogAction(owner, "learning", title, **fields)).id


def mentor(app: MomentumApplication, mentee: UUID, mentor_id: UUID, name: str) -> UUID:
    proposed = app.handle(c.ProposeMentorship(mentee, f"{name}@example.com"))
    app.handle(c.AnswerMentorship(mentor_id, proposed.id, "accept"))
    return proposed.id


def group_of(app: MomentumApplication, facilitator: UUID, *members: UUID) -> UUID:
    group = app.handle(c.CreateGroup(facilitator, "Career changers", "Keep going"))
    token = app.handle(c.InviteToGroup(facilitator, group.id)).extra["token"]
    for member in members:
        app.handle(c.JoinGroup(member, token))
    return group.id


def titles(page: JournalPage) -> list[str]:
    return [e.title for e in page.entries]


def kinds(page: JournalPage) -> list[str]:
    return [e.kind for e in page.entries]


@pytest.fixture
def people(app: MomentumApplication, register: Register) -> dict[str, UUID]:
    """Ann; Max her mentor; Pia invited as mentor, not yet accepted; Gus in a group
    with Ann; Sam a stranger."""
    ids = {n: register(n.capitalize()) for n in ("ann", "max", "pia", "gus", "sam")}
    mentor(app, ids["ann"], ids["max"], "max")
    app.handle(c.ProposeMentorship(ids["ann"], "pia@example.com"))
    group_of(app, ids["gus"], ids["ann"])
    return ids


def test_each_meaningful_event_of_a_goal_makes_an_entry(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann = register("Ann")
    metric = {"name": "Weekly distance", "unit": "km", "baseline": 5, "target": 20}
    goal = set_goal(app, ann, title="Run a half marathon", metric=metric)
    added = app.handle(c.AddMilestone(ann, goal, "Run 10 km without stopping"))
    milestone = added.extra["milestone_id"]
    app.handle(c.ReviseGoal(ann, goal, {"title": "Run a city half marathon"}, "Rome"))
    app.handle(c.CompleteMilestone(ann, goal, milestone))
    app.handle(c.ReopenMilestone(ann, goal, milestone))
    app.handle(c.RecordProgress(ann, goal, 7.5, "Longer Sunday run"))
    app.handle(c.ChangeGoalStatus(ann, goal, "pause", "Knee hurts"))
    app.handle(c.ChangeGoalStatus(ann, goal, "resume"))
    app.handle(c.ChangeGoalStatus(ann, goal, "achieve", "Finished in 2h05"))
    other = set_goal(app, ann, title="Learn to play the cello")
    app.handle(c.ChangeGoalStatus(ann, other, "abandon", "Running matters more"))
    sync()

    page = query(entries, str(ann))

    assert [(e.kind, e.title, e.summary) for e in page.entries] == [
        ("goal_abandoned", "Learn to play the cello", "Running matters more"),
        ("goal_set", "Learn to play the cello", "Be known for what I know"),
        ("goal_achieved", "Run a city half marathon", "Finished in 2h05"),
        ("goal_resumed", "Run a city half marathon", ""),
        ("goal_paused", "Run a city half marathon", "Knee hurts"),
        ("progress", "Run a city half marathon", "7.5 km — Longer Sunday run"),
        ("milestone_reopened", "Run 10 km without stopping", ""),
        ("milestone_completed", "Run 10 km without stopping", ""),
        ("goal_revised", "Run a city half marathon", "Rome"),
        ("milestone_added", "Run 10 km without stopping", ""),
        ("goal_set", "Run a half marathon", "Be known for what I know"),
    ]
    first = page.entries[-1]
    assert (first.item_kind, first.item_id, first.goal_id) == (
        "goal",
        str(goal),
        str(goal),
    )
    assert first.day == TODAY and first.member_id == str(ann)
    assert first.visibility == "mentors"
    assert page.next_cursor is None


def test_actions_and_reviews_make_entries(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann = register("Ann")
    goal = set_goal(app, ann)
    notes = "Read the chapter on pacing. " * 20
    action = log(app, ann, "Read a book on talks", notes=notes, goal_id=goal)
    win = log(
        app, ann, "Got a talk accepted", win=True, occurred_on=TODAY - timedelta(1)
    )
    app.handle(
        c.RecordReview(ann, SIGNALS, went_well="Wrote the outline", visibility="group")
    )
    sync()

    page = query(entries, str(ann))

    assert kinds(page) == ["review", "action", "goal_set", "action"]
    review, logged, _, won = page.entries
    assert (review.title, review.summary, review.visibility) == (
        "Weekly review",
        "Wrote the outline",
        "group",
    )
    assert (logged.item_id, logged.goal_id, logged.category) == (
        str(action),
        str(goal),
        "learning",
    )
    assert len(logged.summary) == 200 and logged.summary.endswith("…")
    assert "\n" not in logged.summary and not logged.win
    assert (won.item_id, won.win, won.day, won.goal_id) == (
        str(win),
        True,
        date(2026, 3, 1),
        None,
    )


def test_the_day_of_an_entry_is_the_members_own_day(
    app: MomentumApplication,
    register: Register,
    clock: FixedClock,
    sync: Sync,
    query: Query,
) -> None:
    kei = register("Kei", "Asia/Tokyo")
    clock.set(datetime(2026, 3, 2, 20, 0, tzinfo=UTC))  # 05:00 on 3 March in Tokyo
    set_goal(app, kei)
    sync()

    assert query(entries, str(kei)).entries[0].day == date(2026, 3, 3)


def test_editing_an_action_updates_its_entry(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann = register("Ann")
    goal = set_goal(app, ann)
    action = log(app, ann, "Draft slides")
    changes = {
        "title": "Drafted the slides",
        "notes": "Ten slides",
        "occurred_on": date(2026, 2, 27),
        "win": True,
        "goal_id": goal,
        "category": "visibility",
    }
    app.handle(c.EditAction(ann, action, changes))
    sync()

    edited = query(entries, str(ann)).entries[-1]

    assert edited.item_id == str(action)
    assert (edited.title, edited.summary, edited.day, edited.win) == (
        "Drafted the slides",
        "Ten slides",
        date(2026, 2, 27),
        True,
    )
    assert (edited.goal_id, edited.category) == (str(goal), "visibility")


def test_a_retracted_action_leaves_the_journal(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann = register("Ann")
    kept = log(app, ann, "Went to a meetup")
    gone = log(app, ann, "Logged by mistake")
    sync()
    app.handle(c.RetractAction(ann, gone, "Duplicate"))
    sync()

    page = query(entries, str(ann))

    assert [e.item_id for e in page.entries] == [str(kept)]


def test_amending_a_review_updates_its_summary_and_visibility(
    app: MomentumApplication, people: dict[str, UUID], sync: Sync, query: Query
) -> None:
    ann, gus = people["ann"], people["gus"]
    review = app.handle(c.RecordReview(ann, SIGNALS, went_well="Shipped it")).id
    app.handle(
        c.AmendReview(ann, review, {"went_well": "Shipped v2", "visibility": "group"})
    )
    sync()

    seen = query(entries, str(gus), member_id=str(ann)).entries

    assert [(e.kind, e.summary) for e in seen] == [("review", "Shipped v2")]


def test_entries_filter_by_kind_and_goal(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann = register("Ann")
    talk = set_goal(app, ann, title="Give a talk at a meetup")
    run = set_goal(app, ann, title="Run a half marathon")
    milestone = app.handle(c.AddMilestone(ann, run, "Run 10 km")).extra["milestone_id"]
    app.handle(c.CompleteMilestone(ann, run, milestone))
    log(app, ann, "Outline the talk", goal_id=talk)
    log(app, ann, "Talk accepted", goal_id=talk, win=True)
    log(app, ann, "Long run", goal_id=run)
    sync()
    me = str(ann)

    assert titles(query(entries, me, kind="action")) == [
        "Long run",
        "Talk accepted",
        "Outline the talk",
    ]
    assert titles(query(entries, me, kind="wins")) == ["Talk accepted"]
    assert kinds(query(entries, me, kind="milestones")) == [
        "milestone_completed",
        "milestone_added",
    ]
    assert kinds(query(entries, me, kind="goal_set")) == ["goal_set", "goal_set"]
    assert titles(query(entries, me, goal_id=str(talk))) == [
        "Talk accepted",
        "Outline the talk",
        "Give a talk at a meetup",
    ]
    assert titles(query(entries, me, goal_id=str(run), kind="action")) == ["Long run"]
    with pytest.raises(ValueError, match="Unknown journal entry kind"):
        query(entries, me, kind="tweet")


def test_cursor_pages_walk_every_entry_once_newest_first(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann = register("Ann")
    logged = []
    for i in range(120):
        day = TODAY - timedelta(days=(i * 7) % 30)
        logged.append((day, i, str(log(app, ann, f"Step {i}", occurred_on=day))))
    sync()
    # Newest day first; on the same day, the one logged last first.
    expected = [item for _, _, item in sorted(logged, reverse=True)]

    sizes, seen, cursor = [], [], None
    while True:
        page = query(entries, str(ann), limit=50, cursor=cursor)
        sizes.append(len(page.entries))
        seen += [e.item_id for e in page.entries]
        cursor = page.next_cursor
        if cursor is None:
            break

    assert sizes == [50, 50, 20]
    assert seen == expected


def test_a_page_that_ends_exactly_at_the_last_entry_has_no_next_cursor(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann = register("Ann")
    for i in range(4):
        log(app, ann, f"Step {i}")
    sync()

    first = query(entries, str(ann), limit=2)
    second = query(entries, str(ann), limit=2, cursor=first.next_cursor)

    assert titles(first) == ["Step 3", "Step 2"]
    assert titles(second) == ["Step 1", "Step 0"]
    assert second.next_cursor is None


@pytest.mark.parametrize(
    "cursor", ["not a cursor", "", "bm9wZQ==", "ajF8MjAyNi0xMy0wMXw1"]
)
def test_a_bad_cursor_is_refused(
    register: Register, sync: Sync, query: Query, cursor: str
) -> None:
    ann = register("Ann")
    sync()

    with pytest.raises(ValueError, match="Invalid journal cursor"):
        query(entries, str(ann), cursor=cursor)


def test_a_page_size_out_of_range_is_refused(
    register: Register, sync: Sync, query: Query
) -> None:
    ann = register("Ann")
    sync()

    with pytest.raises(ValueError, match="page size"):
        query(entries, str(ann), limit=0)


SPEC_9 = [
    # visibility, viewer, sees
    ("private", "ann", True),
    ("private", "max", False),
    ("private", "pia", False),
    ("private", "gus", False),
    ("private", "sam", False),
    ("mentors", "ann", True),
    ("mentors", "max", True),
    ("mentors", "pia", False),
    ("mentors", "gus", False),
    ("mentors", "sam", False),
    ("group", "ann", True),
    ("group", "max", True),
    ("group", "pia", False),
    ("group", "gus", True),
    ("group", "sam", False),
]


@pytest.mark.parametrize(("visibility", "viewer", "sees"), SPEC_9)
def test_entries_are_shown_according_to_the_items_visibility(
    app: MomentumApplication,
    people: dict[str, UUID],
    sync: Sync,
    query: Query,
    visibility: str,
    viewer: str,
    sees: bool,
) -> None:
    ann = people["ann"]
    goal = set_goal(app, ann, visibility)
    log(app, ann, "Outline the talk", goal_id=goal)
    app.handle(c.RecordReview(ann, SIGNALS, visibility=visibility))
    sync()

    page = query(entries, str(people[viewer]), member_id=str(ann))

    assert kinds(page) == (["review", "action", "goal_set"] if sees else [])
    first = query(entries, str(ann)).entries[0]
    assert (query(entry, str(people[viewer]), first.entry_id) is not None) is sees


def test_access_ends_when_the_mentorship_ends(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann, max_ = register("Ann"), register("Max")
    mentorship = mentor(app, ann, max_, "max")
    set_goal(app, ann, "mentors")
    sync()
    assert kinds(query(entries, str(max_), member_id=str(ann))) == ["goal_set"]

    app.handle(c.AnswerMentorship(ann, mentorship, "end"))
    sync()

    assert kinds(query(entries, str(max_), member_id=str(ann))) == []


def test_access_ends_when_someone_leaves_the_group(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann, gus = register("Ann"), register("Gus")
    group = group_of(app, gus, ann)
    set_goal(app, ann, "group")
    sync()
    assert kinds(query(entries, str(gus), member_id=str(ann))) == ["goal_set"]

    app.handle(c.LeaveGroup(ann, group))
    sync()

    assert kinds(query(entries, str(gus), member_id=str(ann))) == []


def test_an_action_set_narrower_than_its_goal_stays_narrower(
    app: MomentumApplication, people: dict[str, UUID], sync: Sync, query: Query
) -> None:
    ann = people["ann"]
    goal = set_goal(app, ann, "group")
    log(app, ann, "Shared step", goal_id=goal)
    log(app, ann, "Mentors-only step", goal_id=goal, visibility="mentors")
    log(app, ann, "Private step", goal_id=goal, visibility="private")
    sync()

    def seen_by(name: str) -> list[str]:
        return titles(query(entries, str(people[name]), member_id=str(ann)))

    assert seen_by("gus") == ["Shared step", "Give a talk at a meetup"]
    assert seen_by("max") == [
        "Mentors-only step",
        "Shared step",
        "Give a talk at a meetup",
    ]
    assert len(seen_by("ann")) == 4


def test_a_goal_made_private_hides_its_actions_and_widening_it_again_respects_them(
    app: MomentumApplication, people: dict[str, UUID], sync: Sync, query: Query
) -> None:
    ann, max_, gus = people["ann"], people["max"], people["gus"]
    goal = set_goal(app, ann, "group")
    log(app, ann, "Shared step", goal_id=goal)
    log(app, ann, "Mentors-only step", goal_id=goal, visibility="mentors")
    log(app, ann, "Unlinked step")
    sync()

    app.handle(c.ReviseGoal(ann, goal, {"visibility": "private"}, "Too early"))
    sync()
    assert titles(query(entries, str(max_), member_id=str(ann))) == ["Unlinked step"]

    app.handle(c.ReviseGoal(ann, goal, {"visibility": "group"}, "Ready to share"))
    sync()
    seen = query(entries, str(gus), member_id=str(ann)).entries
    assert [(e.kind, e.summary or e.title) for e in seen] == [
        ("goal_revised", "Ready to share"),
        ("goal_revised", "Too early"),
        ("action", "Shared step"),
        ("goal_set", "Be known for what I know"),
    ]
    assert "Mentors-only step" in titles(query(entries, str(max_), member_id=str(ann)))


def test_editing_an_actions_goal_or_visibility_changes_who_sees_it(
    app: MomentumApplication, people: dict[str, UUID], sync: Sync, query: Query
) -> None:
    ann, gus = people["ann"], people["gus"]
    shared = set_goal(app, ann, "group", title="Run a half marathon")
    action = log(app, ann, "Long run")
    sync()
    assert query(entries, str(gus), member_id=str(ann), kind="action").entries == ()

    app.handle(c.EditAction(ann, action, {"goal_id": shared}))
    sync()
    assert titles(query(entries, str(gus), member_id=str(ann), kind="action")) == [
        "Long run"
    ]

    app.handle(c.EditAction(ann, action, {"visibility": "private"}))
    sync()
    assert query(entries, str(gus), member_id=str(ann), kind="action").entries == ()


def test_feedback_and_cheers_are_counted_on_the_items_entries(
    app: MomentumApplication, people: dict[str, UUID], sync: Sync, query: Query
) -> None:
    ann, max_, gus = people["ann"], people["max"], people["gus"]
    goal = set_goal(app, ann, "group")
    app.handle(c.AddMilestone(ann, goal, "Submit a proposal"))
    win = log(app, ann, "Talk accepted", goal_id=goal, win=True)
    first = app.handle(c.GiveFeedback(max_, "action", win, "Well done!")).id
    app.handle(c.GiveFeedback(gus, "action", win, "Brilliant"))
    app.handle(c.CheerItem(gus, "action", win))
    app.handle(c.CheerItem(max_, "action", win))
    app.handle(c.GiveFeedback(max_, "goal", goal, "Ambitious and clear"))
    app.handle(c.WithdrawFeedback(max_, first))
    sync()

    page = query(entries, str(gus), member_id=str(ann))

    assert [(e.kind, e.feedback_count, e.cheer_count) for e in page.entries] == [
        ("action", 1, 2),
        ("milestone_added", 1, 0),
        ("goal_set", 1, 0),
    ]


def test_feedback_is_shown_to_whoever_can_see_the_item(
    app: MomentumApplication,
    people: dict[str, UUID],
    clock: FixedClock,
    sync: Sync,
    query: Query,
) -> None:
    ann, max_, gus, sam = people["ann"], people["max"], people["gus"], people["sam"]
    goal = set_goal(app, ann, "mentors")
    action = log(app, ann, "Outline the talk", goal_id=goal)
    app.handle(c.GiveFeedback(max_, "action", action, "Start with a story"))
    clock.advance(hours=1)
    withdrawn = app.handle(c.GiveFeedback(max_, "action", action, "Oops")).id
    app.handle(c.WithdrawFeedback(max_, withdrawn))
    app.handle(c.GiveFeedback(ann, "action", action, "Thanks, will do"))
    sync()

    def shown_to(viewer: UUID) -> list[tuple[str, str]]:
        notes = query(feedback_on, str(viewer), "action", str(action))
        return [(n.author_id, n.text) for n in notes]

    thread = [(str(max_), "Start with a story"), (str(ann), "Thanks, will do")]
    assert shown_to(ann) == thread
    assert shown_to(max_) == thread
    assert shown_to(gus) == []
    assert shown_to(sam) == []
    assert query(feedback_on, str(ann), "goal", str(action)) == ()

    app.handle(c.ReviseGoal(ann, goal, {"visibility": "private"}, "Not yet"))
    sync()
    assert shown_to(max_) == []


def test_wins_of_a_group_are_those_the_viewer_may_see_since_a_day(
    app: MomentumApplication, register: Register, sync: Sync, query: Query
) -> None:
    ann, bob, gus = register("Ann"), register("Bob"), register("Gus")
    group_of(app, gus, ann, bob)
    shared = set_goal(app, ann, "group")
    log(app, ann, "Talk accepted", goal_id=shared, win=True)
    log(app, ann, "Old win", goal_id=shared, win=True, occurred_on=date(2026, 2, 20))
    log(app, ann, "Not a win", goal_id=shared)
    log(app, ann, "Mentors-only win", win=True)
    log(app, bob, "First client", win=True, visibility="group")
    sync()

    found = query(wins, str(gus), [str(ann), str(bob)], date(2026, 2, 23))

    assert [w.title for w in found] == ["First client", "Talk accepted"]
    assert [w.title for w in query(wins, str(gus), [], date(2026, 2, 23))] == []


def test_an_erased_member_leaves_no_entries_or_feedback(
    app: MomentumApplication,
    register: Register,
    engine: Engine,
    sync: Sync,
    query: Query,
) -> None:
    ann, max_ = register("Ann"), register("Max")
    mentor(app, ann, max_, "max")
    mentor(app, max_, ann, "ann")
    action = log(app, ann, "Outline the talk")
    max_goal = set_goal(app, max_)
    app.handle(c.GiveFeedback(max_, "action", action, "Nice"))
    app.handle(c.GiveFeedback(ann, "goal", max_goal, "Go for it"))
    sync()
    # No command erases a member yet: apply the event as the runner would.
    member: Member = app.repository.get(ann)
    member.erase(actor_id=ann)
    (erased,) = member.collect_events()
    last = app.recorder.max_notification_id() or 0
    notification = Notification(
        id=last + 1,
        originator_id=ann,
        originator_version=erased.originator_version,
        topic="",
        state=b"",
    )
    with engine.begin() as conn:
        Journal().apply(conn, erased, notification)

    assert query(entries, str(ann)).entries == ()
    assert query(feedback_on, str(max_), "action", str(action)) == ()
    assert [e.feedback_count for e in query(entries, str(max_)).entries] == [0]
