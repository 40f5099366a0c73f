"""Group: facilitators, 14-day invitations, joining, leaving and buddy pairs."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from service.domain.group import Group
from service.errors import (
    ConflictError,
    RuleViolationError,
    ValidationError,
)

from .helpers import NOW, recorded, records_nothing

FACILITATOR = uuid4()
BEA, CAL, DEV = uuid4(), uuid4(), uuid4()
EMAILS = {BEA: "bea@example.com", CAL: "cal@example.com", DEV: "dev@example.com"}
FOURTEEN_DAYS = timedelta(days=14)


def group_with(*members: UUID) -> Group:
    """A group created by FACILITATOR that `members` joined through an open link."""
    group = Group.create("Data folk", "Get unstuck together", FACILITATOR)
    link = uuid4()
    group.invite(link, None, NOW, FACILITATOR)
    for member in members:
        group.join(member, EMAILS[member], link, NOW)
    return group


def test_creator_is_the_first_facilitator_and_member() -> None:
    group = Group.create(" Data folk ", "", FACILITATOR)
    assert group.name == "Data folk"
    assert group.facilitators == {FACILITATOR}
    assert group.members == {FACILITATOR}
    (event,) = group.collect_events()
    assert (type(event).__name__, event.actor_id) == ("GroupCreated", FACILITATOR)


def test_group_needs_a_name() -> None:
    with pytest.raises(ValidationError, match="Group name is required") as excinfo:
        Group.create("  ", "purpose", FACILITATOR)
    assert excinfo.value.field == "name"


# Invitations --------------------------------------------------------------------


def test_invitation_lasts_exactly_14_days() -> None:
    group = group_with()
    invitation = uuid4()
    group.invite(invitation, None, NOW, FACILITATOR)
    assert group.invitations[str(invitation)]["expires_at"] == NOW + FOURTEEN_DAYS
    group.join(
        BEA, EMAILS[BEA], invitation, NOW + FOURTEEN_DAYS - timedelta(microseconds=1)
    )
    assert BEA in group.members


@pytest.mark.parametrize(
    "late", [timedelta(0), timedelta(seconds=1), timedelta(days=30)]
)
def test_expired_invitation_cannot_be_used(late: timedelta) -> None:
    group = group_with()
    invitation = uuid4()
    group.invite(invitation, None, NOW, FACILITATOR)
    with records_nothing(group), pytest.raises(ValidationError, match="expired") as e:
        group.join(BEA, EMAILS[BEA], invitation, NOW + FOURTEEN_DAYS + late)
    assert e.value.field == "token"
    assert BEA not in group.members


def test_only_a_facilitator_can_invite() -> None:
    group = group_with(BEA)
    with records_nothing(group), pytest.raises(RuleViolationError, match="facilitator"):
        group.invite(uuid4(), None, NOW, BEA)


def test_email_bound_invitation_is_only_for_that_email() -> None:
    group = group_with()
    invitation = uuid4()
    group.invite(invitation, EMAILS[BEA], NOW, FACILITATOR)
    with (
        records_nothing(group),
        pytest.raises(ValidationError, match="different email") as e,
    ):
        group.join(CAL, EMAILS[CAL], invitation, NOW)
    assert e.value.field == "token"
    group.join(BEA, EMAILS[BEA], invitation, NOW)
    assert group.members == {FACILITATOR, BEA}


def test_unknown_invitation_is_a_validation_error_naming_the_token() -> None:
    group = group_with()
    with (
        records_nothing(group),
        pytest.raises(ValidationError, match="does not exist") as e,
    ):
        group.join(BEA, EMAILS[BEA], uuid4(), NOW)
    assert e.value.field == "token"


def test_member_cannot_join_twice() -> None:
    group = group_with(BEA)
    with records_nothing(group), pytest.raises(ConflictError, match="already a member"):
        group.join(BEA, EMAILS[BEA], UUID(next(iter(group.invitations))), NOW)


def test_joining_is_recorded_with_the_member_as_actor() -> None:
    group = group_with()
    link = UUID(next(iter(group.invitations)))
    group.collect_events()
    group.join(BEA, EMAILS[BEA], link, NOW)
    (event,) = group.collect_events()
    assert (type(event).__name__, event.member_id, event.actor_id) == (
        "MemberJoined",
        BEA,
        BEA,
    )


# Leaving and removal -------------------------------------------------------------


def test_leaving_dissolves_the_buddy_pair() -> None:
    group = group_with(BEA, CAL)
    group.pair_buddies(BEA, CAL, FACILITATOR)
    group.collect_events()
    group.leave(BEA)
    unpaired, left = group.collect_events()
    assert type(unpaired).__name__ == "BuddiesUnpaired"
    assert {unpaired.member_a, unpaired.member_b} == {BEA, CAL}
    assert unpaired.actor_id == BEA
    assert (type(left).__name__, left.member_id) == ("MemberLeft", BEA)
    assert group.buddies == {}
    assert BEA not in group.members


def test_removal_by_a_facilitator_dissolves_the_buddy_pair() -> None:
    group = group_with(BEA, CAL)
    group.pair_buddies(BEA, CAL, FACILITATOR)
    group.collect_events()
    group.remove(CAL, FACILITATOR)
    assert recorded(group) == ["BuddiesUnpaired", "MemberRemoved"]
    assert group.buddies == {}
    assert group.members == {FACILITATOR, BEA}


def test_last_facilitator_cannot_leave_while_others_remain() -> None:
    group = group_with(BEA)
    with (
        records_nothing(group),
        pytest.raises(RuleViolationError, match="last facilitator"),
    ):
        group.leave(FACILITATOR)
    group.add_facilitator(BEA, FACILITATOR)
    group.leave(FACILITATOR)
    assert (group.facilitators, group.members) == ({BEA}, {BEA})


def test_last_facilitator_may_leave_an_otherwise_empty_group() -> None:
    group = group_with()
    group.leave(FACILITATOR)
    assert group.members == set()


def test_last_facilitator_cannot_remove_themselves_while_others_remain() -> None:
    group = group_with(BEA)
    with (
        records_nothing(group),
        pytest.raises(RuleViolationError, match="last facilitator"),
    ):
        group.remove(FACILITATOR, FACILITATOR)


@pytest.mark.parametrize("command", ["leave", "remove"])
def test_non_member_cannot_leave_or_be_removed(command: str) -> None:
    group = group_with(BEA)
    args = (CAL,) if command == "leave" else (CAL, FACILITATOR)
    with (
        records_nothing(group),
        pytest.raises(ValidationError, match="not a member") as e,
    ):
        getattr(group, command)(*args)
    assert e.value.field == "member_id"


# Facilitator-only commands ---------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "args", "doing"),
    [
        ("remove", (CAL,), "remove members"),
        ("add_facilitator", (CAL,), "name facilitators"),
        ("pair_buddies", (CAL, DEV), "pair buddies"),
        ("unpair_buddies", (CAL,), "unpair buddies"),
    ],
)
def test_only_a_facilitator_can_manage_the_group(
    command: str, args: tuple[UUID, ...], doing: str
) -> None:
    group = group_with(BEA, CAL, DEV)
    group.pair_buddies(CAL, DEV, FACILITATOR)
    with (
        records_nothing(group),
        pytest.raises(
            RuleViolationError, match=f"Only a facilitator of this group can {doing}"
        ),
    ):
        getattr(group, command)(*args, BEA)
    assert group.members == {FACILITATOR, BEA, CAL, DEV}
    assert group.facilitators == {FACILITATOR}


def test_co_facilitator_gets_facilitator_powers() -> None:
    group = group_with(BEA, CAL, DEV)
    group.add_facilitator(BEA, FACILITATOR)
    group.pair_buddies(CAL, DEV, BEA)
    group.invite(uuid4(), None, NOW, BEA)
    assert group.facilitators == {FACILITATOR, BEA}
    assert group.buddies == {CAL: DEV, DEV: CAL}


@pytest.mark.parametrize(
    ("member", "error", "fragment"),
    [(CAL, ValidationError, "not a member"), (FACILITATOR, ConflictError, "already")],
)
def test_facilitator_must_be_a_member_and_is_named_once(
    member: UUID, error: type[Exception], fragment: str
) -> None:
    group = group_with(BEA)
    with records_nothing(group), pytest.raises(error, match=fragment):
        group.add_facilitator(member, FACILITATOR)


# Buddies ---------------------------------------------------------------------------


def test_facilitator_pairs_and_unpairs_buddies() -> None:
    group = group_with(BEA, CAL)
    group.pair_buddies(BEA, CAL, FACILITATOR)
    assert group.buddies == {BEA: CAL, CAL: BEA}
    group.unpair_buddies(CAL, FACILITATOR)
    assert group.buddies == {}
    assert recorded(group)[-2:] == ["BuddiesPaired", "BuddiesUnpaired"]


@pytest.mark.parametrize(
    ("a", "b", "error", "fragment"),
    [
        (FACILITATOR, FACILITATOR, ValidationError, "own buddy"),
        (BEA, DEV, ValidationError, "not a member"),
        (DEV, BEA, ValidationError, "not a member"),
        (BEA, FACILITATOR, ConflictError, "already has a buddy"),
        (FACILITATOR, CAL, ConflictError, "already has a buddy"),
    ],
)
def test_bad_buddy_pair_is_rejected(
    a: UUID, b: UUID, error: type[Exception], fragment: str
) -> None:
    group = group_with(BEA, CAL)
    group.pair_buddies(BEA, CAL, FACILITATOR)
    with records_nothing(group), pytest.raises(error, match=fragment):
        group.pair_buddies(a, b, FACILITATOR)
    assert group.buddies == {BEA: CAL, CAL: BEA}


def test_member_without_a_buddy_cannot_be_unpaired() -> None:
    group = group_with(BEA)
    with records_nothing(group), pytest.raises(ValidationError, match="no buddy"):
        group.unpair_buddies(BEA, FACILITATOR)
