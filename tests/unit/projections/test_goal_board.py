"""Goal board: what a member (or their mentor, or their group) sees of each goal.

Goals are set through commands on the fixed clock (day 0 = Monday 2 March 2026, UTC
members); every expected figure is worked out by hand in the test.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from projections.goals import GoalBoard
from projections.goals_queries import (
    GoalCard,
    goal_board,
    goal_card,
    milestones,
    progress_series,
    stalled_goals,
    upcoming_milestones,
)
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.conftest import START

DAY0 = START.date()
Query = Callable[..., Any]


def at(days: int) -> datetime:
    """Day `days` of the test, 09:00 UTC."""
    return START + timedelta(days=days)


def on(days: int) -> date:
    return DAY0 + timedelta(days=days)


@pytest.fixture
def sync(project: Callable[..., Callable[[], int]]) -> Callable[[], int]:
    return project(GoalBoard())


@pytest.fixture
def ann(register: Callable[..., UUID]) -> UUID:
    return register("Ann")


@pytest.fixture
def new_goal(app: MomentumApplication) -> Callable[..., UUID]:
    """`new_goal(owner, due_in=100, **fields)`: a valid SMART goal; its id."""

    def _new_goal(owner: UUID, due_in: int = 100, **fields: Any) -> UUID:
        values: dict[str, Any] = {
            "title": "Give a talk at a meetup",
            "horizon": "short",
            "why": "Be known for what I know",
            "due_on": app.clock.now().date() + timedelta(days=due_in),
        }
        values.update(fields)
        return app.handle(c.SetGoal(actor_id=owner, **values)).id

    return _new_goal


def card_of(query: Query, viewer: UUID, goal: UUID, now: datetime) -> GoalCard:
    card = query(goal_card, str(viewer), str(goal), now)
    assert isinstance(card, GoalCard)
    return card


def record(
    app: MomentumApplication,
    clock: FixedClock,
    owner: UUID,
    goal: UUID,
    day: int,
    v: float,
) -> None:
    clock.set(at(day))
    app.handle(c.RecordProgress(owner, goal, v))


def log_action(
    app: MomentumApplication, owner: UUID, goal: UUID | None, day: int
) -> UUID:
    return app.handle(
        c.LogAction(
            owner, "learning", "Read a chapter", occurred_on=on(day), goal_id=goal
        )
    ).id


METRIC_UP = {"name": "talks given", "unit": "talks", "baseline": 10, "target": 20}
METRIC_DOWN = {"name": "weight", "unit": "kg", "baseline": 90, "target": 70}
LINE = {"name": "pages written", "unit": "pages", "baseline": 0, "target": 100}


# Progress % -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        (METRIC_UP, 15, 50.0),  # (15 − 10) / (20 − 10)
        (METRIC_UP, 5, 0.0),  # below the baseline
        (METRIC_UP, 25, 100.0),  # beyond the target
        (METRIC_DOWN, 80, 50.0),  # (80 − 90) / (70 − 90)
        (METRIC_DOWN, 95, 0.0),  # worse than the baseline
        (METRIC_DOWN, 60, 100.0),  # better than the target
    ],
)
def test_metric_progress_is_clamped_between_0_and_100(
    app: MomentumApplication,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
    metric: dict[str, Any],
    value: float,
    expected: float,
) -> None:
    goal = new_goal(ann, metric=metric)
    app.handle(c.RecordProgress(ann, goal, value))
    sync()
    card = card_of(query, ann, goal, at(0))
    assert card.progress == pytest.approx(expected)
    assert card.metric is not None and card.metric.current == value


def test_progress_counts_completed_milestones_and_reopening_takes_it_back(
    app: MomentumApplication,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    goal = new_goal(
        ann,
        milestones=(
            c.NewMilestone("Pick a topic", on(20)),
            c.NewMilestone("Write the outline", on(10)),
            c.NewMilestone("Book a slot"),
        ),
    )
    sync()
    by_title = {m.title: m for m in query(milestones, str(ann), str(goal))}
    # roadmap order: by due date, undated last
    assert [m.title for m in query(milestones, str(ann), str(goal))] == [
        "Write the outline",
        "Pick a topic",
        "Book a slot",
    ]
    outline = UUID(by_title["Write the outline"].milestone_id)
    app.handle(c.CompleteMilestone(ann, goal, outline))
    sync()
    card = card_of(query, ann, goal, at(0))
    assert card.progress == pytest.approx(100 / 3)
    assert (card.milestones_done, card.milestones_total) == (1, 3)
    assert card.next_milestone is not None
    assert card.next_milestone.title == "Pick a topic"
    done = {m.title: m for m in query(milestones, str(ann), str(goal))}
    assert done["Write the outline"].completed
    assert done["Write the outline"].completed_at == at(0)

    app.handle(c.ReopenMilestone(ann, goal, outline))
    sync()
    card = card_of(query, ann, goal, at(0))
    assert card.progress == 0.0
    assert card.next_milestone is not None
    assert card.next_milestone.title == "Write the outline"


def test_achieved_goal_shows_100_percent_and_when_it_closed(
    app: MomentumApplication,
    clock: FixedClock,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    goal = new_goal(ann)
    clock.set(at(3))
    app.handle(c.ChangeGoalStatus(ann, goal, "achieve", "It went well"))
    sync()
    card = card_of(query, ann, goal, at(40))
    assert (card.status, card.progress, card.closed_at) == ("achieved", 100.0, at(3))
    assert card.on_track and not card.stalled


def test_accepted_mentor_suggestion_adds_exactly_one_milestone(
    app: MomentumApplication,
    register: Callable[..., UUID],
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    max_ = register("Max")
    mentor(app, ann, max_)
    goal = new_goal(ann)
    suggestion = app.handle(
        c.MakeSuggestion(max_, goal, "milestone", "Rehearse with a friend", "", on(9))
    )
    app.handle(c.AnswerSuggestion(ann, suggestion.id, True))
    sync()
    card = card_of(query, ann, goal, at(0))
    assert (card.milestones_done, card.milestones_total) == (0, 1)
    assert card.next_milestone is not None
    assert card.next_milestone.title == "Rehearse with a friend"


# On track and safety buffer --------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(40, True), (39, False)])
def test_on_track_allows_ten_points_behind_the_elapsed_time(
    app: MomentumApplication,
    clock: FixedClock,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
    value: float,
    expected: bool,
) -> None:
    goal = new_goal(ann, due_in=100, metric=LINE)
    record(app, clock, ann, goal, 50, value)
    sync()
    card = card_of(query, ann, goal, at(50))
    # day 50 of 100: elapsed 50 %, so on track from 50 − 10 = 40 %
    assert card.elapsed == 50.0
    assert card.progress == value
    assert card.on_track is expected


def test_safety_buffer_worked_example(
    app: MomentumApplication,
    clock: FixedClock,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    goal = new_goal(ann, due_in=100, metric=LINE)
    record(app, clock, ann, goal, 2, 20)
    record(app, clock, ann, goal, 30, 40)
    sync()
    # Day 30: the line is at 30, the value 40 (10 ahead); behind means 10 under the
    # line, so the lead is 20. 28 days ago (day 2) it was 20, so it rises 20/28 a day
    # while the line rises 1: the lead shrinks by 8/28 a day and lasts
    # 20 / (8/28) = 70 days: all 70 left.
    assert card_of(query, ann, goal, at(30)).safety_buffer == 70
    # Day 31: line 31, lead 19; 28 days ago is day 3, last value on or before it is
    # still day 2's 20 → 19 / (8/28) = 66.5 → 66 whole days (of 69 left).
    assert card_of(query, ann, goal, at(31)).safety_buffer == 66


def test_safety_buffer_uses_the_baseline_before_the_first_record_and_caps_at_due(
    app: MomentumApplication,
    clock: FixedClock,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    goal = new_goal(ann, due_in=100, metric=LINE)
    record(app, clock, ann, goal, 10, 30)
    sync()
    # Day 20: line 20, value 30. Nothing was recorded on or before day −8, so the
    # baseline 0: rate 30/28 a day beats the line's 1 a day, it never falls behind
    # → every one of the 80 days left.
    assert card_of(query, ann, goal, at(20)).safety_buffer == 80


def test_a_goal_set_seconds_ago_is_on_track_with_its_margin_as_buffer(
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    goal = new_goal(ann, due_in=100, metric=LINE)
    sync()
    card = card_of(query, ann, goal, at(0))
    # 0 of 100 pages on day 0: the line rises 1 a day, behind means 10 under it
    assert (card.verdict, card.safety_buffer) == ("on_track", 10)


def test_safety_buffer_is_zero_when_already_behind(
    app: MomentumApplication,
    clock: FixedClock,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    goal = new_goal(ann, due_in=100, metric=LINE)
    record(app, clock, ann, goal, 30, 15)
    sync()
    card = card_of(query, ann, goal, at(30))
    assert card.safety_buffer == 0  # the line is at 30: 15 is more than 10 under
    assert not card.on_track and card.verdict == "behind"  # 15 % < 30 % − 10
    plain = new_goal(ann)
    sync()
    assert card_of(query, ann, plain, at(30)).safety_buffer is None  # no metric


def test_progress_series_for_the_chart(
    app: MomentumApplication,
    clock: FixedClock,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    goal = new_goal(ann, due_in=100, metric=LINE)
    record(app, clock, ann, goal, 2, 20)
    record(app, clock, ann, goal, 5, 22)
    clock.advance(hours=3)
    app.handle(c.RecordProgress(ann, goal, 27))  # same day: the later value counts
    sync()
    series = query(progress_series, str(ann), str(goal))
    assert series.points == ((on(2), 20.0), (on(5), 27.0))
    assert series.line == ((on(0), 0.0), (on(100), 100.0))


def test_milestone_progress_series_steps_with_completions_reopenings_and_additions(
    app: MomentumApplication,
    clock: FixedClock,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    goal = new_goal(
        ann, milestones=(c.NewMilestone("Pick a topic"), c.NewMilestone("Outline"))
    )

    def milestone_id(title: str) -> UUID:
        found = query(milestones, str(ann), str(goal))
        return UUID(next(m.milestone_id for m in found if m.title == title))

    sync()
    topic, outline = milestone_id("Pick a topic"), milestone_id("Outline")
    clock.set(at(3))
    app.handle(c.CompleteMilestone(ann, goal, topic))  # 1 of 2 → 50
    clock.set(at(5))
    app.handle(c.AddMilestone(ann, goal, "Book a slot", None))  # 1 of 3 → 33.3
    clock.set(at(8))
    app.handle(c.CompleteMilestone(ann, goal, outline))  # 2 of 3 → 66.7
    clock.advance(hours=2)
    app.handle(c.ReopenMilestone(ann, goal, topic))  # same day: 1 of 3 → 33.3
    sync()
    series = query(progress_series, str(ann), str(goal))
    assert (series.measure, series.stepped) == ("milestones", True)
    # day 0: set with 0 of 2 done; each later day keeps its last value
    assert [day for day, _ in series.points] == [on(0), on(3), on(5), on(8)]
    values = [value for _, value in series.points]
    assert values == pytest.approx([0.0, 50.0, 100 / 3, 100 / 3])
    assert series.line == ((on(0), 0.0), (on(100), 100.0))

    clock.set(at(12))
    app.handle(c.ChangeGoalStatus(ann, goal, "achieve", "Done early"))
    sync()
    achieved = query(progress_series, str(ann), str(goal)).points
    assert achieved[-1] == (on(12), 100.0)  # achieved: 100 % whatever is open


def test_a_goal_with_neither_metric_nor_milestones_has_no_series(
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    goal = new_goal(ann)
    sync()
    series = query(progress_series, str(ann), str(goal))
    assert (series.points, series.line, series.measure) == ((), None, "none")


# Last action and stalled goals -------------------------------------------------------


def test_goal_stalls_after_14_quiet_days_until_an_action(
    app: MomentumApplication,
    clock: FixedClock,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    goal = new_goal(ann, due_in=60)
    sync()
    quiet = card_of(query, ann, goal, at(13))
    assert not quiet.stalled and quiet.days_since_last_action is None
    stalled = card_of(query, ann, goal, at(14))
    # 0 % at 23 % of its time is also behind pace: the one verdict is stalled
    assert stalled.stalled and not stalled.on_track and stalled.verdict == "stalled"
    assert [g.goal_id for g in query(stalled_goals, str(ann), at(14))] == [str(goal)]

    clock.set(at(14))
    log_action(app, ann, goal, 10)
    sync()
    card = card_of(query, ann, goal, at(14))
    assert (card.stalled, card.days_since_last_action) == (False, 4)
    assert card_of(query, ann, goal, at(24)).stalled  # 14 days after day 10
    assert query(stalled_goals, str(ann), at(23)) == []


def test_goal_due_within_7_days_under_half_done_is_stalled(
    app: MomentumApplication,
    clock: FixedClock,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    goal = new_goal(ann, due_in=20)
    clock.set(at(12))
    log_action(app, ann, goal, 12)
    sync()
    assert not card_of(query, ann, goal, at(12)).stalled  # due in 8 days
    assert card_of(query, ann, goal, at(13)).stalled  # due in 7 days, 0 % done


def test_paused_goal_is_never_stalled(
    app: MomentumApplication,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    goal = new_goal(ann)
    app.handle(c.ChangeGoalStatus(ann, goal, "pause", "Busy month"))
    sync()
    assert not card_of(query, ann, goal, at(30)).stalled
    assert query(stalled_goals, str(ann), at(30)) == []


def test_progress_record_counts_as_activity(
    app: MomentumApplication,
    clock: FixedClock,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    goal = new_goal(ann, metric=LINE)
    log_action(app, ann, goal, 0)
    record(app, clock, ann, goal, 6, 10)
    sync()
    card = card_of(query, ann, goal, at(9))
    assert (card.last_activity_on, card.days_since_last_action) == (on(6), 3)


def test_retracting_actions_brings_days_since_last_action_back(
    app: MomentumApplication,
    clock: FixedClock,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    goal = new_goal(ann)
    clock.set(at(5))
    first = log_action(app, ann, goal, 1)
    second = log_action(app, ann, goal, 3)
    sync()
    assert card_of(query, ann, goal, at(5)).days_since_last_action == 2
    app.handle(c.RetractAction(ann, second))
    sync()
    assert card_of(query, ann, goal, at(5)).days_since_last_action == 4
    app.handle(c.RetractAction(ann, first))
    sync()
    assert card_of(query, ann, goal, at(5)).days_since_last_action is None


def test_editing_an_action_moves_it_between_goals_and_days(
    app: MomentumApplication,
    clock: FixedClock,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    talk = new_goal(ann)
    course = new_goal(ann, title="Finish the data course")
    clock.set(at(5))
    action = log_action(app, ann, talk, 2)
    app.handle(c.EditAction(ann, action, {"goal_id": course}))
    sync()
    assert card_of(query, ann, talk, at(5)).days_since_last_action is None
    assert card_of(query, ann, course, at(5)).days_since_last_action == 3
    app.handle(c.EditAction(ann, action, {"occurred_on": on(4)}))
    sync()
    assert card_of(query, ann, course, at(5)).days_since_last_action == 1
    loose = log_action(app, ann, None, 5)
    app.handle(c.EditAction(ann, loose, {"goal_id": talk}))
    sync()
    assert card_of(query, ann, talk, at(5)).days_since_last_action == 0


# Status, board order and visibility --------------------------------------------------


def test_status_transitions_and_board_order(
    app: MomentumApplication,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    late = new_goal(ann, due_in=90, title="Lead a team project")
    soon = new_goal(ann, due_in=30, title="Finish the data course")
    paused = new_goal(ann, due_in=10, title="Publish a portfolio site")
    app.handle(c.ChangeGoalStatus(ann, paused, "pause", "Busy"))
    sync()

    def titles(**kw: Any) -> list[str]:
        return [g.title for g in query(goal_board, str(ann), str(ann), at(0), **kw)]

    assert titles() == [
        "Finish the data course",
        "Lead a team project",
        "Publish a portfolio site",
    ]
    assert titles(status="paused") == ["Publish a portfolio site"]
    app.handle(c.ChangeGoalStatus(ann, paused, "resume"))
    app.handle(c.ChangeGoalStatus(ann, late, "abandon", "Changed teams"))
    sync()
    assert titles() == [
        "Publish a portfolio site",
        "Finish the data course",
        "Lead a team project",
    ]
    assert titles(status="abandoned") == ["Lead a team project"]
    assert card_of(query, ann, soon, at(0)).version == 1
    assert card_of(query, ann, paused, at(0)).version == 3


def mentor(app: MomentumApplication, mentee: UUID, mentor_id: UUID) -> UUID:
    """The mentee invites the (registered) mentor, who accepts; the mentorship id."""
    email = app.handle(c.ProposeMentorship(mentee, "max@example.com"))
    app.handle(c.AnswerMentorship(mentor_id, email.id, "accept"))
    return email.id


def test_each_viewer_sees_only_the_goals_shown_to_them(
    app: MomentumApplication,
    register: Callable[..., UUID],
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    max_, gil, sam = register("Max"), register("Gil"), register("Sam")
    mentorship = mentor(app, ann, max_)
    group = app.handle(c.CreateGroup(ann, "Career changers", "Keep going"))
    token = app.handle(c.InviteToGroup(ann, group.id)).extra["token"]
    app.handle(c.JoinGroup(gil, token))
    goals = {
        vis: new_goal(ann, visibility=vis, title=f"A {vis} goal for me")
        for vis in ("private", "mentors", "group")
    }
    sync()

    def seen(viewer: UUID) -> set[str]:
        board = query(goal_board, str(viewer), str(ann), at(0))
        return {g.visibility for g in board}

    assert seen(ann) == {"private", "mentors", "group"}
    assert seen(max_) == {"mentors", "group"}
    assert seen(gil) == {"group"}
    assert seen(sam) == set()
    assert query(goal_card, str(max_), str(goals["private"]), at(0)) is None
    assert query(goal_card, str(gil), str(goals["mentors"]), at(0)) is None
    assert query(milestones, str(sam), str(goals["group"])) == []
    assert query(progress_series, str(sam), str(goals["group"])) is None

    app.handle(c.AnswerMentorship(ann, mentorship, "end"))
    sync()
    assert seen(max_) == set()


def test_revised_visibility_title_and_due_date_show_on_the_board(
    app: MomentumApplication,
    register: Callable[..., UUID],
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    max_ = register("Max")
    mentor(app, ann, max_)
    goal = new_goal(ann, visibility="mentors", due_in=30)
    app.handle(
        c.ReviseGoal(
            ann,
            goal,
            {"title": "Give two talks at meetups", "due_on": on(50)},
            "More ambitious",
        )
    )
    sync()
    card = card_of(query, max_, goal, at(0))
    assert (card.title, card.due_on, card.days_left) == (
        "Give two talks at meetups",
        on(50),
        50,
    )
    app.handle(c.ReviseGoal(ann, goal, {"visibility": "private"}, "Keep it quiet"))
    sync()
    assert query(goal_card, str(max_), str(goal), at(0)) is None
    assert [g.title for g in query(goal_board, str(ann), str(ann), at(0))] == [
        "Give two talks at meetups"
    ]


def test_revised_metric_starts_again_from_its_baseline(
    app: MomentumApplication,
    clock: FixedClock,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    goal = new_goal(ann, metric=LINE)
    record(app, clock, ann, goal, 1, 60)
    app.handle(c.ReviseGoal(ann, goal, {"metric": METRIC_UP}, "Count talks instead"))
    sync()
    card = card_of(query, ann, goal, at(1))
    assert card.metric is not None
    assert (card.metric.name, card.metric.current, card.progress) == (
        "talks given",
        10.0,
        0.0,
    )
    assert query(progress_series, str(ann), str(goal)).points == ()
    assert card.last_activity_on == on(1)


def test_upcoming_milestones_of_active_goals(
    app: MomentumApplication,
    ann: UUID,
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    new_goal(
        ann,
        milestones=(
            c.NewMilestone("Pick a topic", on(14)),
            c.NewMilestone("Write the outline", on(3)),
            c.NewMilestone("Book a slot", on(15)),
            c.NewMilestone("Find a venue"),
        ),
    )
    paused = new_goal(
        ann,
        title="Finish the data course",
        milestones=(c.NewMilestone("Unit 1", on(2)),),
    )
    app.handle(c.ChangeGoalStatus(ann, paused, "pause", "Busy"))
    sync()
    upcoming = query(upcoming_milestones, str(ann), at(0))
    assert [(u.milestone.title, u.days_until) for u in upcoming] == [
        ("Write the outline", 3),
        ("Pick a topic", 14),
    ]
    assert upcoming[0].goal_title == "Give a talk at a meetup"


def test_days_are_the_owners_own(
    app: MomentumApplication,
    clock: FixedClock,
    register: Callable[..., UUID],
    new_goal: Callable[..., UUID],
    sync: Callable[[], int],
    query: Query,
) -> None:
    clock.set(datetime.fromisoformat("2026-03-02T23:30:00+00:00"))
    kai = register("Kai", "Asia/Tokyo")  # already 08:30 on 3 March in Tokyo
    goal = new_goal(kai, due_in=30, metric=LINE)
    app.handle(c.RecordProgress(kai, goal, 5))
    sync()
    card = card_of(query, kai, goal, clock.now())
    assert (card.set_on, card.today, card.last_activity_on) == (on(1), on(1), on(1))
