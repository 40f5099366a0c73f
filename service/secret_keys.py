"""Keys derived from the server secret (MOMENTUM_SECRET_KEY), one per purpose.

`derive_key(secret, purpose)` is HMAC-SHA256 keyed with the secret over
`momentum/<purpose>`: each use gets its own key, and knowing one derived key
tells nothing about the secret or the others.

A purpose whose derived values are *stored* (the email index: its aggregate ids
are HMACs under `EMAIL_INDEX`) ties the store to the secret: rotating the secret
must keep deriving that purpose's key from the secret in force when the values
were written (or re-key them), or every stored value stops matching. The email
index reads through a list of candidate ids, newest key first, so a rotation can
add the previous secret's key there (see `MomentumApplication.email_index_ids`).
The member keys are wrapped under `MEMBER_KEYS`; `momentum keys rotate`
(`system.rotation`) re-wraps them and re-keys the email index.
"""

from __future__ import annotations

import hashlib
import hmac

EMAIL_INDEX = "email-index/v1"
"""Ids of the index aggregates that reserve email addresses."""

MEMBER_KEYS = "member-keys/v1"
"""The key-encryption key wrapping every member's content key (`service.keys`)."""

CALENDAR_FEED = "calendar-feed/v1"
"""Secret calendar feed URLs (not stored: a rotated secret gives new URLs)."""


def derive_key(secret: str, purpose: str) -> bytes:
    """A 32-byte key for `purpose`, derived from the server secret."""
    message = f"momentum/{purpose}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()
