"""Member.NotificationPreferencesChanged version 1 (before the separate mentor and
group digests and the review day) read by this release: the upcaster gives the
mentor and group digests the old `digest` choice and the review day its default
(Friday), in the aggregate, in the relations read model and so in the planning."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from sqlalchemy import select

from notify.planning import plan_digests
from projections.db import make_engine
from projections.registry import all_models
from projections.relations import member_preferences
from projections.runner import ProjectionRunner
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.domain.member import Member
from service.settings import Settings
from tests.conftest import registrar

NEW_IN_V2 = ("mentor_digest", "group_digest", "review_weekday")
MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # the default digest day, after 08:00


def record_v1_preferences(
    app: MomentumApplication, member_id: UUID, **changes: Any
) -> dict[str, Any]:
    """Record a preferences change as the release before version 2 stored it: the
    whole set of preferences without the keys version 2 added, and no
    `class_version` in the stored state. Returns the preferences stored."""
    mapper = app.mapper
    assert mapper.cipher is None and mapper.compressor is None  # plain JSON state
    member: Member = app.repository.get(member_id)
    member.change_preferences(member_id, **changes)
    (changed,) = member.collect_events()
    stored = mapper.to_stored_event(changed)
    state = mapper.transcoder.decode(stored.state)
    assert state.pop("class_version") == 2, "this release writes version 2"
    old = {k: v for k, v in state["preferences"].items() if k not in NEW_IN_V2}
    state["preferences"] = old
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=stored.originator_id,
                originator_version=stored.originator_version,
                topic=stored.topic,
                state=mapper.transcoder.encode(state),
            )
        ]
    )
    return old


def _preference_rows(app: MomentumApplication) -> dict[str, dict[str, Any]]:
    engine = make_engine("memory://")
    runner = ProjectionRunner(app, engine, all_models())
    runner.setup()
    runner.catch_up()
    with engine.connect() as conn:
        rows = conn.execute(select(member_preferences)).mappings().all()
    engine.dispose()
    return {row["member_id"]: dict(row) for row in rows}


def test_the_stored_event_really_is_version_1(app: MomentumApplication) -> None:
    ann = registrar(app)("Ann")
    record_v1_preferences(app, ann, digest="daily")
    (last,) = list(app.recorder.select_notifications(start=1, limit=1000))[-1:]
    raw = app.mapper.transcoder.decode(last.state)
    assert last.topic.endswith("Member.NotificationPreferencesChanged")
    assert "class_version" not in raw
    assert not set(NEW_IN_V2) & set(raw["preferences"])


def test_a_version_1_change_reads_with_mentor_and_group_digests_as_its_digest(
    app: MomentumApplication,
) -> None:
    register = registrar(app)
    ids = {name: register(name) for name in ("Ann", "Bob", "Cy")}
    record_v1_preferences(app, ids["Ann"], digest="daily", digest_hour=18)
    record_v1_preferences(app, ids["Bob"], digest="off", reminders=["inactivity"])
    record_v1_preferences(app, ids["Cy"], digest="weekly", digest_weekday=2)
    expected = {
        "Ann": ("daily", 0, 18),
        "Bob": ("off", 0, 8),
        "Cy": ("weekly", 2, 8),
    }
    rows = _preference_rows(app)
    for name, (digest, weekday, hour) in expected.items():
        prefs = app.get_member(ids[name]).preferences
        assert (prefs["digest"], prefs["mentor_digest"], prefs["group_digest"]) == (
            digest,
            digest,
            digest,
        ), name
        assert prefs["review_weekday"] == 4, name
        assert (prefs["digest_weekday"], prefs["digest_hour"]) == (weekday, hour)
        row = rows[str(ids[name])]
        assert (row["digest"], row["mentor_digest"], row["group_digest"]) == (
            digest,
            digest,
            digest,
        ), name
        assert row["review_weekday"] == 4, name
        assert (row["digest_weekday"], row["digest_hour"]) == (weekday, hour), name
    assert rows[str(ids["Bob"])]["reminders"] == "inactivity"
    assert app.get_member(ids["Bob"]).preferences["reminders"] == ["inactivity"]


def test_a_later_version_2_change_keeps_the_upcast_values_it_does_not_touch(
    app: MomentumApplication,
) -> None:
    ann = registrar(app)("Ann")
    record_v1_preferences(app, ann, digest="daily")
    app.handle(c.ChangePreferences(ann, {"group_digest": "off"}))
    prefs = app.get_member(ann).preferences
    assert (prefs["digest"], prefs["mentor_digest"], prefs["group_digest"]) == (
        "daily",
        "daily",
        "off",
    )
    assert prefs["review_weekday"] == 4
    row = _preference_rows(app)[str(ann)]
    assert (row["mentor_digest"], row["group_digest"], row["review_weekday"]) == (
        "daily",
        "off",
        4,
    )


def test_a_mentor_who_turned_the_digest_off_under_v1_gets_no_mentor_digest(
    app: MomentumApplication, clock: FixedClock
) -> None:
    register = registrar(app)
    ann, bob, cy = register("Ann"), register("Bob"), register("Cy")
    for mentor in ("bob@example.com", "cy@example.com"):
        link = app.handle(c.ProposeMentorship(ann, mentor)).id
        answering = bob if mentor.startswith("bob") else cy
        app.handle(c.AnswerMentorship(answering, link, "accept"))
    record_v1_preferences(app, bob, digest="off")
    record_v1_preferences(app, cy, digest="weekly")  # the control: still gets one
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    app.handle(c.LogAction(ann, "networking", "Met a hiring manager", date(2026, 3, 4)))
    clock.set(MONDAY)
    engine = make_engine("memory://")
    runner = ProjectionRunner(app, engine, all_models())
    runner.setup()
    runner.catch_up()
    settings = Settings(database_url="memory://", secret_key="test-secret")
    plan = plan_digests(engine, settings, MONDAY, dry_run=True)
    engine.dispose()
    kinds = {(p.member_id, p.kind) for p in plan.planned}
    assert (str(cy), "digest:mentor") in kinds, "the control mentor gets a digest"
    assert (str(bob), "digest:mentor") not in kinds, (
        "digest off under v1 must mean no mentor digest either"
    )
    assert not {k for m, k in kinds if m == str(bob)}
