"""Who a bearer token or a session cookie stands for, without replaying aggregates.

Every API request names a token and every page request a member; loading the
`ApiToken` and `Member` aggregates for each (two event-store reads and a
decryption) was most of a cheap request's cost. `AuthCache` keeps, per process,
what those checks need: token id -> (member id, expiry) and member id ->
`MemberView` (what the session check and the pages' header read), in two bounded
LRU maps.

It stays right through the log, not through time. The cache remembers the
notification id up to which it is known to be valid. Every lookup first reads the
log's head and the new notifications whose topics can change an answer
(`INVALIDATING`: `ApiToken.TokenRevoked` and every `Member` event — password
change, sessions ended, erasure, profile and role changes) and evicts their
originators: on SQLite and PostgreSQL in one statement (one round trip, one
snapshot), elsewhere with an indexed MAX query and, if the log moved, a read of
those notifications. Expiry is compared with the application's clock on every
lookup, cached or not.

The bound: a revocation, password change, sign-out everywhere or erasure is seen
by the very next lookup in any process that starts after the revoking command
committed — no follower tick, no TTL. This relies on notification ids being
assigned in commit order (on PostgreSQL the library's recorder and
`service.pg_recorder`'s lock the table; SQLite has one writer), so no event can
commit later with an id at or below a head already read.

An entry loaded from the store is only kept if no other thread moved the cache's
position meanwhile (the load may have read a state older than an eviction that
happened during it); it is then simply loaded again on the next lookup.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import get_topic
from psycopg import Connection
from psycopg.sql import SQL, Literal

from service.domain.member import Member
from service.domain.token import ApiToken

MAX_ENTRIES = 10_000
"""Tokens and members each kept per process (least recently used go first)."""
READ_BATCH = 1_000
"""Notifications read per query while catching up with the log."""


def _event_classes(aggregate: type) -> list[type]:
    return [
        cls
        for cls in vars(aggregate).values()
        if isinstance(cls, type) and issubclass(cls, DomainEvent)
    ]


INVALIDATING: tuple[str, ...] = tuple(
    sorted(
        {get_topic(cls) for cls in _event_classes(Member)}
        | {get_topic(ApiToken.TokenRevoked)}
    )
)
"""Topics of the events that can change who a token or a session stands for."""


@dataclass(frozen=True)
class MemberView:
    """What authentication and the pages' session need of a (not erased) member."""

    id: UUID
    display_name: str
    email: str
    timezone: str
    roles: frozenset[str]
    password_hash: str
    sessions_ended: int

    @classmethod
    def of(cls, member: Member) -> MemberView:
        return cls(
            id=member.id,
            display_name=member.display_name,
            email=member.email,
            timezone=member.timezone,
            roles=frozenset(member.roles),
            password_hash=member.password_hash,
            sessions_ended=member.sessions_ended,
        )


@dataclass(frozen=True)
class TokenView:
    """A token that was valid when loaded: whose it is and until when."""

    member_id: UUID
    expires_at: datetime


V = TypeVar("V")


class AuthCache:
    """Token and member views of one process, evicted through the log (see the
    module docstring for the bound). Thread-safe."""

    def __init__(
        self,
        recorder: ApplicationRecorder,
        *,
        max_entries: int = MAX_ENTRIES,
        topics: Iterable[str] = INVALIDATING,
    ) -> None:
        self._recorder = recorder
        self._max_entries = max_entries
        self._topics = tuple(topics)
        self._lock = threading.Lock()
        self._turn = threading.Condition()
        """Guards the shared catch-up: `_started`, `_finished`, `_leading`, `_head`."""
        self._started = 0
        self._finished = 0
        self._leading = False
        self._head = 0
        self._position: int | None = None
        self._tokens: OrderedDict[UUID, TokenView] = OrderedDict()
        self._members: OrderedDict[UUID, MemberView] = OrderedDict()

    def token(
        self, token_id: UUID, load: Callable[[], TokenView], *, at: int | None = None
    ) -> TokenView:
        """The cached view of a token, or `load()`'s (kept if still current).
        `at`: a position `catch_up()` just returned (saves asking for the head)."""
        return self._lookup(self._tokens, token_id, load, at)

    def member(
        self, member_id: UUID, load: Callable[[], MemberView], *, at: int | None = None
    ) -> MemberView:
        """The cached view of a member, or `load()`'s (kept if still current)."""
        return self._lookup(self._members, member_id, load, at)

    def _lookup(
        self,
        entries: OrderedDict[UUID, V],
        key: UUID,
        load: Callable[[], V],
        at: int | None,
    ) -> V:
        position = self.catch_up() if at is None else at
        with self._lock:
            found = entries.get(key)
            if found is not None:
                entries.move_to_end(key)
                return found
        loaded = load()  # read after the head: any later change has a higher id
        with self._lock:
            if self._position == position:
                entries[key] = loaded
                while len(entries) > self._max_entries:
                    entries.popitem(last=False)
        return loaded

    def catch_up(self) -> int:
        """Evict what changed since the cache's position; the new position.

        Threads that ask at once share one read of the log: a caller waits for a
        catch-up that starts after it asked (so it sees every commit made before
        it asked, as its own read would) and, while one is under way, the next one
        serves every caller that came meanwhile — one statement instead of one
        each, one after the other under the cache's lock."""
        with self._turn:
            need = self._started + 1  # a catch-up that starts from now on
            while self._finished < need:
                if not self._leading:
                    self._leading = True
                    self._started += 1
                    mine = self._started
                    break
                self._turn.wait()
            else:
                return self._head
        head: int | None = None
        try:
            head = self._catch_up_alone()
            return head
        finally:
            with self._turn:
                self._leading = False
                if head is not None:
                    self._finished, self._head = mine, head
                self._turn.notify_all()

    def _catch_up_alone(self) -> int:
        with self._lock:
            if self._position is not None:
                read = _changes_since(self._recorder, self._position, self._topics)
                if read is not None and read[0] >= self._position:
                    head, evicted = read
                    for originator_id in evicted:
                        self._tokens.pop(originator_id, None)
                        self._members.pop(originator_id, None)
                    self._position = head
                    return head
        head = self._recorder.max_notification_id() or 0
        with self._lock:
            if self._position == head:
                return head
            if self._position is not None and head < self._position:
                # another thread caught up further meanwhile (its head is newer and
                # everything up to it is applied), unless the log was replaced
                head = self._recorder.max_notification_id() or 0
            if self._position is None or head < self._position:
                # the first lookup (the cache is empty) or a replaced log
                self._tokens.clear()
                self._members.clear()
                self._position = head
                return head
            start = self._position
            while start < head:
                batch = self._recorder.select_notifications(
                    start,
                    READ_BATCH,
                    stop=head,
                    topics=self._topics,
                    inclusive_of_start=False,
                )
                for notification in batch:
                    changed = _uuid(notification.originator_id)
                    self._tokens.pop(changed, None)
                    self._members.pop(changed, None)
                if len(batch) < READ_BATCH:
                    break
                start = batch[-1].id
            self._position = head
            return head


def _changes_since(
    recorder: ApplicationRecorder, position: int, topics: tuple[str, ...]
) -> tuple[int, list[UUID]] | None:
    """The log's head and the originators of the events of `topics` after
    `position`, read in one statement (so up to that head, nothing left out); None
    where the recorder has no such query (the in-memory store)."""
    rows: list[Any]
    if isinstance(recorder, SQLiteApplicationRecorder):
        table = recorder.events_table_name
        marks = ",".join("?" * len(topics))
        sql = (
            f"SELECT 0 AS head, rowid AS id, originator_id FROM {table} "
            f"WHERE rowid > ? AND topic IN ({marks}) "
            f"UNION ALL SELECT 1, MAX(rowid), NULL FROM {table}"
        )
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(sql, [position, *topics])
            rows = [dict(row) for row in cursor.fetchall()]
    elif isinstance(recorder, PostgresApplicationRecorder):
        table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
        with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
            sql = _pg_changes_sql(table, topics, conn)
            cursor.execute(sql, (position,), prepare=True)
            rows = cursor.fetchall()
    else:
        return None
    head = next(row["id"] for row in rows if row["head"]) or 0
    return head, [_uuid(row["originator_id"]) for row in rows if not row["head"]]


_PG_CHANGES: dict[tuple[str, tuple[str, ...]], str] = {}


def _pg_changes_sql(table: str, topics: tuple[str, ...], conn: Connection[Any]) -> str:
    """`_changes_since`'s statement on PostgreSQL with the topics written in as
    literals, made once per table: sent as a parameter, the array of topics was
    adapted and quoted again on every lookup (every request)."""
    key = (table, topics)
    sql = _PG_CHANGES.get(key)
    if sql is None:
        listed = SQL(", ").join(Literal(topic) for topic in topics).as_string(conn)
        sql = _PG_CHANGES[key] = (
            f"SELECT 0 AS head, notification_id AS id, originator_id FROM {table} "
            f"WHERE notification_id > %s AND topic IN ({listed}) "
            f"UNION ALL SELECT 1, MAX(notification_id), NULL FROM {table}"
        )
    return sql


def _uuid(originator_id: UUID | str) -> UUID:
    return originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
