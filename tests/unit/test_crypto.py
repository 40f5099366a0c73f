"""Sealing personal content with per-member keys (service.crypto, service.keys)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import CanMutateAggregate
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent

from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.crypto import ERASED_FLAG, POLICY, SEALED, event_name
from service.domain import (
    action,
    base,
    feedback,
    goal,
    group,
    idempotency,
    member,
    mentorship,
    review,
    token,
)
from service.errors import ValidationError
from service.keys import KeyRing, KeyShreddedError, MemoryKeyStore
from service.settings import Settings
from system import build_application
from tests.conftest import PASSWORD, START

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ENUMS = {"horizon", "visibility", "category", "period", "kind", "target_kind", "role"}
CLEAR_TEXT = {
    "Group.GroupCreated": {"name", "purpose"},
    "Member.NotificationPreferencesChanged": {"preferences"},
    "Reminder.ReminderIssued": {"reminder", "about", "ref_kind"},
}
"""Text fields that may stay in clear: choices from a fixed list, a group's name and
purpose (the group's, not one member's), digest settings and a reminder's name and
what it is about (ids and dates: no content)."""


def _event_classes() -> list[type]:
    modules = (action, feedback, goal, group, idempotency, member, mentorship, review)
    assert token and base  # imported for their aggregates
    found: set[type] = set()
    pending = list(base.MomentumAggregate.__subclasses__())
    while pending:
        aggregate = pending.pop()
        pending.extend(aggregate.__subclasses__())
        for inner in vars(aggregate).values():
            if isinstance(inner, type) and issubclass(inner, CanMutateAggregate):
                found.add(inner)
    assert {cls.__module__ for cls in found} >= {m.__name__ for m in modules}
    return sorted(
        (cls for cls in found if not cls.__qualname__.endswith((".Created", ".Event"))),
        key=lambda cls: cls.__qualname__,
    )


def test_every_event_type_is_classified_and_names_real_fields() -> None:
    classes = _event_classes()
    names = {cls.__qualname__ for cls in classes}
    assert not names - set(POLICY), "unclassified events are stored in clear"
    for cls in classes:
        fields = {f.name: f.type for f in dataclasses.fields(cls)}
        sealed = set(POLICY[cls.__qualname__].fields)
        assert sealed <= set(fields), cls.__qualname__
        text = {n for n, t in fields.items() if "str" in str(t) and n != "topic"}
        text -= {"originator_topic"} | ENUMS | CLEAR_TEXT.get(cls.__qualname__, set())
        assert text <= sealed, f"{cls.__qualname__}: seal or allow {text - sealed}"


@pytest.fixture
def app() -> Iterator[MomentumApplication]:
    application = build_application(
        Settings(database_url="memory://", secret_key="s"),
        clock=FixedClock(START),
        password_profile="CHEAPEST",
    )
    yield application
    application.close()


def _stored(app: MomentumApplication) -> list[Any]:
    return list(app.recorder.select_notifications(start=1, limit=1000))


def _ann_with_a_goal(app: MomentumApplication) -> tuple[UUID, UUID]:
    ann = app.handle(
        c.RegisterMember("ann.secret@example.com", PASSWORD, "Annabel Secret")
    ).id
    goal_id = app.handle(
        c.SetGoal(
            ann,
            "Speak at the Zanzibar meetup",
            "short",
            "Because I hide my work",
            date(2026, 6, 1),
            description="A very personal plan",
            metric={"name": "talks", "unit": "", "baseline": 0, "target": 1},
        )
    ).id
    return ann, goal_id


def test_stored_events_hold_no_personal_text_and_read_back_whole(
    app: MomentumApplication,
) -> None:
    ann, goal_id = _ann_with_a_goal(app)
    raw = b"".join(bytes(n.state) for n in _stored(app))
    for secret in (b"ann.secret", b"Annabel", b"Zanzibar", b"hide my work", b"talks"):
        assert secret not in raw
    assert b'"visibility":"mentors"' in raw  # structure stays readable
    restored = app.repository.get(goal_id)
    assert restored.title == "Speak at the Zanzibar meetup"
    assert restored.metric["name"] == "talks"
    assert app.get_member(ann).email == "ann.secret@example.com"


def test_after_shredding_events_read_as_content_free_metadata(
    app: MomentumApplication,
) -> None:
    ann, goal_id = _ann_with_a_goal(app)
    app.keys.shred(ann)
    (goal_set,) = list(app.events_of(goal_id))
    state = vars(goal_set)
    assert state[ERASED_FLAG] is True
    assert (state["title"], state["why"], state["metric"]) == ("", "", None)
    assert state["owner_id"] == ann and state["visibility"] == "mentors"
    assert state["timestamp"] == START and goal_set.originator_version == 1
    registered = vars(next(iter(app.events_of(ann))))
    assert registered["email"] == f"erased-{ann.hex}@erased.invalid"
    assert registered["display_name"] == "" and registered["password_hash"] == ""
    assert app.repository.get(goal_id).title == ""  # aggregates still replay
    with pytest.raises(KeyShreddedError):
        app.handle(c.LogAction(ann, "learning", "Written after erasure"))


def test_sealed_content_cannot_be_moved_to_another_event(
    app: MomentumApplication,
) -> None:
    _ann, goal_id = _ann_with_a_goal(app)
    goal_set = next(n for n in _stored(app) if n.originator_id == goal_id)
    moved = StoredEvent(
        originator_id=uuid4(),
        originator_version=goal_set.originator_version,
        topic=goal_set.topic,
        state=goal_set.state,
    )
    with pytest.raises(MapperDeserialisationError):
        app.mapper.to_domain_event(moved)


def test_events_stored_in_clear_before_sealing_still_read(
    app: MomentumApplication,
) -> None:
    plain = Mapper(transcoder=app.mapper.transcoder)
    ann, goal_id = _ann_with_a_goal(app)
    event = next(iter(app.events_of(goal_id)))
    old = plain.to_stored_event(event)
    assert b"Zanzibar" in bytes(old.state) and SEALED.encode() not in old.state
    again = app.mapper.to_domain_event(old)
    assert vars(again) == vars(event)
    app.keys.shred(ann)
    assert app.mapper.to_domain_event(old).title == "Speak at the Zanzibar meetup"


def test_a_cached_key_outlives_erasure_elsewhere_by_at_most_the_ttl() -> None:
    store, clock = MemoryKeyStore(), [0.0]
    web = KeyRing(store, ttl=30, now=lambda: NOW, monotonic=lambda: clock[0])
    worker = KeyRing(store, ttl=30, now=lambda: NOW, monotonic=lambda: clock[0])
    ann = uuid4()
    sealed_by_web = web.for_writing(ann)
    assert worker.for_reading(ann) is not None
    web.shred(ann)  # erased through the web process
    assert web.for_reading(ann) is None  # forgotten there at once
    with pytest.raises(KeyShreddedError):
        web.for_writing(ann)
    clock[0] = 29.0
    assert worker.for_reading(ann) is not None  # still cached in another process
    clock[0] = 31.0
    assert worker.for_reading(ann) is None  # but no longer than the TTL
    with pytest.raises(KeyShreddedError):
        worker.for_writing(ann)  # and nothing recreates a key for them
    assert store.rows[ann]["key"] is None and sealed_by_web is not None


def test_key_cache_seconds_come_from_the_environment() -> None:
    env = {"MOMENTUM_DATABASE_URL": "memory://", "MOMENTUM_SECRET_KEY": "s"}
    assert Settings.from_env(env).key_cache_seconds == 30.0
    env["MOMENTUM_KEY_CACHE_SECONDS"] = "5"
    assert Settings.from_env(env).key_cache_seconds == 5.0
    for bad in ("soon", "-1", "86400"):
        env["MOMENTUM_KEY_CACHE_SECONDS"] = bad
        with pytest.raises(ValidationError) as raised:
            Settings.from_env(env)
        assert raised.value.field == "MOMENTUM_KEY_CACHE_SECONDS"


def test_the_aggregate_cache_is_refused() -> None:
    with pytest.raises(ValueError, match="aggregate cache"):
        MomentumApplication(
            {
                "PERSISTENCE_MODULE": "eventsourcing.popo",
                "AGGREGATE_CACHE_MAXSIZE": "10",
            },
            secret_key="s",
            handlers={},
        )


def test_an_erasure_interrupted_before_shredding_is_finished_at_start(
    app: MomentumApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann, goal_id = _ann_with_a_goal(app)
    bob = app.handle(c.RegisterMember("bob@example.com", PASSWORD, "Bob")).id
    monkeypatch.setitem(app.after_save, c.EraseMember, lambda *_: None)  # the "crash"
    app.handle(c.EraseMember(ann, PASSWORD))
    assert app.repository.get(goal_id).title != ""  # key not destroyed yet
    app.keys.store.mark_erasing(bob, True)  # flagged, but never erased
    app.finish_erasures()
    app.keys.forget(ann)
    assert app.repository.get(goal_id).title == ""
    assert app.keys.store.erasing() == []
    assert app.get_member(bob).display_name == "Bob"


def test_event_names_come_from_topics() -> None:
    assert event_name("service.domain.goal:Goal.GoalSet") == "Goal.GoalSet"


def test_every_read_model_table_is_classified_for_export() -> None:
    from projections.migrate import target_metadata
    from projections.privacy import classified

    assert set(target_metadata().tables) <= classified()
