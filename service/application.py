"""The Momentum application: the one entry point for every use case.

`handle(command)` runs the command's handler in a unit of work, saves everything the
handler touched in one atomic append (with the idempotency record, if any), retries
safe commands on a version conflict and reports the others as conflicts, and runs a
command again, caught up with the log, when a member view it relied on changed
before its append stored anything (`service.auth_cache.StaleViews`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

from argon2 import PasswordHasher
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    Transcoding,
)
from eventsourcing.utils import strtobool

from service import clock as clock_module
from service import idempotency, queries
from service.auth_cache import AuthCache, MemberView, StaleViews, TokenView, Watch
from service.clock import Clock, SystemClock
from service.commands import Command, Result
from service.crypto import SealingMapper
from service.domain.action import Action
from service.domain.base import MomentumAggregate
from service.domain.feedback import Feedback, Suggestion
from service.domain.member import (
    EmailIndex,
    Member,
    email_index_id,
    legacy_email_index_id,
    normalise_email,
)
from service.domain.review import Review
from service.errors import (
    AuthenticationError,
    ConcurrencyConflictError,
    NotFoundError,
    ValidationError,
)
from service.group_commit import GroupCommit
from service.ids import IdAsHex, IdOfIdAsHex
from service.keys import DEFAULT_TTL, KeyRing, KeyWrap, key_store_for
from service.passwords import make_hasher, verify
from service.secret_keys import EMAIL_INDEX, derive_key
from service.tokens import InvitationTokens
from service.uow import Handlers, UnitOfWork

AfterSave = Callable[["MomentumApplication", Any, Result], None]
AfterSaves = Mapping[type[Command], AfterSave]
"""What must happen once a command's events are stored (erasure shreds the key)."""
MAX_ATTEMPTS = 5
PRIVATE_FIELDS = frozenset({"password_hash"})
"""Event fields no query ever returns."""


class DateAsISO(Transcoding):
    """Store `datetime.date` values as YYYY-MM-DD."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


@dataclass(frozen=True)
class HistoryEntry:
    """One event of an aggregate as people read it."""

    version: int
    type: str
    time: datetime
    actor_id: UUID | None
    data: dict[str, Any]


class MomentumApplication(Application[UUID]):
    """Momentum's service layer over the event store."""

    name = "Momentum"

    def __init__(
        self,
        env: dict[str, str],
        *,
        clock: Clock | None = None,
        secret_key: str,
        previous_secret_key: str | None = None,
        handlers: Handlers,
        after_save: AfterSaves | None = None,
        password_hasher: PasswordHasher | None = None,
        key_cache_seconds: float = DEFAULT_TTL,
    ) -> None:
        super().__init__(env=env)
        self.handlers = dict(handlers)
        self.after_save = dict(after_save or {})
        self.clock: Clock = clock or SystemClock()
        self.hasher = password_hasher or make_hasher()
        self.invitations = InvitationTokens(secret_key)
        self.email_index_key = derive_key(secret_key, EMAIL_INDEX)
        self.previous_email_index_key = (
            derive_key(previous_secret_key, EMAIL_INDEX)
            if previous_secret_key and previous_secret_key != secret_key
            else None
        )
        self.key_wrap = KeyWrap(secret_key, previous_secret_key)
        self.keys = self._key_ring(key_cache_seconds)
        self.auth_cache = AuthCache(self.recorder)
        self.group_commit = GroupCommit(self._insert)
        self.finish_erasures()

    def construct_mapper(self) -> Mapper[UUID]:
        """The mapper that seals personal content with per-member keys (SPEC 9)."""
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=SealingMapper
        )

    def _key_ring(self, ttl: float) -> KeyRing:
        """Member keys beside the events; the mapper seals and opens with them.
        A cache of decrypted aggregates or snapshots would outlive erasure."""
        if self.repository.cache is not None or self.snapshots is not None:
            raise ValueError(
                "Keep the aggregate cache and snapshots off: they would keep "
                "erased members' content readable (see service.crypto)."
            )
        store = key_store_for(self.recorder, self.key_wrap)
        if strtobool(self.env.get("CREATE_TABLE", "yes")):
            store.create_table()
        keys = KeyRing(store, ttl=ttl, now=lambda: self.clock.now())
        assert isinstance(self.mapper, SealingMapper)
        self.mapper.keys = keys
        return keys

    def finish_erasures(self) -> None:
        """Shred the keys of erasures that were stored but not finished (a crash
        between storing Member.Erased and destroying the key)."""
        for member_id in self.keys.store.erasing():
            try:
                member: object = self.repository.get(member_id)
            except AggregateNotFoundError:
                member = None
            if isinstance(member, Member) and member.erased:
                self.keys.shred(member_id)
            else:
                self.keys.store.mark_erasing(member_id, False)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        """Add dates to the library's JSON transcodings; ids decode as `Id`s."""
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(IdAsHex())
        transcoder.register(IdOfIdAsHex())

    # Commands ------------------------------------------------------------------

    def handle(self, command: Command, *, idempotency_key: str | None = None) -> Result:
        """Run one command; see the module docstring for the guarantees."""
        key = idempotency_key
        handler = self.handlers.get(type(command))
        if handler is None:
            raise LookupError(f"No handler is wired for {type(command).__name__}.")
        retry = (
            command.retry_on_conflict
            and getattr(command, "expected_version", None) is None
        )
        attempts = MAX_ATTEMPTS if retry else 1
        watch = self.auth_cache.watching is not None
        with clock_module.using(self.clock):
            attempt = 1
            while True:
                uow = UnitOfWork(self, watch=watch)
                seen = (
                    idempotency.recall(uow, command, key) if key is not None else None
                )
                if seen is not None and seen.result is not None:
                    return seen.result
                result = handler(uow, command)
                if key is not None and seen is not None:
                    idempotency.remember(uow, command, key, result, seen)
                try:
                    position = self.append(uow.touched(), uow.watch)
                except StaleViews:  # a member it relied on changed: look, run again
                    self.auth_cache.catch_up()
                    watch = False  # (caught up first from now on: no second time)
                    continue
                except IntegrityError:
                    if key is not None:  # the same request may have won the race
                        winner = idempotency.recall(UnitOfWork(self), command, key)
                        if winner.result is not None:
                            return winner.result
                    if attempt == attempts:
                        raise self._conflict(uow) from None
                    attempt += 1
                    continue
                after = self.after_save.get(type(command))
                if after is not None:
                    after(self, command, result)
                return result if position is None else result.at(position)

    def append(
        self, aggregates: list[MomentumAggregate], watch: Watch | None = None
    ) -> int | None:
        """Store the new events of `aggregates` in one atomic append; the log
        position of the last one (None: there were none, or the store does not
        number its events). `Application.save` without what Momentum does not use
        (snapshots and the aggregate cache are off, see `_key_ring`) and without
        its per-object protocol checks (isinstance against typing Protocols).
        Commands appending at once in this process share one commit
        (`service.group_commit`); a conflict fails only its own command. With a
        `watch`, nothing is stored if a member view it names changed meanwhile
        (`StaleViews`, see `service.auth_cache`)."""
        events = [event for a in aggregates for event in a.collect_events()]
        if not events:
            return None
        stored = [self.mapper.to_stored_event(event) for event in events]
        ids = self.group_commit.append(stored, watch)
        return max(ids) if ids else None

    def _insert(
        self, events: Sequence[StoredEvent], watch: Watch | None
    ) -> Sequence[int] | None:
        """The group commit's insert: the recorder's, or with a watch the store's
        checked one, whose read of the log then moves the auth cache forward."""
        store = self.auth_cache.watching
        if watch is None or store is None:
            ids: Sequence[int] | None = self.recorder.insert_events(events)
            return ids
        ids, changes = store.insert_watched(events, watch, self.auth_cache.topics)
        self.auth_cache.confirm(watch.position, changes, events, ids)
        return ids

    def _conflict(self, uow: UnitOfWork) -> ConcurrencyConflictError:
        current: int | None = None
        if uow.primary is not None:
            current = self.repository.get(uow.primary.id).version
        return ConcurrencyConflictError(
            "Someone else changed this at the same moment. Reload and try again.",
            current_version=current,
        )

    # Queries -------------------------------------------------------------------

    def email_index_ids(self, email: str) -> list[UUID]:
        """Where `email` may be reserved, newest first: its keyed index, during a
        key rotation the previous secret's, then the unkeyed one of stores written
        before keyed ids (read, never written)."""
        keys = [self.email_index_key, self.previous_email_index_key]
        keyed = [email_index_id(email, key) for key in keys if key is not None]
        return [*keyed, legacy_email_index_id(email)]

    def email_index(self, uow: UnitOfWork, email: str) -> EmailIndex | None:
        """The index that decides whether `email` is taken: the first of
        `email_index_ids` that exists (None: the address was never registered)."""
        for index_id in self.email_index_ids(email):
            index = uow.find(EmailIndex, index_id)
            if index is not None:
                return index
        return None

    def email_holder(self, uow: UnitOfWork, email: str) -> UUID | None:
        """The member `email` is reserved for; None if nobody's: never registered,
        released by an erasure, or held by a member erased before erasures
        released addresses."""
        index = self.email_index(uow, email)
        if index is None or index.member_id is None:
            return None
        member = uow.find(Member, index.member_id)
        return None if member is None or member.erased else index.member_id

    def member_id_for_email(self, email: str) -> UUID | None:
        """The id of the member registered with `email`, if any."""
        try:
            return self.email_holder(UnitOfWork(self), normalise_email(email))
        except ValidationError:
            return None

    def get_member(self, member_id: UUID) -> Member:
        """A member's current state; NotFoundError if absent or erased."""
        try:
            member: object = self.repository.get(member_id)
        except AggregateNotFoundError:
            raise NotFoundError("No such member.") from None
        if not isinstance(member, Member) or member.erased:
            raise NotFoundError("No such member.")
        return member

    def authenticate(self, email: str, password: str) -> UUID:
        """The member's id if the password is right; AuthenticationError otherwise."""
        member_id = self.member_id_for_email(email)
        if member_id is None:
            verify(self.hasher, self._dummy_hash(), password)  # same cost: no oracle
            raise AuthenticationError("Wrong email or password.")
        try:
            member = self.get_member(member_id)
        except NotFoundError:  # erased: answer exactly as for an unknown email
            verify(self.hasher, self._dummy_hash(), password)
            raise AuthenticationError("Wrong email or password.") from None
        if not verify(self.hasher, member.password_hash, password):
            raise AuthenticationError("Wrong email or password.")
        return member_id

    def _dummy_hash(self) -> str:
        if not hasattr(self, "_dummy"):
            self._dummy = self.hasher.hash("momentum-dummy-password")
        return self._dummy

    def member_for_token(self, secret: str) -> UUID:
        """The member a bearer token belongs to; AuthenticationError if the token is
        unknown, expired or revoked, or the account was erased. Answered from the
        process's `auth_cache` (kept current through the log: a revocation or an
        erasure is seen by the next request after it committed, in every process);
        expiry is checked against the clock on every call."""
        from service.domain.token import ApiToken, token_id

        try:
            the_id = token_id(secret)
        except ValueError:
            raise AuthenticationError("Missing, expired or revoked token.") from None

        def load() -> TokenView:
            try:
                token: object = self.repository.get(the_id)
            except (AggregateNotFoundError, ValueError):
                token = None
            if not isinstance(token, ApiToken) or token.revoked:
                raise AuthenticationError("Missing, expired or revoked token.")
            return TokenView(token.member_id, token.expires_at)

        cache = self.auth_cache
        position = cache.catch_up()
        token = cache.token(the_id, load, at=position)
        if not self.clock.now() < token.expires_at:
            raise AuthenticationError("Missing, expired or revoked token.")
        try:
            self.member_view(token.member_id, at=position)
        except NotFoundError:
            raise AuthenticationError("Your account no longer exists.") from None
        return token.member_id

    def watched_member_view(self, member_id: UUID) -> tuple[MemberView, Watch]:
        """`member_view` for a command whose append checks it (`AuthCache.
        watched_member`): as cached, with the `Watch` to append with."""
        return self.auth_cache.watched_member(
            member_id, lambda: MemberView.of(self.get_member(member_id))
        )

    def member_view(self, member_id: UUID, *, at: int | None = None) -> MemberView:
        """What signing in needs of a member (name, email, roles, session
        fingerprint inputs), from the process's `auth_cache`; NotFoundError if
        absent or erased (seen by the next call after the erasure committed).
        `at`: a position the cache just caught up to (see `AuthCache.catch_up`)."""
        return self.auth_cache.member(
            member_id, lambda: MemberView.of(self.get_member(member_id)), at=at
        )

    def events_of(self, aggregate_id: UUID) -> Iterator[MomentumAggregate.Event]:
        """Every stored event of one aggregate, oldest first."""
        return cast(
            Iterator[MomentumAggregate.Event], iter(self.events.get(aggregate_id))
        )

    def history(self, viewer_id: UUID, aggregate_id: UUID) -> list[HistoryEntry]:
        """Every event of an item the viewer may see (version, type, time, ...)."""
        queries.require_visible(self, viewer_id, aggregate_id)
        return [to_history_entry(e) for e in self.events_of(aggregate_id)]

    def as_of(
        self, viewer_id: UUID, aggregate_id: UUID, at: datetime
    ) -> MomentumAggregate:
        """The item's state as it was at time `at` (NotFoundError before it existed)."""
        queries.require_visible(self, viewer_id, aggregate_id)
        version = None
        for e in self.events_of(aggregate_id):
            if e.timestamp > at:
                break
            version = e.originator_version
        if version is None:
            raise NotFoundError("This item did not exist yet at that time.")
        aggregate: object = self.repository.get(aggregate_id, version=version)
        assert isinstance(aggregate, MomentumAggregate)
        return aggregate

    def visible_action(self, viewer_id: UUID, action_id: UUID) -> queries.VisibleAction:
        """An action the viewer may see and its effective visibility (SPEC 9);
        NotFoundError otherwise."""
        return queries.visible_action(self, viewer_id, action_id)

    def own_action(self, member_id: UUID, action_id: UUID) -> Action:
        """The member's own action, not retracted; NotFoundError otherwise."""
        return queries.own_action(self, member_id, action_id)

    def require_visible_item(self, viewer_id: UUID, kind: str, item_id: UUID) -> None:
        """Raise NotFoundError unless the viewer may see this goal, action or review
        (the rule feedback and cheers obey)."""
        queries.require_visible_item(self, viewer_id, kind, item_id)

    def invitation_of(
        self, viewer_id: UUID, group_id: UUID, invitation_id: UUID
    ) -> queries.Invitation:
        """An invitation of a group the viewer facilitates (email, expiry)."""
        return queries.invitation_of(self, viewer_id, group_id, invitation_id)

    def visible_feedback(self, viewer_id: UUID, feedback_id: UUID) -> Feedback:
        """Live feedback on an item the viewer may see; NotFoundError otherwise."""
        return queries.visible_feedback(self, viewer_id, feedback_id)

    def suggestion_for(self, viewer_id: UUID, suggestion_id: UUID) -> Suggestion:
        """A suggestion the viewer made or received; NotFoundError otherwise."""
        return queries.suggestion_for(self, viewer_id, suggestion_id)

    def visible_review(self, viewer_id: UUID, review_id: UUID) -> Review:
        """A review the viewer may see; NotFoundError otherwise."""
        return queries.visible_review(self, viewer_id, review_id)

    def require_role(self, member_id: UUID, role: str) -> None:
        """Raise NotFoundError unless the member holds `role`: to anyone else, what
        the role opens does not exist (SPEC 9: 404, not 403)."""
        if role not in self.get_member(member_id).roles:
            raise NotFoundError("No such page.")


def to_history_entry(event: MomentumAggregate.Event) -> HistoryEntry:
    """Describe one event for people, leaving out private fields."""
    skip = {
        "originator_id",
        "originator_version",
        "timestamp",
        "originator_topic",
        "actor_id",
    }
    data = {
        k: v
        for k, v in vars(event).items()
        if k not in skip and k not in PRIVATE_FIELDS
    }
    return HistoryEntry(
        version=event.originator_version,
        type=type(event).__name__,
        time=event.timestamp,
        actor_id=getattr(event, "actor_id", None),
        data=data,
    )
