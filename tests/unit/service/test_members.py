"""Registration, signing in, passwords and the admin role, through `app.handle`."""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4

import pytest

from service import commands as c
from service.application import MomentumApplication
from service.domain.base import OPERATOR_ID
from service.errors import (
    AuthenticationError,
    EmailTakenError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from tests.conftest import PASSWORD, Register

Position = Callable[[], int | None]


def test_registered_member_signs_in_with_any_case_of_their_email(
    app: MomentumApplication,
) -> None:
    result = app.handle(
        c.RegisterMember("Ann@Example.com", PASSWORD, "Ann", "Europe/Paris")
    )
    assert result.version == 1
    assert app.authenticate("ann@example.com", PASSWORD) == result.id
    assert app.authenticate("ANN@EXAMPLE.COM", PASSWORD) == result.id


def test_email_already_registered_in_another_case_is_taken(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    ann = register("Ann")
    before = position()
    with pytest.raises(EmailTakenError):
        app.handle(
            c.RegisterMember("  ANN@Example.COM ", "another long password", "Ann 2")
        )
    assert position() == before
    assert app.authenticate("ann@example.com", PASSWORD) == ann


def test_password_shorter_than_ten_characters_is_rejected(
    app: MomentumApplication, position: Position
) -> None:
    with pytest.raises(ValidationError) as raised:
        app.handle(c.RegisterMember("ann@example.com", "123456789", "Ann"))
    assert raised.value.field == "password"
    assert position() is None
    with pytest.raises(AuthenticationError):
        app.authenticate("ann@example.com", "123456789")


def test_ten_character_password_is_long_enough(app: MomentumApplication) -> None:
    ann = app.handle(c.RegisterMember("ann@example.com", "0123456789", "Ann")).id
    assert app.authenticate("ann@example.com", "0123456789") == ann


def test_unknown_timezone_is_rejected(app: MomentumApplication) -> None:
    with pytest.raises(ValidationError) as raised:
        app.handle(c.RegisterMember("ann@example.com", PASSWORD, "Ann", "Mars/Olympus"))
    assert raised.value.field == "timezone"


def test_wrong_password_and_unknown_email_are_refused_alike(
    app: MomentumApplication, register: Register
) -> None:
    register("Ann")
    with pytest.raises(AuthenticationError) as wrong_password:
        app.authenticate("ann@example.com", "not the password")
    with pytest.raises(AuthenticationError) as unknown_email:
        app.authenticate("nobody@example.com", PASSWORD)
    assert wrong_password.value.message == unknown_email.value.message


def test_password_hash_never_appears_in_history(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    app.handle(c.ChangePassword(ann, PASSWORD, "a brand new passphrase"))
    entries = app.history(ann, ann)
    assert [e.type for e in entries] == ["Registered", "PasswordChanged"]
    for entry in entries:
        assert "password_hash" not in entry.data
        assert "argon2" not in repr(entry.data)


def test_changed_password_replaces_the_old_one(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    app.handle(c.ChangePassword(ann, PASSWORD, "a brand new passphrase"))
    assert app.authenticate("ann@example.com", "a brand new passphrase") == ann
    with pytest.raises(AuthenticationError):
        app.authenticate("ann@example.com", PASSWORD)


def test_changing_password_needs_the_current_one(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    ann = register("Ann")
    before = position()
    with pytest.raises(AuthenticationError):
        app.handle(c.ChangePassword(ann, "a wrong guess!", "a brand new passphrase"))
    assert position() == before
    assert app.authenticate("ann@example.com", PASSWORD) == ann


def test_new_password_must_be_long_enough(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    with pytest.raises(ValidationError) as raised:
        app.handle(c.ChangePassword(ann, PASSWORD, "short"))
    assert raised.value.field == "new_password"


def test_members_own_history_is_hidden_from_others(
    app: MomentumApplication, register: Register
) -> None:
    ann, bob = register("Ann"), register("Bob")
    with pytest.raises(NotFoundError):
        app.history(bob, ann)


def test_operator_grants_admin_by_email(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    result = app.handle(c.GrantRole(actor_id=None, email="ANN@example.com"))
    assert result.id == ann
    granted = app.history(ann, ann)[-1]
    assert granted.type == "RoleGranted"
    assert granted.actor_id == OPERATOR_ID
    assert granted.data["role"] == "admin"


def test_member_who_is_not_admin_cannot_grant_roles(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    register("Carl")
    bob = register("Bob")
    before = position()
    with pytest.raises(PermissionDeniedError):
        app.handle(c.GrantRole(actor_id=bob, email="bob@example.com"))
    with pytest.raises(PermissionDeniedError):
        app.handle(c.GrantRole(actor_id=bob, email="carl@example.com"))
    assert position() == before


def test_admin_can_grant_admin_to_another_member(
    app: MomentumApplication, register: Register
) -> None:
    ann, bob = register("Ann"), register("Bob")
    carl = register("Carl")
    app.handle(c.GrantRole(actor_id=None, email="ann@example.com"))
    app.handle(c.GrantRole(actor_id=ann, email="bob@example.com"))
    assert app.history(bob, bob)[-1].actor_id == ann
    app.handle(c.GrantRole(actor_id=bob, email="carl@example.com"))  # bob is admin now
    assert "admin" in app.get_member(carl).roles
    assert app.history(carl, carl)[-1].actor_id == bob


def test_revoked_admin_can_no_longer_grant(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    register("Bob")
    app.handle(c.GrantRole(actor_id=None, email="ann@example.com"))
    app.handle(c.RevokeRole(actor_id=None, email="ann@example.com"))
    with pytest.raises(PermissionDeniedError):
        app.handle(c.GrantRole(actor_id=ann, email="bob@example.com"))


def test_only_a_member_holding_a_role_passes_require_role(
    app: MomentumApplication, register: Register
) -> None:
    ann, bob = register("Ann"), register("Bob")
    app.handle(c.GrantRole(actor_id=None, email="ann@example.com"))
    app.require_role(ann, "admin")
    for member in (bob, uuid4()):  # no role, no member: not found either way
        with pytest.raises(NotFoundError):
            app.require_role(member, "admin")
    app.handle(c.RevokeRole(actor_id=None, email="ann@example.com"))
    with pytest.raises(NotFoundError):
        app.require_role(ann, "admin")


def test_granting_a_role_to_an_unknown_email_is_not_found(
    app: MomentumApplication,
) -> None:
    with pytest.raises(NotFoundError):
        app.handle(c.GrantRole(actor_id=None, email="nobody@example.com"))


def test_malformed_email_is_refused_like_a_wrong_password(
    app: MomentumApplication,
) -> None:
    with pytest.raises(AuthenticationError):
        app.authenticate("not an email", PASSWORD)


def test_command_from_an_unknown_account_is_refused(app: MomentumApplication) -> None:
    with pytest.raises(AuthenticationError):
        app.handle(c.LogAction(uuid4(), "learning", "Read a chapter"))


def test_marking_notifications_read_below_zero_is_a_validation_error(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    ann = register("Ann")
    before = position()
    with pytest.raises(ValidationError) as raised:
        app.handle(c.MarkNotificationsRead(ann, -1))
    assert raised.value.field == "up_to"
    assert position() == before


def test_marking_notifications_read_beyond_the_newest_event_is_refused(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    ann = register("Ann")
    before = position()
    assert before is not None
    with pytest.raises(ValidationError):
        app.handle(c.MarkNotificationsRead(ann, before + 1000))
    assert position() == before


def test_a_read_mark_only_rises(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    ann = register("Ann")
    register("Bob")
    register("Cal")
    marked = app.handle(c.MarkNotificationsRead(ann, 4))
    assert app.history(ann, ann)[-1].type == "NotificationsRead"
    assert app.history(ann, ann)[-1].data["up_to"] == 4
    before = position()
    for lower in (4, 2, 0):
        again = app.handle(c.MarkNotificationsRead(ann, lower))
        assert again.version == marked.version
    assert position() == before
    app.handle(c.MarkNotificationsRead(ann, 6))
    assert app.history(ann, ann)[-1].data["up_to"] == 6


def test_marking_read_without_a_position_marks_up_to_the_newest_event(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    ann = register("Ann")
    register("Bob")
    head = position()
    first = app.handle(c.MarkNotificationsRead(ann), idempotency_key="all")
    assert app.history(ann, ann)[-1].data["up_to"] == head
    register("Cal")  # news after the first request: a retry still replays it
    before = position()
    again = app.handle(c.MarkNotificationsRead(ann), idempotency_key="all")
    assert (again.id, again.version) == (first.id, first.version)
    assert position() == before
    assert app.get_member(ann).notifications_read_up_to == head
