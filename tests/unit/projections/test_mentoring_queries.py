"""The mentor view's queries: triage in a fixed number of statements with the change
of rut risk, one mentorship as each side sees it, and one milestone by id."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine, event

from projections.goals import GoalBoard
from projections.goals_queries import milestone_by_id
from projections.journal import Journal
from projections.mentoring import mentorship_of, triage
from projections.metrics import Metrics
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.unit.projections.conftest import Sync

SIGNALS = ("motivation", "focus", "learning", "recognition", "satisfaction")


@pytest.fixture
def sync(project: Callable[..., Sync]) -> Sync:
    return project(Metrics(), GoalBoard(), Journal())


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on `engine` meanwhile."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _mentees(
    app: MomentumApplication,
    register: Callable[..., UUID],
    mentor: UUID,
    numbers: range,
) -> list[UUID]:
    """New mentees of `mentor` (one per number) in one of two timezones, each with
    a stalled goal, an action and a check-in."""
    found = []
    for i in numbers:
        tz = ("Pacific/Auckland", "America/Los_Angeles")[i % 2]
        mentee = register(f"Mentee{i}", tz)
        link = app.handle(c.ProposeMentorship(mentee, "max@example.com")).id
        app.handle(c.AnswerMentorship(mentor, link, "accept"))
        due = app.clock.now().date() + timedelta(days=3 + i % 4)
        metric = {"name": "Talks", "unit": "", "baseline": 0, "target": 3}
        goal = app.handle(
            c.SetGoal(
                mentee, "Speak at the guild", "short", "Be seen", due, metric=metric
            )
        ).id
        app.handle(c.RecordProgress(mentee, goal, 1))
        app.handle(c.LogAction(mentee, "learning", "Read"))
        app.handle(c.RecordReview(mentee, dict.fromkeys(SIGNALS, 1 + i % 5)))
        found.append(mentee)
    return found


def test_triage_runs_as_many_statements_for_six_mentees_as_for_two(
    app: MomentumApplication,
    register: Callable[..., UUID],
    clock: FixedClock,
    sync: Sync,
    engine: Engine,
) -> None:
    max_ = register("Max")
    _mentees(app, register, max_, range(2))
    sync()
    with engine.connect() as conn, counting(engine) as few:
        assert len(triage(conn, str(max_), clock.now())) == 2
    _mentees(app, register, max_, range(2, 6))
    sync()
    with engine.connect() as conn, counting(engine) as many:
        cards = triage(conn, str(max_), clock.now())
    assert len(cards) == 6
    assert len(many) == len(few)
    # Goals set today are never stalled; the next day each is due within 7 days, < 50 %
    assert all(card.stalled_goals == 0 for card in cards)
    with engine.connect() as conn:
        tomorrow = triage(conn, str(max_), clock.now() + timedelta(days=1))
    assert all(card.stalled_goals == 1 for card in tomorrow)


def test_triage_shows_the_change_of_rut_risk_over_14_days(
    app: MomentumApplication,
    register: Callable[..., UUID],
    clock: FixedClock,
    sync: Sync,
    query: Callable[..., Any],
) -> None:
    max_, ann = register("Max"), register("Ann")
    link = app.handle(c.ProposeMentorship(ann, "max@example.com")).id
    app.handle(c.AnswerMentorship(max_, link, "accept"))
    clock.advance(days=20)
    app.handle(c.RecordReview(ann, dict.fromkeys(SIGNALS, 5)))  # s: 0.5 → 0
    sync()
    (card,) = query(triage, str(max_), clock.now())
    # 14 days ago: no check-in, no action: 0.4·0.5 + 0.4·1 + 0.2·1 → 80
    assert card.rut_risk_change == card.metrics.rut_risk - 80
    assert card.rut_risk_change < 0 and not card.metrics.rising
    assert query(triage, str(ann), clock.now()) == []


def test_a_mentorship_is_seen_by_its_mentee_its_invitee_and_its_mentor_only(
    app: MomentumApplication,
    register: Callable[..., UUID],
    sync: Sync,
    query: Callable[..., Any],
) -> None:
    ann, sam = register("Ann"), register("Sam")
    link = str(app.handle(c.ProposeMentorship(ann, "max@example.com")).id)
    sync()
    assert query(mentorship_of, str(ann), link).status == "proposed"
    assert query(mentorship_of, str(sam), link) is None
    max_ = register("Max")  # signs up after the invitation
    sync()
    invited = query(mentorship_of, str(max_), link)
    assert (invited.status, invited.mentor_id) == ("proposed", None)
    app.handle(c.AnswerMentorship(max_, UUID(link), "decline"))
    sync()
    assert query(mentorship_of, str(max_), link).status == "declined"
    assert query(mentorship_of, str(ann), str(UUID(int=1))) is None


def test_a_milestone_by_id_only_for_who_may_see_its_goal(
    app: MomentumApplication,
    register: Callable[..., UUID],
    clock: FixedClock,
    sync: Sync,
    query: Callable[..., Any],
) -> None:
    ann, max_ = register("Ann"), register("Max")
    link = app.handle(c.ProposeMentorship(ann, "max@example.com")).id
    app.handle(c.AnswerMentorship(max_, link, "accept"))
    due = clock.now().date() + timedelta(days=30)
    ids = {}
    for vis in ("mentors", "private"):
        goal = app.handle(
            c.SetGoal(
                ann,
                "Ship the side project",
                "short",
                "Portfolio",
                due,
                visibility=vis,
                milestones=(c.NewMilestone(f"Demo {vis}", due),),
            )
        ).id
        ids[vis] = next(iter(app.repository.get(goal).milestones))
    sync()
    shown = query(milestone_by_id, str(max_), ids["mentors"])
    assert (shown.title, shown.due_on, shown.completed) == ("Demo mentors", due, False)
    assert query(milestone_by_id, str(ann), ids["private"]).title == "Demo private"
    assert query(milestone_by_id, str(max_), ids["private"]) is None
    assert query(milestone_by_id, str(max_), str(UUID(int=2))) is None
