"""Audit: the tamper-evident chain over the stored events, its signed checkpoints,
and the audit index (SPEC 9).

Chain: each event's hash is SHA-256 over the previous hash and the stored event's
canonical bytes (position, aggregate, version, topic, state), so changing, removing or
reordering a stored event breaks the chain from there on.

Three tables:

- `audit_index`, the read model `audit`: per event its position, aggregate, type,
  actor, time and chain hash, for queries and the export. A rebuild clears it.
- `audit_chain`, append-only and never cleared (it is not among `AuditIndex.tables`,
  and database triggers refuse UPDATE and DELETE): per position the chain hash and
  the SHA-256 of the state, as first chained. Applying an event appends its row; if
  the position has one already (a rebuild), the recomputed row must equal it, or the
  model raises `TamperDetectedError` and the runner stops it at that event: a rebuild
  over rewritten events cannot overwrite the evidence.
- `audit_checkpoints`, append-only: (position, chain hash, time) signed with
  HMAC-SHA256 under a key derived from the server secret. The audit model writes one
  at the end of a batch once `CHECKPOINT_EVERY` events or `CHECKPOINT_MAX_AGE` have
  passed since the latest (when its runner has the secret: `with_signer`); `momentum
  audit checkpoint` writes one after a clean verify.

`verify` recomputes the chain from the stored events, compares it with `audit_chain`
position by position and checks every checkpoint's signature and hash, so rewriting
events *and* chain rows without the secret is caught at the next checkpoint.
`export_lines` writes the log as JSON Lines with metadata of every event and content
only where the viewer may see the item.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, TypeVar, cast
from uuid import UUID

from eventsourcing.persistence import Notification
from pydantic_core import to_jsonable_python
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    Row,
    String,
    Table,
    case,
    func,
    insert,
    select,
)

from projections.base import UTCDateTime
from projections.batching import insert_rows, merge_rows
from projections.db import metadata, readers_index
from service.application import MomentumApplication, to_history_entry
from service.domain.base import MomentumAggregate
from service.errors import NotFoundError
from service.queries import require_visible

GENESIS = "0" * 64
EXPORT_BATCH = 500
READ_BATCH = 1000
PROBLEMS_KEPT = 1000
"""`verify` lists at most this many problems (and counts them all)."""
CHECKPOINT_EVERY = 1000
"""The audit model signs a checkpoint once this many positions passed since the last."""
CHECKPOINT_MAX_AGE = timedelta(hours=1)
"""... or on the first batch after the latest checkpoint got this old."""
CHECKPOINT_PURPOSE = "audit-checkpoint/v1"
"""The purpose the checkpoint key is derived for (see `checkpoint_key`)."""

audit_index = Table(
    "audit_index",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("aggregate_id", String(36), nullable=False),
    Column("aggregate_type", String(64), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("actor_id", String(36), nullable=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("chain_hash", String(64), nullable=False),
    # For readers (`readers_index`: the index itself finds rows by position only): an
    # aggregate's events, who changed roles, and the audit search's filters
    # (`projections.audit_queries`, migration 0012), each ending in the position
    # its pages continue after.
    readers_index("ix_audit_index_aggregate_id", "aggregate_id"),
    readers_index("ix_audit_index_actor_position", "actor_id", "position"),
    readers_index(
        "ix_audit_index_type_position", "aggregate_type", "event_type", "position"
    ),
    readers_index("ix_audit_index_time_position", "occurred_at", "position"),
)

audit_days = Table(
    "audit_days",
    metadata,
    Column("day", Date, primary_key=True, autoincrement=False),
    Column("first_position", BigInteger, nullable=False),
    Column("last_position", BigInteger, nullable=False),
)
"""The lowest and highest log positions of each UTC day's events (migration 0014):
bounds on the positions of any time range, so a search by time walks the primary
key between them instead of sorting the range's index (`audit_queries.search`).
Exact whatever the order of times and positions: every event of a day lies within
its row."""

audit_chain = Table(
    "audit_chain",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("chain_hash", String(64), nullable=False),
    # SHA-256 of the state as chained; NULL for rows copied from audit_index by 0005.
    Column("state_digest", String(64), nullable=True),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("chain_hash", String(64), nullable=False),
    Column("signed_at", UTCDateTime(), nullable=False),
    Column("signature", String(64), nullable=False),
    Index("ix_audit_checkpoints_position", "position"),
)

ProblemKind = Literal[
    "altered",
    "deleted",
    "reordered",
    "inserted",
    "malformed",
    "checkpoint-invalid",
    "checkpoint-mismatch",
]


class TamperDetectedError(Exception):
    """A stored event no longer matches the chain row kept for its position."""

    def __init__(self, position: int, kind: ProblemKind, detail: str) -> None:
        self.position, self.kind, self.detail = position, kind, detail
        super().__init__(
            f"audit chain broken at event {position} ({kind}): {detail}; "
            "the chain row is kept, not overwritten (see `momentum audit verify`)"
        )


class MalformedEventError(TamperDetectedError):
    """A stored event whose state is not bytes (TEXT, NULL)."""

    def __init__(self, position: int, detail: str) -> None:
        super().__init__(position, "malformed", detail)


def state_bytes(n: Notification) -> bytes:
    """The stored state, which must be bytes; `MalformedEventError` otherwise."""
    state: object = n.state
    if isinstance(state, bytes | bytearray | memoryview):
        return bytes(state)
    what = "NULL" if state is None else f"{type(state).__name__}, not bytes"
    raise MalformedEventError(n.id, f"the stored event's state is {what}")


def canonical_bytes(n: Notification) -> bytes:
    """The stored event as bytes: position, aggregate, version, topic and state."""
    head = f"{n.id}\n{n.originator_id}\n{n.originator_version}\n{n.topic}\n"
    return head.encode() + state_bytes(n)


def chain(previous: str, n: Notification) -> str:
    """The hash of this event chained to the previous hash."""
    return hashlib.sha256(previous.encode() + canonical_bytes(n)).hexdigest()


def state_digest(n: Notification) -> str:
    """SHA-256 of the stored state alone (it follows the event if rows are moved)."""
    return hashlib.sha256(state_bytes(n)).hexdigest()


# --- checkpoints -------------------------------------------------------------------


def checkpoint_key(secret_key: str) -> bytes:
    """The checkpoints' HMAC key: HMAC-SHA256 of `momentum/audit-checkpoint/v1` under
    the server secret (the derivation of `service.secret_keys.derive_key`), so the
    key signs nothing else and tells nothing about the secret."""
    purpose = f"momentum/{CHECKPOINT_PURPOSE}".encode()
    return hmac.new(secret_key.encode(), purpose, hashlib.sha256).digest()


def _signed_text(position: int, chain_hash: str, signed_at: datetime) -> bytes:
    instant = signed_at.astimezone(UTC).isoformat(timespec="seconds")
    return f"{CHECKPOINT_PURPOSE}\n{position}\n{chain_hash}\n{instant}".encode()


def sign(key: bytes, position: int, chain_hash: str, signed_at: datetime) -> str:
    """The HMAC-SHA256 (hex) of a checkpoint."""
    message = _signed_text(position, chain_hash, signed_at)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: the chain's hash at `position` was `chain_hash`."""

    position: int
    chain_hash: str
    signed_at: datetime
    signature: str
    id: int | None = None

    @property
    def statement(self) -> tuple[int, str, datetime]:
        """What it states: the chain's hash at a position, at a time."""
        return self.position, self.chain_hash, self.signed_at

    def valid(self, key: bytes) -> bool:
        """True if the signature is this checkpoint's under `key`."""
        expected = sign(key, self.position, self.chain_hash, self.signed_at)
        return hmac.compare_digest(expected, self.signature)


def write_checkpoint(
    conn: Connection, key: bytes, position: int, chain_hash: str, at: datetime
) -> Checkpoint:
    """Sign and append a checkpoint (time to the second, UTC)."""
    signed_at = at.astimezone(UTC).replace(microsecond=0)
    signature = sign(key, position, chain_hash, signed_at)
    result = conn.execute(
        insert(audit_checkpoints).values(
            position=position,
            chain_hash=chain_hash,
            signed_at=signed_at,
            signature=signature,
        )
    )
    (found,) = result.inserted_primary_key or (None,)
    return Checkpoint(position, chain_hash, signed_at, signature, found)


def sign_again(conn: Connection, key: bytes, old_key: bytes) -> int:
    """Sign every checkpoint valid under `old_key` (a rotated secret's) again under
    `key`, same statement, unless it already is; how many were. `verify` counts a
    statement once, valid if any of its rows is."""
    marks = checkpoints(conn)
    done = {m.statement for m in marks if m.valid(key)}
    count = 0
    for mark in marks:
        if mark.statement not in done and mark.valid(old_key):
            done.add(mark.statement)
            write_checkpoint(conn, key, mark.position, mark.chain_hash, mark.signed_at)
            count += 1
    return count


def checkpoints(conn: Connection) -> list[Checkpoint]:
    """Every checkpoint, by position."""
    rows = conn.execute(
        select(audit_checkpoints).order_by(
            audit_checkpoints.c.position, audit_checkpoints.c.id
        )
    )
    return [
        Checkpoint(r.position, r.chain_hash, r.signed_at, r.signature, r.id)
        for r in rows
    ]


def _utc_now() -> datetime:
    return datetime.now(UTC)


_LATEST_CHECKPOINT = (
    select(audit_checkpoints.c.position, audit_checkpoints.c.signed_at)
    .order_by(audit_checkpoints.c.position.desc())
    .limit(1)
)


def _latest(column: Any) -> Any:
    """`column` of the row with the highest position of its table, as a scalar
    subquery (NULL if the table is empty)."""
    table = column.table
    order = [table.c.position.desc()]
    if "id" in table.c:  # checkpoints: a statement signed again shares a position
        order.append(table.c.id.desc())
    return (
        select(column)
        .order_by(*order)
        .limit(1)
        .scalar_subquery()
        .label(f"{table.name}_{column.name}")
    )


_HEADS = select(
    _latest(audit_index.c.position),
    _latest(audit_index.c.chain_hash),
    select(func.max(audit_chain.c.position)).scalar_subquery().label("chain_head"),
    _latest(audit_checkpoints.c.position),
    _latest(audit_checkpoints.c.signed_at),
)
"""Where the index, the chain and the checkpoints stand, in one statement (a live
batch used to ask three times)."""


@dataclass(frozen=True)
class CheckpointSigner:
    """What the audit model needs to sign checkpoints as it goes."""

    key: bytes
    now: Callable[[], datetime] = _utc_now
    every: int = CHECKPOINT_EVERY
    max_age: timedelta = CHECKPOINT_MAX_AGE

    @classmethod
    def from_secret(
        cls, secret_key: str, now: Callable[[], datetime] = _utc_now, **kw: Any
    ) -> CheckpointSigner:
        """A signer with the checkpoint key derived from the server secret."""
        return cls(checkpoint_key(secret_key), now, **kw)

    def maybe_sign(
        self,
        conn: Connection,
        position: int,
        chain_hash: str,
        latest: tuple[int | None, datetime | None] | None = None,
    ) -> None:
        """Sign the chain head if enough events or time passed since the latest
        checkpoint: `latest`'s (position, time) if the caller read them (None,
        None: there is none), else one indexed query. Nothing at or below the
        latest's position."""
        if latest is None:
            found = conn.execute(_LATEST_CHECKPOINT).first()
            latest = (found.position, found.signed_at) if found else (None, None)
        latest_position, latest_at = latest
        now = self.now()
        if (
            latest_position is not None
            and latest_at is not None
            and (
                position <= latest_position
                or (
                    position - latest_position < self.every
                    and now - latest_at < self.max_age
                )
            )
        ):
            return
        write_checkpoint(conn, self.key, position, chain_hash, now)


M = TypeVar("M")


def with_signer(models: Sequence[M], signer: CheckpointSigner) -> list[M]:
    """The models, the audit index among them signing checkpoints with `signer`."""
    for model in models:
        if isinstance(model, AuditIndex):
            model.signer = signer
    return list(models)


# --- the read model ----------------------------------------------------------------


class AuditIndex:
    """The audit index read model; it also appends to the chain it never clears."""

    name = "audit"
    # Never audit_chain or audit_checkpoints here: a rebuild deletes these tables.
    tables = (audit_index, audit_days)
    # A rebuild checks the replayed chain against the live `audit_chain` (that is
    # how it catches rewritten events), so it runs on the live tables, not beside
    # them (`projections.bluegreen`).
    rebuilt_in_place = True
    signer: CheckpointSigner | None = None

    def __init__(self, signer: CheckpointSigner | None = None) -> None:
        self.signer = signer

    def apply(self, conn: Connection, event: Any, notification: Notification) -> None:
        """Index one event and extend the chain."""
        self.apply_batch(conn, [(notification, event)])

    def apply_batch(
        self, conn: Connection, events: Sequence[tuple[Notification, Any]]
    ) -> None:
        """Index events in log order, each hash chained to the one before; append
        their chain rows, or check them against the rows kept (a rebuild)."""
        if not events:
            return
        heads = conn.execute(_HEADS).one()
        after, previous = heads.audit_index_position, heads.audit_index_chain_hash
        if after is None:
            after, previous = 0, GENESIS
        final = events[-1][0].id
        chain_head = heads.chain_head
        kept: dict[int, Row[Any]] = {}
        if chain_head is not None and chain_head > after:
            kept = {
                row.position: row
                for row in conn.execute(
                    select(audit_chain).where(
                        audit_chain.c.position > after,
                        audit_chain.c.position <= final,
                    )
                )
            }
        missing = sorted(set(kept) - {n.id for n, _ in events})
        rows, links = [], []
        for notification, event in events:
            if missing and missing[0] < notification.id:
                raise TamperDetectedError(
                    missing[0], "deleted", "the stored event was deleted from the log"
                )
            previous = chain(previous, notification)
            known = kept.get(notification.id)
            if known is None and notification.id < (chain_head or 0):
                raise TamperDetectedError(
                    notification.id,
                    "inserted",
                    "an event was added at a position the chain does not have",
                )
            if known is None:
                links.append(
                    {
                        "position": notification.id,
                        "chain_hash": previous,
                        "state_digest": state_digest(notification),
                    }
                )
            elif known.chain_hash != previous:
                raise TamperDetectedError(
                    notification.id,
                    "altered",
                    "the stored event does not match the chain row kept for it",
                )
            actor = getattr(event, "actor_id", None)
            aggregate_type, _, event_type = type(event).__qualname__.rpartition(".")
            rows.append(
                {
                    "position": notification.id,
                    "aggregate_id": str(notification.originator_id),
                    "aggregate_type": aggregate_type,
                    "event_type": event_type,
                    "actor_id": str(actor) if actor else None,
                    "occurred_at": event.timestamp,
                    "chain_hash": previous,
                }
            )
        insert_rows(conn, audit_chain, links)
        insert_rows(conn, audit_index, rows)
        _widen_days(conn, rows)
        if self.signer is not None and links:
            signed = heads.audit_checkpoints_position, heads.audit_checkpoints_signed_at
            self.signer.maybe_sign(conn, final, previous, signed)


def _widen_days(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Widen each UTC day's position bounds (`audit_days`) to the new rows'."""
    days: dict[date, list[int]] = {}
    for row in rows:
        day = row["occurred_at"].astimezone(UTC).date()
        bounds = days.setdefault(day, [row["position"], row["position"]])
        bounds[0] = min(bounds[0], row["position"])
        bounds[1] = max(bounds[1], row["position"])
    if not days:
        return
    params = [
        {"day": day, "first_position": first, "last_position": last}
        for day, (first, last) in days.items()
    ]
    merge_rows(conn, audit_days, params, _WIDEN)


def _lower(stored: Any, new: Any) -> Any:
    return case((new < stored, new), else_=stored)


def _higher(stored: Any, new: Any) -> Any:
    return case((new > stored, new), else_=stored)


_WIDEN = {"first_position": _lower, "last_position": _higher}
"""A day already there keeps the lower first and the higher last position."""


# --- verification ------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong: at which log position, what kind, in words."""

    position: int
    kind: ProblemKind
    detail: str


@dataclass(frozen=True)
class ChainCheck:
    """The result of recomputing the chain."""

    checked: int
    """Events verified (before the first problem, if any)."""
    first_break: int | None
    reason: str = ""
    problems: tuple[Problem, ...] = ()
    """The problems by position (at most `PROBLEMS_KEPT`; `problem_count` has all)."""
    problem_count: int = 0
    checkpoints: int = 0
    """Signed checkpoints whose signature and hash verified."""
    head: int = 0
    """The last chained position compared (0: nothing chained yet)."""
    head_hash: str = GENESIS
    """The chain hash recomputed from the stored events at `head`."""

    @property
    def ok(self) -> bool:
        """True if every chained event matches the stored log and every checkpoint."""
        return self.first_break is None


@dataclass(frozen=True)
class Unreadable:
    """A stored row the event store's reader cannot even read (e.g. a NULL state
    on PostgreSQL, where the library calls `bytes()` on it)."""

    id: int
    error: str


READ_ERRORS = (TypeError, ValueError)
"""What the event store's reader raises on a row it cannot read (a state that is
not bytes, an id that is not a UUID)."""


def stored_events(
    app: MomentumApplication, stop: int | None = None
) -> Iterator[Notification | Unreadable]:
    """The stored events up to position `stop` in order, with each row the reader
    cannot read named by its position instead of ending the walk."""
    recorder, start = app.recorder, 0
    while True:
        try:
            batch = recorder.select_notifications(
                start=start, limit=READ_BATCH, stop=stop, inclusive_of_start=False
            )
        except READ_ERRORS as error:
            bad = _first_unreadable(app, start, stop)
            yield from recorder.select_notifications(
                start=start, limit=READ_BATCH, stop=bad - 1, inclusive_of_start=False
            )
            yield Unreadable(bad, f"{type(error).__name__}: {error}")
            start = bad
            continue
        if not batch:
            return
        yield from batch
        start = batch[-1].id


def _first_unreadable(app: MomentumApplication, start: int, stop: int | None) -> int:
    """Bisect for the first row after `start` that cannot be read (it is among the
    next `READ_BATCH` rows, whose reading failed)."""
    low, high = start + 1, stop or app.recorder.max_notification_id() or start + 1
    while low < high:
        mid = (low + high) // 2
        try:
            app.recorder.select_notifications(
                start=start, limit=READ_BATCH, stop=mid, inclusive_of_start=False
            )
        except READ_ERRORS:
            high = mid
        else:
            low = mid + 1
    return low


def _chain_rows(conn: Connection, head: int) -> Iterator[Row[Any]]:
    """The chain rows up to `head` by position, read in pages."""
    after = 0
    while True:
        page = conn.execute(
            select(audit_chain)
            .where(audit_chain.c.position > after, audit_chain.c.position <= head)
            .order_by(audit_chain.c.position)
            .limit(READ_BATCH)
        ).all()
        if not page:
            return
        yield from page
        after = page[-1].position


@dataclass
class _Walk:
    """The state of one verification: two chains recomputed from the events."""

    signed: list[Checkpoint]
    key: bytes | None
    old_key: bytes | None = None
    """During a key rotation: the previous secret's checkpoint key."""
    previous: str = GENESIS
    """Recomputed, but taking the kept row's hash after a problem, so each problem
    is reported at its own position and the events after it are checked too."""
    pure: str | None = GENESIS
    """Recomputed from the stored events alone (None past an unreadable one)."""
    kept_last: str = GENESIS
    """The hash of the last chain row passed."""
    events_differ: bool = False
    checked: int = 0
    checked_before_break: int | None = None
    checkpoints: int = 0
    head: int = 0
    head_hash: str = GENESIS
    problems: list[Problem] = field(default_factory=list)
    count: int = 0
    mismatched: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    """Position → (digest of the state found, digest kept), to spot moved events."""
    vouched: set[tuple[int, str, datetime]] = field(default_factory=set)
    """The statements (position, hash, time) some checkpoint row validly signs: a
    rotation signs each older one again under the new secret (`sign_again`)."""
    passed: set[tuple[int, str, datetime]] = field(default_factory=set)

    def __post_init__(self) -> None:
        keys = [k for k in (self.key, self.old_key) if k is not None]
        self.vouched = {
            mark.statement for mark in self.signed if any(map(mark.valid, keys))
        }

    def problem(self, position: int, kind: ProblemKind, detail: str) -> None:
        if self.checked_before_break is None:
            self.checked_before_break = self.checked
        if not kind.startswith("checkpoint"):
            self.events_differ = True
        self.count += 1
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append(Problem(position, kind, detail))

    def both(self, found: Notification | Unreadable, kept: Row[Any]) -> None:
        """An event and the chain row of its position."""
        position = kept.position
        self.head, self.kept_last = position, kept.chain_hash
        try:
            if isinstance(found, Unreadable):
                raise MalformedEventError(
                    position, f"the stored event cannot be read ({found.error})"
                )
            digest = state_digest(found)
            recomputed = chain(self.previous, found)
        except MalformedEventError as error:
            self.problem(position, "malformed", error.detail)
            self.previous, self.pure = kept.chain_hash, None
            return
        if self.pure is not None:
            same = self.pure == self.previous
            self.pure = recomputed if same else chain(self.pure, found)
        if recomputed == kept.chain_hash:
            self.checked += 1
            self.previous = self.head_hash = recomputed
            return
        if len(self.mismatched) < PROBLEMS_KEPT:
            self.mismatched[position] = (digest, kept.state_digest)
        self.problem(position, "altered", "the stored event was changed")
        self.previous = self.head_hash = kept.chain_hash

    def deleted(self, kept: Row[Any]) -> None:
        """A chain row whose event is gone."""
        self.head, self.kept_last = kept.position, kept.chain_hash
        self.problem(
            kept.position, "deleted", "the stored event was deleted from the log"
        )
        self.previous = self.head_hash = kept.chain_hash

    def inserted(self, found: Notification | Unreadable) -> None:
        """An event at a position the chain skipped."""
        self.problem(
            found.id,
            "inserted",
            "an event was added at a position the chain does not have",
        )
        if isinstance(found, Unreadable) or self.pure is None:
            self.pure = None
            return
        try:
            self.pure = chain(self.pure, found)
        except MalformedEventError:
            self.pure = None

    def pass_checkpoints(self, before: float) -> None:
        """Check the checkpoints at positions before `before` against both chains:
        the kept rows must equal a signed checkpoint (else the chain table was
        rewritten), as must the recomputed hash unless an event problem before it
        already explains the difference."""
        while self.signed and self.signed[0].position < before:
            mark = self.signed.pop(0)
            at = f"checkpoint {mark.id} (signed {mark.signed_at:%Y-%m-%d %H:%M} UTC)"
            if self.key is None or mark.statement in self.passed:
                continue  # a statement signed again (key rotation) counts once
            self.passed.add(mark.statement)
            if mark.statement not in self.vouched:
                self.problem(
                    mark.position,
                    "checkpoint-invalid",
                    f"{at} has an invalid signature: forged, altered, or signed "
                    "with another secret key",
                )
            elif self.kept_last != mark.chain_hash or (
                not self.events_differ and self.pure != mark.chain_hash
            ):
                self.problem(
                    mark.position,
                    "checkpoint-mismatch",
                    f"{at} does not match the chain: events or chain rows up to "
                    "this position were rewritten or removed",
                )
            else:
                self.checkpoints += 1

    def result(self) -> ChainCheck:
        problems = sorted(
            (self._classified(p) for p in self.problems),
            key=lambda p: (p.position, p.kind.startswith("checkpoint")),
        )
        first = problems[0] if problems else None
        return ChainCheck(
            checked=self.checked
            if self.checked_before_break is None
            else self.checked_before_break,
            first_break=first.position if first else None,
            reason=first.detail if first else "",
            problems=tuple(problems),
            problem_count=self.count,
            checkpoints=self.checkpoints,
            head=self.head,
            head_hash=self.head_hash,
        )

    def _classified(self, problem: Problem) -> Problem:
        """An altered event whose state is the one chained at another altered
        position was moved there: reordered."""
        if problem.kind != "altered":
            return problem
        found, _ = self.mismatched[problem.position]
        for other, (_, kept) in self.mismatched.items():
            if other != problem.position and kept == found:
                return Problem(
                    problem.position,
                    "reordered",
                    f"the stored event holds the state chained at position {other}",
                )
        return problem


def verify(
    app: MomentumApplication,
    engine: Engine,
    secret_key: str | None = None,
    previous_secret_key: str | None = None,
) -> ChainCheck:
    """Recompute the chain from the stored events and compare it, position by
    position, with the chain rows kept; with the server secret, check every signed
    checkpoint too (without it, checkpoints are not checked; with the previous
    secret of a key rotation as well, a checkpoint may be signed under either).
    Problems are named at
    their own positions: altered, deleted, reordered, inserted, malformed,
    checkpoint-invalid, checkpoint-mismatch."""
    with engine.connect() as conn:
        signed = checkpoints(conn)  # before the head: every one is at or below it
        head = conn.execute(select(func.max(audit_chain.c.position))).scalar() or 0
        walk = _Walk(
            signed,
            checkpoint_key(secret_key) if secret_key else None,
            checkpoint_key(previous_secret_key) if previous_secret_key else None,
        )
        events = stored_events(app, stop=head) if head else iter(())
        kept_rows = _chain_rows(conn, head)
        found, kept = next(events, None), next(kept_rows, None)
        while found is not None or kept is not None:
            position = min(
                found.id if found is not None else head + 1,
                kept.position if kept is not None else head + 1,
            )
            walk.pass_checkpoints(position)
            if found is not None and kept is not None and found.id == kept.position:
                walk.both(found, kept)
                found, kept = next(events, None), next(kept_rows, None)
            elif kept is not None and kept.position == position:
                walk.deleted(kept)
                kept = next(kept_rows, None)
            elif found is not None:
                walk.inserted(found)
                found = next(events, None)
        walk.pass_checkpoints(float("inf"))
    return walk.result()


# --- export ------------------------------------------------------------------------


def export_lines(
    app: MomentumApplication,
    engine: Engine,
    viewer_id: UUID | None,
    after: int = 0,
    limit: int | None = None,
) -> Iterator[str]:
    """The log after position `after` (at most `limit` events) as JSON Lines, oldest
    first: position, aggregate, type, version, actor, time and chain hash of every
    event, and its content only where `viewer_id` may see the item like anyone
    else (SPEC 9). Viewer None, the operator at the command line, gets metadata
    only. Read in batches, so it can be streamed."""
    visible: dict[UUID, bool] = {}
    left = limit
    while left is None or left > 0:
        size = EXPORT_BATCH if left is None else min(EXPORT_BATCH, left)
        batch = app.recorder.select_notifications(
            start=after, limit=size, inclusive_of_start=False
        )
        if not batch:
            return
        hashes = _chain_hashes(engine, after, batch[-1].id)
        for notification in batch:
            line = _export_line(app, viewer_id, notification, hashes, visible)
            yield json.dumps(to_jsonable_python(line), separators=(",", ":")) + "\n"
        after = batch[-1].id
        left = None if left is None else left - len(batch)


def _chain_hashes(engine: Engine, after: int, last: int) -> dict[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(audit_index.c.position, audit_index.c.chain_hash).where(
                audit_index.c.position > after, audit_index.c.position <= last
            )
        )
        return {row.position: row.chain_hash for row in rows}


def _export_line(
    app: MomentumApplication,
    viewer_id: UUID | None,
    notification: Notification,
    hashes: dict[int, str],
    visible: dict[UUID, bool],
) -> dict[str, Any]:
    event = cast(MomentumAggregate.Event, app.mapper.to_domain_event(notification))
    aggregate_type, _, event_type = type(event).__qualname__.rpartition(".")
    aggregate_id = cast(UUID, notification.originator_id)
    if aggregate_id not in visible:
        visible[aggregate_id] = _may_see(app, viewer_id, aggregate_id)
    return {
        "position": notification.id,
        "aggregate_id": aggregate_id,
        "aggregate_type": aggregate_type,
        "type": event_type,
        "version": notification.originator_version,
        "actor_id": getattr(event, "actor_id", None),
        "time": event.timestamp,
        "chain_hash": hashes.get(notification.id),
        "content": to_history_entry(event).data if visible[aggregate_id] else None,
    }


def _may_see(app: MomentumApplication, viewer_id: UUID | None, item: UUID) -> bool:
    if viewer_id is None:
        return False
    try:
        require_visible(app, viewer_id, item)
    except NotFoundError:
        return False
    return True


def members_with_role_changes(conn: Connection) -> list[str]:
    """Members who were ever granted or revoked a role (every role holder is
    among them; their aggregates say which roles they hold now)."""
    return list(
        conn.scalars(
            select(audit_index.c.aggregate_id)
            .where(
                audit_index.c.aggregate_type == "Member",
                audit_index.c.event_type.in_(("RoleGranted", "RoleRevoked")),
            )
            .distinct()
            .order_by(audit_index.c.aggregate_id)
        )
    )
