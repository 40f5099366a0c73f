"""The same behaviour on SQLite and PostgreSQL through one `backend` fixture."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.errors import ConcurrencyConflictError, EmailTakenError
from tests.conftest import make_app, registrar


def _goal(app: MomentumApplication, owner: object, clock: FixedClock) -> c.Result:
    return app.handle(
        c.SetGoal(
            actor_id=owner,
            title="Lead a cross-team project",
            horizon="long",
            why="Move towards a staff role",
            due_on=clock.now().date() + timedelta(days=90),
            metric={"name": "projects led", "unit": "", "baseline": 0, "target": 1},
            milestones=(
                c.NewMilestone("Pitch the project"),
                c.NewMilestone("Kick-off"),
            ),
        )
    )


def test_round_trip_survives_reopening_the_store(
    backend: str, clock: FixedClock
) -> None:
    app = make_app(backend, clock)
    ann = registrar(app)("Ann", "Europe/Paris")
    goal = _goal(app, ann, clock)
    app.handle(c.CompleteMilestone(ann, goal.id, goal.extra["milestone_ids"][0]))
    app.handle(c.RecordProgress(ann, goal.id, 0.5, "half-way"))
    app.close()

    reopened = make_app(backend, clock)
    try:
        entries = reopened.history(ann, goal.id)
        assert [e.type for e in entries] == [
            "GoalSet",
            "MilestoneAdded",
            "MilestoneAdded",
            "MilestoneCompleted",
            "ProgressRecorded",
        ]
        assert entries[0].data["due_on"] == clock.now().date() + timedelta(days=90)
        assert reopened.authenticate("ann@example.com", "correct horse battery") == ann
        state = reopened.as_of(ann, goal.id, clock.now())
        assert state.current_value == 0.5
        assert state.progress_percent() == 50.0
    finally:
        reopened.close()


def test_email_is_unique_across_the_store(stored_app: MomentumApplication) -> None:
    registrar(stored_app)("Ann")
    with pytest.raises(EmailTakenError):
        stored_app.handle(
            c.RegisterMember("ANN@example.com", "another password", "Ann 2")
        )


def test_two_threads_revising_one_goal_exactly_one_wins(
    backend: str, clock: FixedClock
) -> None:
    first = make_app(backend, clock)
    second = make_app(backend, clock)  # another process would have its own application
    try:
        ann = registrar(first)("Ann")
        goal = _goal(first, ann, clock)
        barrier = threading.Barrier(2)
        outcomes: list[object] = []

        def revise(app: MomentumApplication, title: str) -> None:
            barrier.wait()
            try:
                outcomes.append(
                    app.handle(
                        c.ReviseGoal(
                            ann,
                            goal.id,
                            {"title": title},
                            "Sharper wording",
                            expected_version=goal.version,
                        )
                    )
                )
            except ConcurrencyConflictError as e:
                outcomes.append(e)

        threads = [
            threading.Thread(target=revise, args=(a, t))
            for a, t in (
                (first, "Lead the payments migration project"),
                (second, "Lead the search relaunch project"),
            )
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        wins = [o for o in outcomes if isinstance(o, c.Result)]
        conflicts = [o for o in outcomes if isinstance(o, ConcurrencyConflictError)]
        assert len(wins) == 1 and len(conflicts) == 1
        assert conflicts[0].current_version == goal.version + 1
        history = first.history(ann, goal.id)
        assert [e.type for e in history].count("GoalRevised") == 1
        assert (
            first.as_of(ann, goal.id, clock.now()).title
            == history[-1].data["changes"]["title"]
        )
    finally:
        first.close()
        second.close()


def test_safe_commands_from_two_threads_both_land(
    backend: str, clock: FixedClock
) -> None:
    first, second = make_app(backend, clock), make_app(backend, clock)
    try:
        ann = registrar(first)("Ann")
        goal = _goal(first, ann, clock)
        barrier = threading.Barrier(2)

        def add(app: MomentumApplication, title: str) -> None:
            barrier.wait()
            app.handle(c.AddMilestone(ann, goal.id, title))

        threads = [
            threading.Thread(target=add, args=(a, t))
            for a, t in ((first, "Find a sponsor"), (second, "Write the proposal"))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        titles = {
            e.data["title"]
            for e in first.history(ann, goal.id)
            if e.type == "MilestoneAdded"
        }
        assert {"Find a sponsor", "Write the proposal"} <= titles
    finally:
        first.close()
        second.close()


def test_idempotent_replay_appends_nothing(stored_app: MomentumApplication) -> None:
    ann = registrar(stored_app)("Ann")
    command = c.LogAction(ann, "networking", "Coffee with a former colleague")
    first = stored_app.handle(command, idempotency_key="req-1")
    position = stored_app.recorder.max_notification_id()
    again = stored_app.handle(command, idempotency_key="req-1")
    assert again == first
    assert stored_app.recorder.max_notification_id() == position


def test_concurrent_replays_of_one_key_write_once(
    backend: str, clock: FixedClock
) -> None:
    first, second = make_app(backend, clock), make_app(backend, clock)
    try:
        ann = registrar(first)("Ann")
        command = c.LogAction(ann, "learning", "Finished a module of the course")
        barrier = threading.Barrier(2)
        results: list[c.Result] = []

        def send(app: MomentumApplication) -> None:
            barrier.wait()
            results.append(app.handle(command, idempotency_key="double-click"))

        threads = [threading.Thread(target=send, args=(a,)) for a in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results[0] == results[1]
        notifications = first.recorder.select_notifications(start=None, limit=1000)
        logged = [n for n in notifications if n.topic.endswith("Action.ActionLogged")]
        assert len(logged) == 1
    finally:
        first.close()
        second.close()


def test_state_as_of_a_time(stored_app: MomentumApplication, clock: FixedClock) -> None:
    ann = registrar(stored_app)("Ann")
    goal = _goal(stored_app, ann, clock)
    before = clock.now()
    clock.advance(days=10)
    stored_app.handle(
        c.ReviseGoal(
            ann,
            goal.id,
            {"due_on": date(2026, 12, 31)},
            "The project slipped a quarter",
        )
    )
    clock.advance(days=5)
    stored_app.handle(c.ChangeGoalStatus(ann, goal.id, "pause", "Parental leave"))

    assert stored_app.as_of(ann, goal.id, before).due_on == before.date() + timedelta(
        days=90
    )
    middle = stored_app.as_of(ann, goal.id, before + timedelta(days=12))
    assert (middle.due_on, middle.status) == (date(2026, 12, 31), "active")
    assert stored_app.as_of(ann, goal.id, clock.now()).status == "paused"
