"""Password-guessing throttle (SPEC 9, after OWASP's authentication guidance), shared
by the sign-in page, `POST /api/v1/auth/tokens` and the forms that check a current
password (password change and account deletion, on pages and in the API).

Failed password checks are counted in a sliding window (`WINDOW`, 15 minutes) in the
read-model database, so every worker sees the same numbers, under three keys:

- **account and client address**: after `PAIR_LIMIT` (5) failures, that address gets
  no more answers for that account (429 with `Retry-After`) until the oldest failure
  leaves the window;
- **client address**: after `ADDRESS_LIMIT` (30) failures for any accounts, likewise;
- **account alone**: never a hard lock, which would let anyone lock anyone out. After
  `ACCOUNT_FREE` (5) failures from anywhere, an attempt from an address the account
  has not signed in from must come a growing delay after the account's latest
  failure — 2 s, then 4, 8, … at most `MAX_DELAY` (2 minutes) — or it is refused
  (429 with `Retry-After`); once waited, the password is checked as usual, so the
  right one gets in. Addresses where the account signed in within `KNOWN_FOR` (30
  days) are *known* and skip this delay: spraying one account from many addresses
  gets one guess per delay, and the owner, from their usual address, is not held
  back by it.

A refused attempt checks no password (guessing gets no answers) and counts nothing.
An attempt is counted before its password is checked, and withdrawn if the password
was right, so parallel requests cannot slip past a limit together. A success clears
the failures of its account and address, and makes the address known to the
account. Emails and addresses are stored only as HMACs under the secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import Connection, Engine

from projections import sign_in_failures as store
from service.clock import Clock
from service.errors import AuthenticationError, TooManyAttemptsError
from system import System

WINDOW = timedelta(minutes=15)
PAIR_LIMIT = 5
ADDRESS_LIMIT = 30
ACCOUNT_FREE = 5
FIRST_DELAY = 2
"""Seconds an unknown address waits after the account's `ACCOUNT_FREE`th failure."""
MAX_DELAY = 120
KNOWN_FOR = timedelta(days=30)
TOO_MANY = "Too many failed sign-ins. Wait a few minutes and try again."


def account_delay(failures: int) -> int:
    """Seconds an attempt from an unknown address must come after the account's
    latest failure, when the account has `failures` in the window."""
    if failures < ACCOUNT_FREE:
        return 0
    return min(MAX_DELAY, FIRST_DELAY << min(failures - ACCOUNT_FREE, 16))


@dataclass(frozen=True)
class _Keys:
    account: str
    address: str
    pair: str
    known: str

    def counted(self) -> list[tuple[str, str]]:
        return [
            ("account", self.account),
            ("address", self.address),
            ("pair", self.pair),
        ]


class Attempt:
    """One password check under way (see `SignInThrottle.attempt`)."""

    def __init__(self) -> None:
        self.checked = True

    def inconclusive(self) -> None:
        """The block ended without the password being shown right (e.g. the form was
        refused before it was checked): count neither a failure nor a success."""
        self.checked = False


class SignInThrottle:
    """Counts failed password checks and refuses attempts over the limits."""

    def __init__(self, engine: Engine, clock: Clock, secret_key: str) -> None:
        self.engine = engine
        self.clock = clock
        self._secret = secret_key.encode()

    def _key(self, scope: str, *values: str) -> str:
        message = json.dumps([scope, *(v.strip().lower() for v in values)])
        return hmac.new(self._secret, message.encode(), hashlib.sha256).hexdigest()

    def _keys(self, email: str, address: str) -> _Keys:
        return _Keys(
            account=self._key("account", email),
            address=self._key("address", address),
            pair=self._key("pair", email, address),
            known=self._key("known", email, address),
        )

    def _check(self, conn: Connection, keys: _Keys, now: datetime) -> None:
        """Raise TooManyAttemptsError if a limit or the account's delay says wait."""
        start = now - WINDOW
        for scope, key, limit in (
            ("pair", keys.pair, PAIR_LIMIT),
            ("address", keys.address, ADDRESS_LIMIT),
        ):
            recent = store.since(conn, scope, key, start)
            if len(recent) >= limit:
                raise TooManyAttemptsError(
                    TOO_MANY, _seconds_until(recent[-limit] + WINDOW, now)
                )
        if store.is_known(conn, keys.known, now - KNOWN_FOR):
            return
        recent = store.since(conn, "account", keys.account, start)
        wait = account_delay(len(recent))
        if wait and now < recent[-1] + timedelta(seconds=wait):
            until = recent[-1] + timedelta(seconds=wait)
            raise TooManyAttemptsError(
                "Too many failed sign-ins for this account: wait a moment and "
                "try again.",
                _seconds_until(until, now),
            )

    @contextmanager
    def attempt(self, email: str, address: str) -> Iterator[Attempt]:
        """One password check for `email` from `address`: refused over the limits
        (TooManyAttemptsError, nothing checked), counted as a failure when the block
        raises AuthenticationError, a success when it returns (unless it called
        `inconclusive()`); any other error counts nothing."""
        now = self.clock.now()
        keys = self._keys(email, address)
        with self.engine.begin() as conn:
            store.forget_before(conn, now - WINDOW)
            self._check(conn, keys, now)
            ids = [store.record(conn, scope, key, now) for scope, key in keys.counted()]
        attempt = Attempt()
        try:
            yield attempt
        except AuthenticationError:
            raise
        except BaseException:
            self._withdraw(ids)  # not a password failure
            raise
        if not attempt.checked:
            self._withdraw(ids)
            return
        with self.engine.begin() as conn:
            store.withdraw(conn, ids)
            store.clear(conn, "pair", keys.pair)
            store.forget_known_before(conn, now - KNOWN_FOR)
            store.remember_known(conn, keys.known, now)

    def _withdraw(self, ids: list[int]) -> None:
        with self.engine.begin() as conn:
            store.withdraw(conn, ids)


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def init_app(app: Flask, system: System) -> None:
    """One throttle per app, over the system's read-model database."""
    settings = system.settings
    app.extensions["momentum_throttle"] = SignInThrottle(
        system.engine, system.app.clock, settings.secret_key
    )


def current_throttle() -> SignInThrottle:
    """The throttle of the current request's app."""
    found: SignInThrottle = current_app.extensions["momentum_throttle"]
    return found
