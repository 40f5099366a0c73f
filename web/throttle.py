"""Sign-in throttling per account and per client address (placeholder: see issue 5).

`sign_in_attempt(email, address)` wraps one password check: it refuses (429) when
too many recent attempts failed and records the outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def sign_in_attempt(email: str, address: str) -> Iterator[None]:
    """One password check for `email` from `address`."""
    del email, address
    yield
