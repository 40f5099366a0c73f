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

Commands check their actor without reading the log first where the event store can
check at the append instead (`WatchingStore`: `service.sqlite_store`,
`service.pg_recorder`; the in-memory store of the tests cannot). The
command takes the cached view as it is (`watched_member`) and notes the cache's
position and the member in a `Watch`; the append then reads, in its own
transaction under the store's write lock, what changed after that position (nothing
to read when the log's head is that position), and stores nothing if an event of
`INVALIDATING` of a watched member is among it (`StaleViews`: the command runs again
after a catch-up). So a command never acts
on a member view that was out of date when it committed — stronger than a look
before the command, and one statement fewer. What that read saw moves the cache
forward (`confirm`), as a catch-up would.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol, TypeVar, runtime_checkable
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.utils import get_topic

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


class Changes(NamedTuple):
    """What the log holds after a position: its head, and the originators of the
    events of the topics asked for (in order, repeats possible). (Named tuples:
    made once per command, cheaper than frozen dataclasses.)"""

    head: int
    changed: tuple[UUID, ...]


class Watch(NamedTuple):
    """Cached member views a command relied on, current at `position`."""

    position: int
    members: frozenset[UUID]

    def __or__(self, other: Watch) -> Watch:
        """Both commands' views (appended together: checked from the older)."""
        return Watch(min(self.position, other.position), self.members | other.members)


def stale(watch: Watch, changes: Changes) -> bool:
    """Whether `changes` (read after `watch.position`) show a watched member
    changed, or a log replaced since (its head behind the position)."""
    return changes.head < watch.position or not watch.members.isdisjoint(
        changes.changed
    )


class StaleViews(Exception):  # noqa: N818 (a signal to run again, not an error)
    """A member a command relied on changed after its view was cached and before
    the append: nothing was stored; run the command again after a catch-up."""

    def __init__(self, changes: Changes) -> None:
        super().__init__("a member view changed before the append")
        self.changes = changes


@runtime_checkable
class WatchingStore(Protocol):
    """An event store that reads the log's changes in one statement and checks
    a `Watch` inside its append's transaction."""

    def changes_since(self, position: int, topics: tuple[str, ...]) -> Changes:
        """The head and the originators of `topics`' events after `position`."""

    def insert_watched(
        self, events: Sequence[StoredEvent], watch: Watch, topics: tuple[str, ...]
    ) -> tuple[Sequence[int], Changes]:
        """Append atomically, unless an event of `topics` of a watched member was
        stored after `watch.position`: `StaleViews` then, nothing stored. The ids,
        and the changes between `watch.position` and the append, read under the
        same write lock."""


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
        self.watching: WatchingStore | None = (
            recorder if isinstance(recorder, WatchingStore) else None
        )
        """The store, if it checks watches at the append (else commands catch up
        before they look, as every other lookup does)."""
        self._max_entries = max_entries
        self.topics = tuple(topics)
        self._topic_set = frozenset(self.topics)
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

    def watched_member(
        self, member_id: UUID, load: Callable[[], MemberView]
    ) -> tuple[MemberView, Watch]:
        """The member's view as cached, without reading the log (the first lookup
        of the process catches up), and the `Watch` its append must check."""
        with self._lock:
            position = self._position
        if position is None:
            position = self.catch_up()
        view = self._lookup(self._members, member_id, load, position)
        return view, Watch(position, frozenset((member_id,)))

    def confirm(
        self,
        since: int,
        changes: Changes,
        appended: Sequence[StoredEvent],
        ids: Sequence[int],
    ) -> None:
        """Apply what a watched append read of the log after `since` and what it
        stored (`appended`, given `ids`: no other event can be among them, the
        append held the store's write lock): evict the originators of both whose
        topics are `topics`', and if the cache was between `since` and
        `changes.head` (everything after it is then known) move it past the
        append — so the next command's append finds nothing new to read."""
        topics = self._topic_set
        with self._lock:
            for originator_id in changes.changed:
                self._tokens.pop(originator_id, None)
                self._members.pop(originator_id, None)
            for event in appended:
                if event.topic in topics:
                    originator_id = as_uuid(event.originator_id)
                    self._tokens.pop(originator_id, None)
                    self._members.pop(originator_id, None)
            position = self._position
            if position is not None and since <= position <= changes.head:
                self._position = max(ids, default=changes.head)

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
            if self._position is not None and self.watching is not None:
                read = self.watching.changes_since(self._position, self.topics)
                if read.head >= self._position:
                    for originator_id in read.changed:
                        self._tokens.pop(originator_id, None)
                        self._members.pop(originator_id, None)
                    self._position = read.head
                    return read.head
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
                    topics=self.topics,
                    inclusive_of_start=False,
                )
                for notification in batch:
                    changed = as_uuid(notification.originator_id)
                    self._tokens.pop(changed, None)
                    self._members.pop(changed, None)
                if len(batch) < READ_BATCH:
                    break
                start = batch[-1].id
            self._position = head
            return head


def changes_of(rows: Iterable[Sequence[Any]]) -> Changes:
    """`Changes` from the rows (as tuples) of a `(head, id, originator_id)` query:
    one row with `head` set (its `id`: the log's head), one per changed event."""
    head = 0
    changed = []
    for row in rows:
        if row[0]:
            head = row[1] or 0
        else:
            changed.append(as_uuid(row[2]))
    return Changes(head, tuple(changed))


def as_uuid(originator_id: UUID | str) -> UUID:
    """An originator id as the store returns it (a UUID, or its text) as a UUID."""
    return originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
