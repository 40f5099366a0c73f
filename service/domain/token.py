"""ApiToken: a bearer token for the JSON API, stored only as a hash.

The token's id is derived from the SHA-256 of its secret, so a request's token is
found with one lookup and the secret itself is never stored. Tokens expire after 30
days and can be revoked.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import event

from service.domain.base import MomentumAggregate, derived_id

LIFETIME = timedelta(days=30)


def token_id(secret: str) -> UUID:
    """The id of the token with this secret (from its hash)."""
    return derived_id("api-token", hashlib.sha256(secret.encode()).hexdigest())


class ApiToken(MomentumAggregate):
    """A bearer token of one member."""

    class TokenIssued(MomentumAggregate.Created):
        """An API token was issued to a member, valid until `expires_at`."""

        member_id: UUID
        expires_at: datetime
        actor_id: UUID

    @event(TokenIssued)
    def __init__(
        self, id: UUID, member_id: UUID, expires_at: datetime, actor_id: UUID
    ) -> None:
        self.member_id = member_id
        self.expires_at = expires_at
        self.revoked = False

    def is_valid_at(self, now: datetime) -> bool:
        """Not revoked and not expired."""
        return not self.revoked and now < self.expires_at

    def revoke(self, actor_id: UUID) -> None:
        """Revoke the token (revoking twice records nothing)."""
        if not self.revoked:
            self._revoked(actor_id=actor_id)

    class TokenRevoked(MomentumAggregate.Event):
        """The token was revoked."""

        actor_id: UUID

    @event(TokenRevoked)
    def _revoked(self, actor_id: UUID) -> None:
        self.revoked = True
