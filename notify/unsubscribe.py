"""One-click unsubscribe tokens (RFC 8058): a signed (member, kind) pair.

An email's `List-Unsubscribe` URL carries `unsubscribe_token(...)`; the page at
`/unsubscribe/<token>` reads it back with `read_unsubscribe_token`, which refuses
a token that was changed, signed with another secret, or made for another
purpose. The token is signed, not encrypted: it names the member's id and the
kind, nothing personal. It does not expire (an old email's link keeps working),
and turning a kind off twice is harmless.

Kinds: the three digests (`digest:member`, `digest:mentor`, `digest:group`) and
one per reminder, `reminder:<name>` with the names of SPEC 8's reminders as the
member's preferences spell them (`reminder:review_due`, …).
"""

from __future__ import annotations

from uuid import UUID

from itsdangerous import BadData, URLSafeSerializer

from service.domain.member import REMINDERS
from service.errors import ValidationError

DIGEST_KINDS = ("digest:member", "digest:mentor", "digest:group")
REMINDER_KINDS = tuple(f"reminder:{name}" for name in REMINDERS)
KINDS = DIGEST_KINDS + REMINDER_KINDS
"""Every kind of email a member can turn off with one click."""

_SALT = "momentum/unsubscribe/v1"


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def unsubscribe_token(secret_key: str, member_id: UUID, kind: str) -> str:
    """A URL-safe token that turns `kind` off for `member_id` (no expiry)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown email kind: {kind!r}")
    return str(_serializer(secret_key).dumps([str(member_id), kind]))


def read_unsubscribe_token(secret_key: str, token: str) -> tuple[UUID, str]:
    """The (member id, kind) a token names; ValidationError if it was tampered
    with, signed elsewhere, or names no known kind."""
    try:
        payload = _serializer(secret_key).loads(token)
        member, kind = payload
        member_id = UUID(str(member))
    except (BadData, ValueError, TypeError):
        raise ValidationError("This unsubscribe link is not valid.", "token") from None
    if kind not in KINDS:
        raise ValidationError("This unsubscribe link is not valid.", "token")
    return member_id, str(kind)
