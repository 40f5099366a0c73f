"""What every event shares: the actor, the clock's time, and a faithful replay."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate

from service.application import MomentumApplication
from service.clock import FixedClock, current_time, using
from service.domain.action import Action
from service.domain.feedback import Cheer, Feedback, Suggestion
from service.domain.goal import Goal
from service.domain.group import Group, GroupMembershipIndex, membership_index_id
from service.domain.idempotency import IdempotencyRecord, idempotency_record_id
from service.domain.member import EmailIndex, Member, email_index_id
from service.domain.mentorship import Mentorship
from service.domain.review import Review
from tests.conftest import make_app

from .helpers import (
    NOW,
    TODAY,
    commitment,
    metric,
    new_action,
    new_goal,
    new_member,
    ratings,
)

AGGREGATES: list[type[Aggregate]] = [
    Member,
    EmailIndex,
    Goal,
    Action,
    Review,
    Mentorship,
    Group,
    GroupMembershipIndex,
    Feedback,
    Cheer,
    Suggestion,
    IdempotencyRecord,
]


def declared_events(aggregate: type[Aggregate]) -> list[type[Aggregate.Event]]:
    """The event classes an aggregate declares with @event (not the library's bases)."""
    return [
        value
        for name, value in vars(aggregate).items()
        if isinstance(value, type)
        and issubclass(value, Aggregate.Event)
        and name not in ("Event", "Created")
    ]


ALL_EVENTS = [e for a in AGGREGATES for e in declared_events(a)]


def story(ada: UUID, bea: UUID) -> list[Aggregate]:
    """Ada and Bea use every feature once: every kind of event is recorded."""
    member = Member.register(ada, "ada@example.com", "Ada", "Europe/Paris", "hash")
    member.update_profile("Ada", "UTC", "Engineer", ada)
    member.set_aspirations("Lead a team", "Teaching", "SQL", ada)
    member.set_weekly_target(4, ada)
    member.change_preferences(ada, digest="daily")
    period = uuid4()
    member.set_away_period(period, date(2026, 4, 1), date(2026, 4, 3), "holiday", ada)
    member.cancel_away_period(period, ada)
    member.grant_role("admin", ada)
    member.revoke_role("admin", ada)
    member.change_password("hash-2", ada)
    member.mark_notifications_read(1, ada)
    member.end_sessions(ada)
    member.reset_calendar_feed(ada)
    member.erase(ada)
    index = EmailIndex(
        id=email_index_id("ada@example.com", b"key"), member_id=ada, actor_id=ada
    )
    index.release(ada)
    index.claim(bea, bea)

    goal = new_goal(ada, metric=metric())
    goal.revise({"horizon": "long"}, "It will take longer.", TODAY, ada)
    milestone = uuid4()
    goal.add_milestone(
        milestone, "Write the abstract", date(2026, 4, 1), ada, set_on=TODAY
    )
    goal.complete_milestone(milestone, ada)
    goal.reopen_milestone(milestone, ada)
    goal.record_progress(3, "Booked a meetup", ada)
    goal.pause("Busy.", ada)
    goal.resume(ada)
    goal.achieve("Done.", ada)
    dropped = new_goal(ada)
    dropped.abandon("Not for me.", ada)

    action = new_action(ada, goal_id=goal.id)
    action.edit({"minutes": 30}, TODAY, ada)
    action.retract("Duplicate.", ada)

    kept, missed = commitment(), commitment()
    review = Review.record(ada, "weekly", ratings(), [kept, missed], went_well="A talk")
    review.mark_commitment(kept["id"], True, ada)
    review.mark_commitment(missed["id"], False, ada)
    review.amend({"lessons": "Start earlier."}, ada)

    mentorship = Mentorship.propose(
        ada, "ada@example.com", "bea@example.com", "Please?"
    )
    mentorship.accept(bea)
    mentorship.end("Done.", bea)
    mentorship.propose_again("Again?", ada)
    mentorship.decline(bea)

    group = Group.create("Data folk", "", ada)
    link = uuid4()
    group.invite(link, None, NOW, ada)
    cal = uuid4()
    group.join(bea, "bea@example.com", link, NOW)
    group.join(cal, "cal@example.com", link, NOW)
    group.add_facilitator(bea, ada)
    group.pair_buddies(bea, cal, ada)
    group.unpair_buddies(bea, ada)
    group.remove(cal, ada)
    group.leave(bea)
    groups = GroupMembershipIndex(
        id=membership_index_id(ada), member_id=ada, actor_id=ada
    )
    groups.entered(group.id, ada)
    groups.exited(group.id, ada)

    feedback = Feedback.give(bea, "goal", goal.id, ada, "Well done!")
    feedback.withdraw(bea)
    cheer = Cheer.give(bea, "action", action.id, ada)
    accepted = Suggestion.make(
        bea, ada, goal.id, "milestone", "Submit the CFP", "", None
    )
    accepted.accept(uuid4(), ada)
    declined = Suggestion.make(bea, ada, goal.id, "action", "Email Sam", "", None)
    declined.decline("Later.", ada)

    record = IdempotencyRecord(
        id=idempotency_record_id(f"member:{ada}", "k1"),
        fingerprint="f1",
        result={"id": str(goal.id)},
        actor_id=ada,
    )
    record.remember_again("f2", {"id": str(action.id)}, ada)
    return [
        member,
        index,
        goal,
        dropped,
        action,
        review,
        mentorship,
        group,
        groups,
        feedback,
        cheer,
        accepted,
        declined,
        record,
    ]


@pytest.fixture
def people() -> tuple[UUID, UUID]:
    return uuid4(), uuid4()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def memory_app(clock: FixedClock) -> Iterator[MomentumApplication]:
    """The application as bootstrap builds it, on the in-memory store."""
    application = make_app("memory://", clock)
    yield application
    application.close()


def events_of(aggregates: list[Aggregate]) -> Iterator[Aggregate.Event]:
    for aggregate in aggregates:
        yield from aggregate.collect_events()


def state(aggregate: Aggregate) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


@pytest.mark.parametrize("aggregate", AGGREGATES, ids=lambda a: a.__name__)
def test_every_aggregate_declares_its_events(aggregate: type[Aggregate]) -> None:
    assert declared_events(aggregate)


@pytest.mark.parametrize("event_class", ALL_EVENTS, ids=lambda e: e.__qualname__)
def test_every_event_class_carries_the_actor(
    event_class: type[Aggregate.Event],
) -> None:
    assert "actor_id" in typing.get_type_hints(event_class)


def test_the_story_records_every_kind_of_event_each_with_its_actor(
    people: tuple[UUID, UUID],
) -> None:
    events = list(events_of(story(*people)))
    assert {type(e) for e in events} == set(ALL_EVENTS)
    assert all(isinstance(e.actor_id, UUID) for e in events)  # type: ignore[attr-defined]


def test_each_event_names_the_member_who_acted(people: tuple[UUID, UUID]) -> None:
    ada, bea = people
    actors = {type(e).__name__: e.actor_id for e in events_of(story(ada, bea))}  # type: ignore[attr-defined]
    for name in (
        "GoalSet",
        "ActionRetracted",
        "MentorshipProposed",
        "GroupCreated",
        "SuggestionAccepted",
        "CommitmentKept",
    ):
        assert actors[name] == ada, name
    for name in (
        "MentorshipAccepted",
        "MentorshipDeclined",
        "MemberLeft",
        "FeedbackWithdrawn",
        "Cheered",
        "SuggestionMade",
    ):
        assert actors[name] == bea, name


def test_events_are_stamped_by_the_clock_in_force(people: tuple[UUID, UUID]) -> None:
    at = datetime.fromisoformat("2025-01-15T08:30:00+00:00")
    with using(FixedClock(at)):
        aggregates = story(*people)
    stamps = {e.timestamp for e in events_of(aggregates)}
    assert stamps == {at}


def test_moving_the_clock_moves_the_stamps() -> None:
    clock = FixedClock(NOW)
    with using(clock):
        goal = new_goal()
        later = clock.advance(days=3, hours=2)
        goal.pause("Travelling.", goal.owner_id)
    first, second = goal.collect_events()
    assert (first.timestamp, second.timestamp) == (NOW, later)
    assert (goal.created_on, goal.modified_on) == (NOW, later)
    assert current_time() != later


def test_replay_through_the_memory_store_rebuilds_the_same_state(
    people: tuple[UUID, UUID], memory_app: MomentumApplication, clock: FixedClock
) -> None:
    with using(clock):
        aggregates = story(*people)
    memory_app.save(*aggregates)
    for aggregate in aggregates:
        assert state(memory_app.repository.get(aggregate.id)) == state(aggregate)


def test_dates_and_ids_survive_the_store_and_still_work(
    people: tuple[UUID, UUID], memory_app: MomentumApplication, clock: FixedClock
) -> None:
    ada, bea = people
    with using(clock):
        member, goal, action = new_member(), new_goal(ada), new_action(ada)
        member.set_away_period(
            uuid4(), date(2026, 4, 1), date(2026, 4, 3), "holiday", member.id
        )
        goal.add_milestone(
            uuid4(), "Write the abstract", date(2026, 4, 1), ada, set_on=TODAY
        )
        step = commitment()
        review = Review.record(ada, "weekly", ratings(), [step])
        group = Group.create("Data folk", "", ada)
        group.invite(link := uuid4(), "bea@example.com", NOW, ada)
    memory_app.save(member, goal, action, review, group)

    goal = memory_app.repository.get(goal.id)
    assert type(goal.due_on) is date
    assert [type(m["due_on"]) for m in goal.milestones.values()] == [date]
    assert type(memory_app.repository.get(action.id).occurred_on) is date
    assert memory_app.repository.get(member.id).is_away_on(date(2026, 4, 2))
    review = memory_app.repository.get(review.id)
    review.mark_commitment(step["id"], True, ada)
    assert review.outcomes == {str(step["id"]): True}
    group = memory_app.repository.get(group.id)
    group.join(bea, "bea@example.com", link, NOW + timedelta(days=13))
    assert bea in group.members


def test_earlier_versions_keep_the_values_a_revision_replaced(
    people: tuple[UUID, UUID], memory_app: MomentumApplication, clock: FixedClock
) -> None:
    ada, _ = people
    with using(clock):
        goal = new_goal(ada)
        goal.revise({"title": "Give two talks at meetups"}, "Bolder.", TODAY, ada)
    memory_app.save(goal)
    assert (
        memory_app.repository.get(goal.id, version=1).title == "Give a talk at a meetup"
    )
    assert memory_app.repository.get(goal.id).title == "Give two talks at meetups"
