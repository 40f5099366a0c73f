"""Signed tokens (group invitations); expiry is checked by the domain with the clock.

A token that is not ours is a `ValidationError` naming `token`: it is the input the
caller sent, not an item they might or might not be allowed to see.
"""

from __future__ import annotations

from uuid import UUID

from itsdangerous import BadSignature, URLSafeSerializer

from service.errors import ValidationError


class InvitationTokens:
    """Sign and read group invitation tokens with the service's secret key."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt="group-invitation")

    def make(self, group_id: UUID, invitation_id: UUID) -> str:
        """A token naming one invitation of one group."""
        return str(self._serializer.dumps([str(group_id), str(invitation_id)]))

    def read(self, token: str) -> tuple[UUID, UUID]:
        """Return (group id, invitation id); ValidationError (`token`) if the token
        was not signed by us, was altered or is not a token at all."""
        try:
            group_id, invitation_id = self._serializer.loads(token)
            return UUID(group_id), UUID(invitation_id)
        except (BadSignature, ValueError, TypeError):
            raise ValidationError(
                "This invitation link is not valid.", "token"
            ) from None
