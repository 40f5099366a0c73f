"""Peer groups: signed invitations that expire, facilitators' powers, buddies."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID, uuid4

import pytest

from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.domain.group import Group
from service.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    ValidationError,
)
from tests.conftest import Register
from tests.unit.service.conftest import state_of

GroupOf = Callable[..., UUID]
Position = Callable[[], int | None]
NOT_ALLOWED = (PermissionDeniedError, RuleViolationError)


def _invite(
    app: MomentumApplication, by: UUID, group: UUID, email: str | None = None
) -> str:
    token = app.handle(c.InviteToGroup(by, group, email)).extra["token"]
    assert isinstance(token, str)
    return token


def _types(app: MomentumApplication, viewer: UUID, group: UUID) -> list[str]:
    return [e.type for e in app.history(viewer, group)]


def _group(app: MomentumApplication, viewer: UUID, group: UUID) -> Group:
    """The group as `viewer`, one of its members, sees it now."""
    return state_of(app, viewer, group, Group)


def test_member_joins_with_the_invitation_link(
    app: MomentumApplication, register: Register
) -> None:
    fay, bob = register("Fay"), register("Bob")
    group = app.handle(c.CreateGroup(fay, "Back to tech", "Weekly check-ins")).id
    with pytest.raises(NotFoundError):
        app.history(bob, group)
    app.handle(c.JoinGroup(bob, _invite(app, fay, group)))
    assert _types(app, bob, group) == ["GroupCreated", "MemberInvited", "MemberJoined"]


def test_tampered_token_is_a_validation_error_naming_the_token(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    fay, bob = register("Fay"), register("Bob")
    group = app.handle(c.CreateGroup(fay, "Back to tech")).id
    token = _invite(app, fay, group)
    payload, signature = token.rsplit(".", 1)
    other_group = app.handle(c.CreateGroup(bob, "Bob's own group")).id
    other_payload = _invite(app, bob, other_group).rsplit(".", 1)[0]
    before = position()
    for forged in (
        f"{payload}.{signature[::-1]}",  # signature altered
        f"{other_payload}.{signature}",  # payload swapped under a valid signature
        "not-a-token",
        app.invitations.make(uuid4(), uuid4()),  # ours, but of no group
    ):
        with pytest.raises(ValidationError) as raised:
            app.handle(c.JoinGroup(bob, forged))
        assert raised.value.field == "token"
    assert position() == before


def test_invitation_expires_after_fourteen_days(
    app: MomentumApplication, clock: FixedClock, register: Register
) -> None:
    fay, bob, cat = register("Fay"), register("Bob"), register("Cat")
    group = app.handle(c.CreateGroup(fay, "Back to tech")).id
    token = _invite(app, fay, group)
    clock.advance(days=13, hours=23, minutes=59)
    app.handle(c.JoinGroup(bob, token))
    clock.advance(minutes=1)
    with pytest.raises(ValidationError, match="expired") as raised:
        app.handle(c.JoinGroup(cat, token))
    assert raised.value.field == "token"
    app.handle(c.JoinGroup(cat, _invite(app, fay, group)))  # a fresh one works
    assert _group(app, cat, group).members == {fay, bob, cat}


def test_invitation_for_one_email_is_refused_to_anyone_else(
    app: MomentumApplication, register: Register, position: Position
) -> None:
    fay, bob, cat = register("Fay"), register("Bob"), register("Cat")
    group = app.handle(c.CreateGroup(fay, "Back to tech")).id
    token = _invite(app, fay, group, "Bob@Example.com")
    before = position()
    with pytest.raises(ValidationError, match="different email") as raised:
        app.handle(c.JoinGroup(cat, token))
    assert raised.value.field == "token"
    assert position() == before
    app.handle(c.JoinGroup(bob, token))
    assert _group(app, bob, group).members == {fay, bob}


def test_joining_twice_is_a_conflict(
    app: MomentumApplication, register: Register, group_of: GroupOf
) -> None:
    fay, bob = register("Fay"), register("Bob")
    group = group_of(fay, bob)
    with pytest.raises(ConflictError):
        app.handle(c.JoinGroup(bob, _invite(app, fay, group)))


def test_only_facilitators_invite(
    app: MomentumApplication, register: Register, group_of: GroupOf, position: Position
) -> None:
    fay, bob, eve = register("Fay"), register("Bob"), register("Eve")
    group = group_of(fay, bob)
    before = position()
    with pytest.raises(NOT_ALLOWED):
        app.handle(c.InviteToGroup(bob, group))
    with pytest.raises(NotFoundError):  # outsiders do not even learn it exists
        app.handle(c.InviteToGroup(eve, group))
    assert position() == before


def test_only_facilitators_pair_buddies(
    app: MomentumApplication, register: Register, group_of: GroupOf, position: Position
) -> None:
    fay, bob, cat, eve = (
        register("Fay"),
        register("Bob"),
        register("Cat"),
        register("Eve"),
    )
    group = group_of(fay, bob, cat)
    before = position()
    with pytest.raises(NOT_ALLOWED):
        app.handle(c.PairBuddies(bob, group, bob, cat))
    with pytest.raises(NotFoundError):
        app.handle(c.PairBuddies(eve, group, bob, cat))
    assert position() == before
    app.handle(c.PairBuddies(fay, group, bob, cat))
    assert _types(app, bob, group)[-1] == "BuddiesPaired"


def test_only_facilitators_remove_members(
    app: MomentumApplication, register: Register, group_of: GroupOf, position: Position
) -> None:
    fay, bob, cat = register("Fay"), register("Bob"), register("Cat")
    group = group_of(fay, bob, cat)
    before = position()
    with pytest.raises(NOT_ALLOWED):
        app.handle(c.RemoveFromGroup(bob, group, cat))
    assert position() == before
    app.handle(c.RemoveFromGroup(fay, group, cat))
    with pytest.raises(NotFoundError):
        app.history(cat, group)


def test_co_facilitator_can_invite_and_pair(
    app: MomentumApplication, register: Register, group_of: GroupOf
) -> None:
    fay, bob, cat, dan = (
        register("Fay"),
        register("Bob"),
        register("Cat"),
        register("Dan"),
    )
    group = group_of(fay, bob, cat)
    app.handle(c.AddFacilitator(fay, group, bob))
    app.handle(c.JoinGroup(dan, _invite(app, bob, group)))
    app.handle(c.PairBuddies(bob, group, cat, dan))
    seen = _group(app, dan, group)
    assert seen.facilitators == {fay, bob}
    assert seen.members == {fay, bob, cat, dan}
    assert seen.buddies == {cat: dan, dan: cat}
    paired = app.history(cat, group)[-1]
    assert (paired.type, paired.actor_id) == ("BuddiesPaired", bob)


@pytest.mark.parametrize("how", ["leaves", "is removed"])
def test_buddy_pair_dissolves_when_one_of_them_goes(
    app: MomentumApplication, register: Register, group_of: GroupOf, how: str
) -> None:
    fay, bob, cat, dan = (
        register("Fay"),
        register("Bob"),
        register("Cat"),
        register("Dan"),
    )
    group = group_of(fay, bob, cat, dan)
    app.handle(c.PairBuddies(fay, group, bob, cat))
    with pytest.raises(ConflictError):
        app.handle(c.PairBuddies(fay, group, bob, dan))  # bob already has a buddy
    if how == "leaves":
        app.handle(c.LeaveGroup(cat, group))
    else:
        app.handle(c.RemoveFromGroup(fay, group, cat))
    assert "BuddiesUnpaired" in _types(app, bob, group)[-2:]
    assert _group(app, bob, group).buddies == {}
    app.handle(c.PairBuddies(fay, group, bob, dan))  # bob is free again
    assert _group(app, bob, group).buddies == {bob: dan, dan: bob}


def test_last_facilitator_cannot_leave_while_others_remain(
    app: MomentumApplication, register: Register, group_of: GroupOf
) -> None:
    fay, bob = register("Fay"), register("Bob")
    group = group_of(fay, bob)
    with pytest.raises(RuleViolationError):
        app.handle(c.LeaveGroup(fay, group))
    app.handle(c.AddFacilitator(fay, group, bob))
    app.handle(c.LeaveGroup(fay, group))
    with pytest.raises(NotFoundError):
        app.history(fay, group)


def test_former_member_can_no_longer_act_in_the_group(
    app: MomentumApplication, register: Register, group_of: GroupOf
) -> None:
    fay, bob = register("Fay"), register("Bob")
    group = group_of(fay, bob)
    app.handle(c.LeaveGroup(bob, group))
    with pytest.raises(NotFoundError):
        app.handle(c.LeaveGroup(bob, group))
