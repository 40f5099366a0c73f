"""The unit of work of one command: the aggregates it loads and the ones it creates.

Everything it touched is saved in one atomic append by the application, together
with the idempotency record when there is one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from argon2 import PasswordHasher
from eventsourcing.application import AggregateNotFoundError

from service.auth_cache import MemberView, Watch
from service.clock import Clock, local_date
from service.commands import Command, Result
from service.domain.base import MomentumAggregate
from service.domain.member import EmailIndex, Member
from service.errors import AuthenticationError, ConcurrencyConflictError, NotFoundError
from service.keys import KeyRing
from service.tokens import InvitationTokens


class Services(Protocol):
    """What handlers and queries use of the application (`MomentumApplication`
    provides it); named here so that this module needs nothing above it."""

    clock: Clock
    hasher: PasswordHasher
    invitations: InvitationTokens
    keys: KeyRing
    email_index_key: bytes

    @property
    def repository(self) -> Any:
        """The event-sourced repository (`get(id, version=None)`)."""

    @property
    def recorder(self) -> Any:
        """The event store's recorder."""

    @property
    def mapper(self) -> Any:
        """The mapper between stored and domain events."""

    def email_index(self, uow: UnitOfWork, email: str) -> EmailIndex | None:
        """The index that decides whether `email` is taken."""

    def email_holder(self, uow: UnitOfWork, email: str) -> UUID | None:
        """The member `email` is reserved for, if any."""

    def authenticate(self, email: str, password: str) -> UUID:
        """The member's id if the password is right."""

    def member_view(self, member_id: UUID, *, at: int | None = None) -> MemberView:
        """What a check needs of a member, kept current through the log
        (NotFoundError if absent or erased)."""

    def watched_member_view(self, member_id: UUID) -> tuple[MemberView, Watch]:
        """`member_view` as cached, and the `Watch` the append must check."""


A = TypeVar("A", bound=MomentumAggregate)


Own = TypeVar("Own", bound=MomentumAggregate)


class UnitOfWork:
    """Loads aggregates once per command and collects what must be saved."""

    def __init__(self, app: Services, *, watch: bool = False) -> None:
        self.app = app
        self.now: datetime = app.clock.now()
        self._touched: dict[UUID, MomentumAggregate] = {}
        self.primary: MomentumAggregate | None = None
        self._watching = watch
        self.watch: Watch | None = None
        """The cached member views this command relied on, checked by its append
        (with `watch=True`: the store checks them, see `service.auth_cache`)."""

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate of type `cls` with that id, or None."""
        if aggregate_id in self._touched:
            found = self._touched[aggregate_id]
        else:
            try:
                found = self.app.repository.get(aggregate_id)
            except AggregateNotFoundError:
                return None
        if not isinstance(found, cls):
            return None
        self._touched[aggregate_id] = found
        return found

    def get(self, cls: type[A], aggregate_id: UUID, what: str = "item") -> A:
        """The aggregate, or NotFoundError naming `what`."""
        found = self.find(cls, aggregate_id)
        if found is None:
            raise NotFoundError(f"No such {what}.")
        return found

    def own(
        self,
        cls: type[Own],
        aggregate_id: UUID,
        actor_id: UUID,
        expected_version: int | None,
        what: str,
    ) -> Own:
        """The acting member's own item of type `cls`, at `expected_version` if one
        is given (If-Match); anyone else's is reported as not found (SPEC 9)."""
        self.actor_view(actor_id)
        found = self.find(cls, aggregate_id)
        if found is None or getattr(found, "owner_id", None) != actor_id:
            raise NotFoundError(f"No such {what}.")
        self.check_version(found, expected_version)
        return found

    def add(self, *aggregates: MomentumAggregate) -> None:
        """Save these new aggregates with the rest."""
        for aggregate in aggregates:
            self._touched[aggregate.id] = aggregate

    def actor(self, actor_id: UUID) -> Member:
        """The acting member; raises if the account does not exist or was erased."""
        member = self.find(Member, actor_id)
        if member is None or member.erased:
            raise AuthenticationError("Your account no longer exists.")
        return member

    def actor_view(self, actor_id: UUID) -> Member | MemberView:
        """The acting member for a command that only checks them (exists, not
        erased, timezone) and changes nothing of theirs: the member loaded in this
        unit of work, else the process's member view, without replaying and
        decrypting their events — as cached, checked by the append (`watch`), or
        caught up with the log first, as fresh as a load.
        A handler that changes the member uses `actor`."""
        loaded = self._touched.get(actor_id)
        if loaded is not None and isinstance(loaded, Member):
            return self.actor(actor_id)
        try:
            if not self._watching:
                return self.app.member_view(actor_id)
            view, watch = self.app.watched_member_view(actor_id)
        except NotFoundError:
            raise AuthenticationError("Your account no longer exists.") from None
        self.watch = watch if self.watch is None else self.watch | watch
        return view

    def today(self, member: Member | MemberView) -> date:
        """Today's date in the member's own timezone."""
        return local_date(self.now, member.timezone)

    def check_version(self, aggregate: MomentumAggregate, expected: int | None) -> None:
        """Raise a conflict if the caller saw a different version (If-Match)."""
        self.primary = aggregate
        if expected is not None and aggregate.version != expected:
            raise ConcurrencyConflictError(
                f"This was changed meanwhile: you edited version {expected}, "
                f"it is now at version {aggregate.version}. Reload and try again.",
                current_version=aggregate.version,
            )

    def touched(self) -> list[MomentumAggregate]:
        """The aggregates loaded or added that have new events to save."""
        return [a for a in self._touched.values() if a.pending_events]


Handler = Callable[[UnitOfWork, Any], Result]
"""Runs one command in a unit of work: loads, checks, changes aggregates."""
Handlers = Mapping[type[Command], Handler]
