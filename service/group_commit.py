"""Group commit: the appends of commands running at once in one process share one
transaction, so one durable commit (one WAL flush, one fsync) stores them all.

Leader and followers, no thread of its own: a command that appends while no append
is under way leads at once, alone (one thread: no wait, the path as before). Commands
that append while one is under way queue; when it ends, the leader wakes the commands
it stored and the first one queued, which leads the whole queue into one insert. The
group forms while the previous commit is in flight — under load, as many commands as
arrived meanwhile; never a timed wait.

Each command keeps its own outcome. The group is inserted in one transaction (all or
nothing), checking the member views all of them relied on (their `Watch`es joined);
if that fails — a version conflict of one of them (two writers of one aggregate, or
the same idempotency key twice), a watched member changed, or anything else — each
command of the group is inserted again alone, in arrival order, so a conflict fails
only its own command and, of two writers of one aggregate, exactly the first wins,
as without grouping. Notification ids stay in commit order: one insert at a time per
process, and the store's own lock between processes (`service.pg_recorder`).
"""

from __future__ import annotations

import functools
import operator
import threading
from collections.abc import Callable, Sequence

from eventsourcing.persistence import StoredEvent

from service.auth_cache import Watch

Insert = Callable[[Sequence[StoredEvent], Watch | None], Sequence[int] | None]
"""The atomic insert: the events' notification ids in order (or None); with a
`Watch`, nothing stored (`StaleViews`) if a watched member changed meanwhile."""


class _Append:
    """One command's events, and once stored, their ids or the error. Queued, its
    thread sleeps on `wake` (made then: a command that leads at once needs none),
    released once its events are stored (`done`), or to lead the next group."""

    __slots__ = ("done", "error", "events", "ids", "wake", "watch")

    def __init__(self, events: Sequence[StoredEvent], watch: Watch | None) -> None:
        self.events = events
        self.watch = watch
        self.ids: Sequence[int] | None = None
        self.error: BaseException | None = None
        self.done = False
        self.wake: threading.Lock | None = None

    def make_wake(self) -> None:
        """Make the lock to sleep on (before queueing: whoever wakes it needs it)."""
        self.wake = threading.Lock()
        self.wake.acquire()

    def wake_up(self) -> None:
        assert self.wake is not None
        self.wake.release()

    def outcome(self) -> Sequence[int] | None:
        if self.error is not None:
            raise self.error
        return self.ids


class GroupCommit:
    """Inserts the events of concurrent appends together (see the module doc)."""

    def __init__(self, insert: Insert) -> None:
        self._insert = insert
        self._lock = threading.Lock()
        self._queue: list[_Append] = []
        self._leading = False
        self.groups = 0
        """Inserts made so far (groups, and appends again alone after a failed
        group): fewer than the appends when they shared commits."""

    @property
    def waiting(self) -> int:
        """Appends queued behind the insert under way (the next group)."""
        with self._lock:
            return len(self._queue)

    def append(
        self, events: Sequence[StoredEvent], watch: Watch | None = None
    ) -> Sequence[int] | None:
        """Store `events` atomically; their notification ids, in order. Raises what
        the insert of these events alone raises (a conflict: `IntegrityError`; a
        watched member changed: `StaleViews`).

        Each thread is woken once: by the leader that stored its events, or, first
        in the queue when an insert ends, to lead the queue (no wake-up of every
        waiter at every commit, which on 8 threads cost a tenth of the GIL)."""
        mine = _Append(events, watch)
        with self._lock:
            queued = self._leading
            if queued:
                mine.make_wake()
                self._queue.append(mine)
            self._leading = True
        if queued:
            assert mine.wake is not None
            mine.wake.acquire()
            if mine.done:  # a leader stored it
                return mine.outcome()
            with self._lock:  # handed the lead: the queue, this append first
                group, self._queue = self._queue, []
        else:
            group = [mine]
        try:
            self._store(group)
        except BaseException as error:  # interrupted: nobody may take it as stored
            for each in group:
                if not each.done:
                    each.error, each.done = error, True
            raise
        finally:
            for each in group:
                if each is not mine:
                    each.wake_up()
            with self._lock:
                if self._queue:
                    self._queue[0].wake_up()  # the next leader
                else:
                    self._leading = False
        return mine.outcome()

    def _store(self, group: list[_Append]) -> None:
        if len(group) > 1 and self._store_together(group):
            return
        for each in group:
            try:
                each.ids = self._insert_counted(each.events, each.watch)
            except Exception as error:  # handed to its own command's thread
                each.error = error
            each.done = True

    def _store_together(self, group: list[_Append]) -> bool:
        """The group's events in one insert; False if it failed (nothing was
        stored: whose events failed, each command inserted alone then says)."""
        events = [event for each in group for event in each.events]
        watches = [each.watch for each in group if each.watch is not None]
        watch = functools.reduce(operator.or_, watches) if watches else None
        try:
            ids = self._insert_counted(events, watch)
        except Exception:
            return False
        start = 0
        for each in group:
            end = start + len(each.events)
            each.ids = None if ids is None else ids[start:end]
            each.done = True
            start = end
        return True

    def _insert_counted(
        self, events: Sequence[StoredEvent], watch: Watch | None
    ) -> Sequence[int] | None:
        self.groups += 1
        return self._insert(events, watch)
