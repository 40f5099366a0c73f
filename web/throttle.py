"""Sign-in throttling per account and per client address (SPEC 9), shared by the
sign-in page and `POST /api/v1/auth/tokens`.

Failures are counted in a sliding window in the read-model database, so every
worker sees the same numbers: after `ACCOUNT_LIMIT` failures for one email, or
`ADDRESS_LIMIT` from one address, further attempts are refused (429 with
`Retry-After`) until the oldest failure leaves the window — without even checking
the password, so guessing gets no answers. A success clears the account's count.
Emails and addresses are stored only as HMACs under the secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Engine

from projections import sign_in_failures as store
from service.clock import Clock
from service.errors import AuthenticationError, TooManyAttemptsError

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 30


class SignInThrottle:
    """Counts failed sign-ins and refuses attempts over the limits."""

    def __init__(self, engine: Engine, clock: Clock, secret_key: str) -> None:
        self.engine = engine
        self.clock = clock
        self._secret = secret_key.encode()

    def _key(self, scope: str, value: str) -> str:
        message = f"{scope}:{value.strip().lower()}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def _scopes(self, email: str, address: str) -> list[tuple[str, str, int]]:
        return [
            ("account", self._key("account", email), ACCOUNT_LIMIT),
            ("address", self._key("address", address), ADDRESS_LIMIT),
        ]

    def check(self, email: str, address: str) -> None:
        """Raise TooManyAttemptsError if either limit is reached."""
        now = self.clock.now()
        with self.engine.connect() as conn:
            for scope, key, limit in self._scopes(email, address):
                recent = store.since(conn, scope, key, now - WINDOW)
                if len(recent) >= limit:
                    raise TooManyAttemptsError(
                        "Too many failed sign-ins. Wait a few minutes and try again.",
                        retry_after=_seconds_until(recent[-limit] + WINDOW, now),
                    )

    def failed(self, email: str, address: str) -> None:
        """Count one failure for the account and the address."""
        now = self.clock.now()
        with self.engine.begin() as conn:
            store.forget_before(conn, now - WINDOW)
            for scope, key, _ in self._scopes(email, address):
                store.record(conn, scope, key, now)

    def succeeded(self, email: str) -> None:
        """Forget the account's failures."""
        with self.engine.begin() as conn:
            store.clear(conn, "account", self._key("account", email))

    @contextmanager
    def attempt(self, email: str, address: str) -> Iterator[None]:
        """One password check for `email` from `address`: refused over the limits,
        counted when it raises AuthenticationError, clearing the count otherwise."""
        self.check(email, address)
        try:
            yield
        except AuthenticationError:
            self.failed(email, address)
            raise
        self.succeeded(email)


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))
