"""API bearer tokens: issued for the right password, stored hashed, expire, revoke."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.domain.token import token_id
from service.errors import AuthenticationError, NotFoundError
from service.inspect import all_events
from tests.conftest import PASSWORD, Register


def test_a_token_names_its_member_until_it_expires_after_30_days(
    app: MomentumApplication, register: Register, clock: FixedClock
) -> None:
    ann = register("Ann")
    issued = app.handle(c.IssueToken("ANN@example.com", PASSWORD))
    secret = issued.extra["token"]
    assert issued.extra["expires_at"] == clock.now() + timedelta(days=30)
    assert app.member_for_token(secret) == ann
    clock.advance(days=29, hours=23)
    assert app.member_for_token(secret) == ann
    clock.advance(hours=1)
    with pytest.raises(AuthenticationError):
        app.member_for_token(secret)


def test_the_secret_is_never_stored_only_its_hash_derived_id(
    app: MomentumApplication, register: Register
) -> None:
    register("Ann")
    secret = app.handle(c.IssueToken("ann@example.com", PASSWORD)).extra["token"]
    stored = [repr(vars(e)) for e in all_events(app)]
    assert not any(secret in text for text in stored)
    assert any(e.originator_id == token_id(secret) for e in all_events(app))


def test_wrong_password_unknown_token_and_revoked_token_are_refused(
    app: MomentumApplication, register: Register
) -> None:
    ann, bob = register("Ann"), register("Bob")
    with pytest.raises(AuthenticationError):
        app.handle(c.IssueToken("ann@example.com", "not the password"))
    with pytest.raises(AuthenticationError):
        app.member_for_token("made-up")
    issued = app.handle(c.IssueToken("ann@example.com", PASSWORD))
    with pytest.raises(NotFoundError):  # Bob cannot revoke Ann's token
        app.handle(c.RevokeToken(bob, issued.id))
    assert app.member_for_token(issued.extra["token"]) == ann
    app.handle(c.RevokeToken(ann, issued.id))
    with pytest.raises(AuthenticationError):
        app.member_for_token(issued.extra["token"])
