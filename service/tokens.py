"""Signed tokens (group invitations); expiry is checked by the domain with the clock."""

from __future__ import annotations

from uuid import UUID

from itsdangerous import BadSignature, URLSafeSerializer

from service.errors import NotFoundError


class InvitationTokens:
    """Sign and read group invitation tokens with the service's secret key."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt="group-invitation")

    def make(self, group_id: UUID, invitation_id: UUID) -> str:
        """A token naming one invitation of one group."""
        return str(self._serializer.dumps([str(group_id), str(invitation_id)]))

    def read(self, token: str) -> tuple[UUID, UUID]:
        """Return (group id, invitation id), or raise if the token was not ours."""
        try:
            group_id, invitation_id = self._serializer.loads(token)
            return UUID(group_id), UUID(invitation_id)
        except (BadSignature, ValueError, TypeError):
            raise NotFoundError("This invitation link is not valid.") from None
