"""The event stores' own appends (`service.sqlite_store`, `service.pg_recorder`): an
append that checks a command's member views stores nothing once one of them
changed; a conflict still stores nothing; SQLite stores written by the library's
own recorder and by ours are one and the same; one writer per process at a time."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import (
    ConnectionPoolClosedError,
    ConnectionUnavailableError,
    IntegrityError,
    StoredEvent,
)
from eventsourcing.sqlite import SQLiteFactory

from service import commands as c
from service.application import MomentumApplication
from service.auth_cache import Changes, StaleViews, Watch
from service.domain.action import Action
from service.sqlite_store import EventRecorder, Factory, Pool
from tests.conftest import registrar


def _an_action(app: MomentumApplication, owner: UUID) -> list[StoredEvent]:
    """The stored form of a new action of `owner`, not yet appended."""
    action = Action.log(owner, date(2026, 3, 2), category="learning", title="Read")
    return [app.mapper.to_stored_event(e) for e in action.collect_events()]


def test_a_watched_append_stores_nothing_once_a_watched_member_changed(
    stored_app: MomentumApplication,
) -> None:
    register = registrar(stored_app)
    ann, bob = register("Ann"), register("Bob")
    store, topics = stored_app.auth_cache.watching, stored_app.auth_cache.topics
    assert store is not None
    position = stored_app.recorder.max_notification_id()
    stored_app.handle(c.UpdateProfile(bob, "Robert", "UTC"))
    head = stored_app.recorder.max_notification_id()

    with pytest.raises(StaleViews) as refused:
        store.insert_watched(
            _an_action(stored_app, bob), Watch(position, frozenset({bob})), topics
        )
    assert refused.value.changes.head == head
    assert bob in refused.value.changes.changed
    assert stored_app.recorder.max_notification_id() == head  # nothing stored

    ids, changes = store.insert_watched(
        _an_action(stored_app, ann), Watch(position, frozenset({ann})), topics
    )
    assert ids == [head + 1]
    assert changes.head == head and list(changes.changed) == [bob]


def test_a_watched_append_of_a_taken_version_stores_nothing(
    stored_app: MomentumApplication,
) -> None:
    ann = registrar(stored_app)("Ann")
    store, topics = stored_app.auth_cache.watching, stored_app.auth_cache.topics
    assert store is not None
    position = stored_app.recorder.max_notification_id()
    first, second = _an_action(stored_app, ann), _an_action(stored_app, ann)
    store.insert_watched(first, Watch(position, frozenset({ann})), topics)
    head = stored_app.recorder.max_notification_id()
    with pytest.raises(IntegrityError):  # the same action's version 1 again
        store.insert_watched([*second, *first], Watch(head, frozenset({ann})), topics)
    assert stored_app.recorder.max_notification_id() == head


def test_sqlite_stores_of_the_librarys_recorder_and_ours_are_the_same(
    tmp_path: Path,
) -> None:
    """A store the library wrote is read and appended to by ours, and back."""
    path = str(tmp_path / "events.sqlite")
    library = SQLiteFactory({"SQLITE_DBNAME": path}).application_recorder()
    ours = Factory({"SQLITE_DBNAME": path}).application_recorder()
    assert isinstance(ours, EventRecorder)
    ids = [UUID(int=1, version=4), UUID(int=2, version=4)]
    events = [StoredEvent(i, 1, "t:T", b"{}") for i in ids]
    assert library.insert_events(events[:1]) == [1]
    assert ours.insert_events(events[1:]) == [2]
    for recorder in (library, ours):
        found = recorder.select_notifications(start=None, limit=10)
        assert [(n.id, n.originator_id) for n in found] == [(1, ids[0]), (2, ids[1])]
    assert ours.changes_since(0, ("t:T",)) == Changes(2, tuple(ids))
    assert ours.changes_since(1, ("t:T",)) == Changes(2, (ids[1],))
    assert ours.changes_since(0, ("other:Topic",)) == Changes(2, ())


def test_one_writer_of_a_process_at_a_time(tmp_path: Path) -> None:
    """While one connection writes, another writer of the process waits (here
    until its timeout, with a clear error); readers do not."""
    pool = Pool(db_name=str(tmp_path / "events.sqlite"))
    first = pool.get_connection(is_writer=True)
    with pytest.raises(ConnectionUnavailableError):
        pool.get_connection(timeout=0, is_writer=True)
    pool.put_connection(pool.get_connection(timeout=0, is_writer=False))
    pool.put_connection(first)
    pool.put_connection(pool.get_connection(timeout=0, is_writer=True))
    pool.close()


def test_a_closed_store_closes_its_connections_and_lends_none(tmp_path: Path) -> None:
    pool = Pool(db_name=str(tmp_path / "events.sqlite"))
    out = pool.get_connection(is_writer=False)
    idle = [pool.get_connection(is_writer=False) for _ in range(pool.pool_size + 2)]
    for connection in idle:
        pool.put_connection(connection)
    assert sum(not connection.closed for connection in idle) == pool.pool_size
    pool.close()
    assert out.closed and all(connection.closed for connection in idle)
    with pytest.raises(ConnectionPoolClosedError):
        pool.get_connection(is_writer=False)


def test_a_watched_append_evicts_the_members_it_changes_itself(
    stored_app: MomentumApplication,
) -> None:
    """The append moves the process's view cache past its own events (the next
    command's append then has nothing to read); a member event among them still
    takes that member's view out of the cache."""
    register = registrar(stored_app)
    ann, bob = register("Ann"), register("Bob")
    assert stored_app.member_view(bob).display_name == "Bob"
    position = stored_app.auth_cache.catch_up()
    member = stored_app.repository.get(bob)
    member.update_profile("Robert", "UTC", "", ann)
    stored_app.append([member], Watch(position, frozenset({ann})))
    assert stored_app.member_view(bob).display_name == "Robert"


def test_an_in_memory_sqlite_store_keeps_the_librarys_pool() -> None:
    """A memory database's readers and writer must exclude each other (the
    library's pool does that; ours is for files): appends and reads still work."""
    name = f"file:events-{uuid4().hex}?mode=memory&cache=shared"
    factory = Factory({"SQLITE_DBNAME": name})
    try:
        recorder = factory.application_recorder()
        assert not isinstance(factory.datastore.pool, Pool)
        event = StoredEvent(UUID(int=1, version=4), 1, "t:T", b"{}")
        assert recorder.insert_events([event]) == [1]
        found = recorder.select_notifications(start=None, limit=5)
        assert [n.id for n in found] == [1]
    finally:
        factory.close()
