"""Revision 0008 (reminders) on a store left at 0007 by the release before, on SQLite
and PostgreSQL: it empties the relations and notifications read models and resets
their positions; the runner's next catch-up rebuilds them from the log to exactly
what a fresh build holds (the reminders and digests chosen before included), and the
outbox, which is not a read model, keeps every row it had."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine, func, inspect, select

from notify.outbox import outbox
from projections import migrate
from projections.db import make_engine
from projections.notifications import Notifications
from projections.notifications_facts import members as readers
from projections.relations import Relations, member_preferences, members
from projections.runner import ProjectionRunner, ReadModel
from projections.tracking import tracking
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.conftest import START, make_app, registrar

Dump = dict[str, list[tuple[Any, ...]]]
REMINDERS_CHOSEN = {
    "digest": "daily",
    "mentor_digest": "off",
    "group_digest": "daily",
    "review_weekday": 0,
    "reminders": ["review_due", "inactivity"],
}


def rebuilt_models() -> list[ReadModel]:
    return [Relations(), Notifications()]


@pytest.fixture
def engine(empty_backend: str) -> Iterator[Engine]:
    """The read-model database, left at revision 0007."""
    made = make_engine(empty_backend)
    migrate.upgrade(made, "0007")
    yield made
    made.dispose()


@pytest.fixture
def old_app(
    empty_backend: str, engine: Engine, clock: FixedClock
) -> Iterator[MomentumApplication]:
    application = make_app(empty_backend, clock)
    yield application
    application.close()


def history(app: MomentumApplication) -> dict[str, UUID]:
    """Members, reminders chosen, a mentorship asked and one accepted, a suggestion,
    a request to someone not registered yet, and a read mark."""
    register = registrar(app)
    ids = {name: register(name) for name in ("Ann", "Bob", "Cy")}
    app.handle(c.ChangePreferences(ids["Ann"], REMINDERS_CHOSEN))
    app.handle(c.ChangePreferences(ids["Bob"], {"review_weekday": 6}))
    app.handle(c.ProposeMentorship(ids["Ann"], "bob@example.com", "Please?"))
    accepted = app.handle(c.ProposeMentorship(ids["Ann"], "cy@example.com")).id
    app.handle(c.AnswerMentorship(ids["Cy"], accepted, "accept"))
    app.handle(c.ProposeMentorship(ids["Cy"], "dee@example.com"))
    goal = app.handle(
        c.SetGoal(ids["Ann"], "Speak at a meetup", "short", "Be seen", date(2026, 6, 1))
    ).id
    app.handle(c.MarkNotificationsRead(ids["Ann"]))
    app.handle(c.MarkNotificationsRead(ids["Bob"]))
    app.handle(c.MakeSuggestion(ids["Cy"], goal, "action", "Cold-call three people"))
    app.handle(c.LogAction(ids["Ann"], "networking", "Called Zoe", date(2026, 3, 2)))
    return ids


def dump(engine: Engine) -> Dump:
    with engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(row) for row in conn.execute(select(table))), key=repr
            )
            for model in rebuilt_models()
            for table in model.tables
        }


def copy_as_the_old_release_kept_them(source: Engine, target: Engine) -> None:
    """The rows of the two read models, in the columns revision 0007 has, and their
    tracking (notifications stopped on an event, as a read model can be)."""
    shape = inspect(target)
    with source.connect() as read, target.begin() as write:
        for model in rebuilt_models():
            for table in model.tables:
                kept = {col["name"] for col in shape.get_columns(table.name)}
                rows = [
                    {k: v for k, v in row.items() if k in kept}
                    for row in read.execute(select(table)).mappings()
                ]
                if rows:
                    write.execute(table.insert(), rows)
        found = read.execute(select(tracking.c.name, tracking.c.position)).all()
        positions = {name: position for name, position in found}
        for model in rebuilt_models():
            write.execute(
                tracking.insert().values(
                    name=model.name, position=positions[model.name]
                )
            )
        write.execute(
            tracking.update()
            .where(tracking.c.name == "notifications")
            .values(stopped_at=3, stopped_event="Member.Registered", stopped_error="x")
        )
        write.execute(tracking.insert().values(name="journal", position=7))


def outbox_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(outbox).order_by(outbox.c.id))]


def fill_outbox(engine: Engine, ids: dict[str, UUID]) -> None:
    common = {
        "text_body": "Your week",
        "html_body": "<p>Your week</p>",
        "headers": '{"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}',
        "next_attempt_at": START,
        "created_at": START,
        "last_error": None,
        "sent_at": None,
    }
    with engine.begin() as conn:
        conn.execute(
            outbox.insert(),
            [
                {
                    **common,
                    "member_id": str(ids["Ann"]),
                    "kind": "digest:member",
                    "period": "daily:2026-03-01",
                    "message_id": "<a1@momentum.example.org>",
                    "to_addr": "ann@example.com",
                    "subject": "Your day",
                    "status": "sent",
                    "attempts": 1,
                    "sent_at": START,
                },
                {
                    **common,
                    "member_id": str(ids["Bob"]),
                    "kind": "digest:member",
                    "period": "weekly:2026-02-23",
                    "message_id": "<b1@momentum.example.org>",
                    "to_addr": "bob@example.com",
                    "subject": "Your week",
                    "status": "planned",
                    "attempts": 2,
                    "last_error": "451 try again",
                },
            ],
        )


def test_upgrading_from_0007_rebuilds_relations_and_notifications_from_the_log(
    engine: Engine, old_app: MomentumApplication
) -> None:
    ids = history(old_app)
    fresh = make_engine("memory://")  # the same log, built by this release
    fresh_runner = ProjectionRunner(old_app, fresh, rebuilt_models())
    fresh_runner.setup()
    fresh_runner.catch_up()
    expected = dump(fresh)
    filled = {name for name, rows in expected.items() if rows}
    assert filled >= {
        "rm_members",
        "rm_mentor_links",
        "rm_member_preferences",
        "rm_notifications_inbox",
        "rm_notifications_pending",
        "rm_notifications_members",
        "rm_notifications_mentorships",
        "rm_notifications_suggestions",
    }, "the history leaves a table the test is about empty"

    copy_as_the_old_release_kept_them(fresh, engine)
    ghost = str(uuid4())  # a row the log does not explain: must not survive
    with engine.begin() as conn:
        conn.execute(
            members.insert().values(
                member_id=ghost,
                email="ghost@example.com",
                display_name="Ghost",
                timezone="UTC",
                weekly_target=3,
            )
        )
    fill_outbox(engine, ids)
    outbox_before = outbox_rows(engine)

    migrate.upgrade(engine, "0008")

    assert migrate.current(engine) == "0008"
    shape = inspect(engine)
    added = {
        "rm_member_preferences": {"mentor_digest", "group_digest", "review_weekday"},
        "rm_notifications_mentorships": {"asked_at"},
        "rm_notifications_suggestions": {"made_at", "status"},
    }
    for name, columns in added.items():
        assert columns <= {col["name"] for col in shape.get_columns(name)}, name
    with engine.connect() as conn:
        states = {
            row.name: tuple(row)[1:]
            for row in conn.execute(select(tracking).order_by(tracking.c.name))
        }
        for model in rebuilt_models():
            for emptied in model.tables:
                left = conn.execute(select(func.count()).select_from(emptied))
                assert left.scalar() == 0, f"{emptied.name} not emptied"
    assert states["relations"] == (0, None, None, None, None)
    assert states["notifications"] == (0, None, None, None, None)
    assert states["journal"][0] == 7, "other read models keep their position"
    assert outbox_rows(engine) == outbox_before

    runner = ProjectionRunner(old_app, engine, rebuilt_models())
    runner.setup()
    runner.catch_up()

    assert runner.lag() == 0
    caught_up = dump(engine)
    assert caught_up == expected
    runner.rebuild()
    assert dump(engine) == caught_up, "catch-up after the upgrade = a full rebuild"
    assert ghost not in {row[0] for row in caught_up["rm_members"]}
    with engine.connect() as conn:
        prefs = {
            row["member_id"]: row
            for row in conn.execute(select(member_preferences)).mappings()
        }
        read = select(readers.c.member_id, readers.c.read_up_to)
        marks = {member: up_to for member, up_to in conn.execute(read)}
    assert marks[str(ids["Ann"])] > 0 and marks[str(ids["Bob"])] > 0, "read marks"
    assert marks[str(ids["Cy"])] == 0
    ann, bob = prefs[str(ids["Ann"])], prefs[str(ids["Bob"])]
    assert (ann["digest"], ann["mentor_digest"], ann["group_digest"]) == (
        "daily",
        "off",
        "daily",
    )
    assert ann["review_weekday"] == 0
    assert ann["reminders"] == "review_due,inactivity"
    assert (bob["mentor_digest"], bob["group_digest"], bob["review_weekday"]) == (
        "weekly",
        "weekly",
        6,
    )
    assert outbox_rows(engine) == outbox_before, "the outbox is not a read model"
    fresh.dispose()
