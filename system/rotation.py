"""Server secret rotation: `momentum keys rotate` (docs/operations.md, "The server
secret and key rotation").

Run with MOMENTUM_SECRET_KEY set to the new secret and MOMENTUM_SECRET_KEY_PREVIOUS
to the old one. Events are never rewritten:

1. member keys: every row of `momentum_member_keys` not wrapped under the new
   secret is re-wrapped, a batch per transaction (`KeyStore.pending` /
   `KeyStore.rewrap`); a row records the secret that wrapped it, so a rerun after
   an interruption only touches the rows still under the old one. Without a
   previous secret this wraps the keys of a store made before wrapping (also done
   by `momentum init`, `wrap_member_keys`);
2. email index: each member's address reserved under the old secret's id (or,
   in stores written before keyed ids, under the unkeyed one) is claimed under the
   new one and released under the old one, both in one append (`EmailIndex`
   events, by the operator); a member already re-keyed is skipped;
3. audit: once the chain verifies (checkpoints under either secret), every
   checkpoint signed under the old secret is signed again under the new one (same
   position, hash and time: `projections.audit.sign_again`), and the chain's head
   too, so `momentum audit verify` with the new secret alone checks them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from projections.audit import (
    ChainCheck,
    checkpoint_key,
    sign_again,
    verify,
    write_checkpoint,
)
from service import clock as clock_module
from service.application import MomentumApplication
from service.domain.base import OPERATOR_ID
from service.domain.member import EmailIndex, Member
from service.uow import UnitOfWork
from system import System

BATCH_SIZE = 500
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Rotation:
    """What a run of `rotate` did."""

    keys: int
    """Member keys (re-)wrapped under the new secret."""
    emails: int
    """Addresses re-keyed in the email index."""
    finished: bool
    """False when stopped after `max_batches` (run again to go on)."""
    chain: ChainCheck | None = None
    """The audit chain check before signing (None: not reached)."""
    checkpoint: int | None = None
    """The position signed under the new secret (None: not signed)."""


def keys_to_wrap(app: MomentumApplication) -> int:
    """How many member keys are not wrapped under the current secret."""
    return app.keys.store.count_pending()


def wrap_member_keys(
    app: MomentumApplication,
    *,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
    progress: Progress | None = None,
) -> tuple[int, bool]:
    """Wrap every member key under the current secret, a batch per transaction;
    (how many were, whether none is left)."""
    store, done, batches = app.keys.store, 0, 0
    while max_batches is None or batches < max_batches:
        rows = store.pending(batch_size)
        if not rows:
            return done, True
        count = store.rewrap(rows)  # the same keys: cached ciphers stay right
        done, batches = done + count, batches + 1
        if progress is not None:
            progress(len(rows))
    return done, not store.pending(1)


def member_ids(
    app: MomentumApplication, batch_size: int = BATCH_SIZE
) -> Iterator[UUID]:
    """Every member who ever registered, in order of registration."""
    topics = [get_topic(Member.Registered)]
    after = 0
    while True:
        page = app.recorder.select_notifications(
            start=after, limit=batch_size, topics=topics, inclusive_of_start=False
        )
        if not page:
            return
        for notification in page:
            yield UUID(str(notification.originator_id))
        after = page[-1].id


def rekey_email(app: MomentumApplication, member_id: UUID) -> bool:
    """Move the member's address to the current secret's index id, from the
    previous secret's (during a rotation) or from the unkeyed one of stores written
    before keyed ids; False if there was nothing to move (erased, or moved)."""
    try:
        member: object = app.repository.get(member_id)
    except AggregateNotFoundError:
        return False
    if not isinstance(member, Member) or member.erased:
        return False
    new_id, *old_ids = app.email_index_ids(member.email)
    with clock_module.using(app.clock):
        for _ in range(3):  # a concurrent change of the index: look again
            uow = UnitOfWork(app)
            new = uow.find(EmailIndex, new_id)
            if new is not None and new.member_id == member_id:
                return False
            found = (uow.find(EmailIndex, old_id) for old_id in old_ids)
            old = next((i for i in found if i and i.member_id == member_id), None)
            if old is None:
                return False
            if new is None:
                new = EmailIndex(id=new_id, member_id=member_id, actor_id=OPERATOR_ID)
            else:
                new.claim(member_id, OPERATOR_ID)
            old.release(OPERATOR_ID)
            uow.add(new, old)
            try:
                app.append(uow.touched())
            except IntegrityError:
                continue
            return True
    raise RuntimeError(f"The email index of member {member_id} kept changing.")


def rotate(
    system: System,
    *,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
    progress: Progress | None = None,
) -> Rotation:
    """Re-wrap the member keys, re-key the email index and sign the audit chain's
    head under the current secret (see the module docstring). `max_batches` stops
    after that many batches of keys (an interrupted run, for tests)."""
    app = system.app
    keys, finished = wrap_member_keys(
        app, batch_size=batch_size, max_batches=max_batches, progress=progress
    )
    if not finished:
        return Rotation(keys, 0, False)
    emails = 0
    for member_id in member_ids(app, batch_size):
        emails += rekey_email(app, member_id)
        if progress is not None:
            progress(1)
    system.runner.catch_up()
    settings = system.settings
    chain = verify(
        app, system.engine, settings.secret_key, settings.previous_secret_key
    )
    if not chain.ok or not chain.head:
        return Rotation(keys, emails, True, chain)
    with system.engine.begin() as conn:
        if settings.previous_secret_key:
            key = checkpoint_key(settings.secret_key)
            sign_again(conn, key, checkpoint_key(settings.previous_secret_key))
        signed = write_checkpoint(
            conn,
            checkpoint_key(settings.secret_key),
            chain.head,
            chain.head_hash,
            system.now(),
        )
    return Rotation(keys, emails, True, chain, signed.position)


def registered_count(app: MomentumApplication) -> int:
    """How many members ever registered (the email step's progress total)."""
    return sum(1 for _ in member_ids(app))
