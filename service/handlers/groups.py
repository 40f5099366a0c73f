"""Handlers for peer groups: membership, invitations, buddies, facilitators."""

from __future__ import annotations

from uuid import UUID, uuid4

from service import commands as c
from service.commands import Result
from service.domain.group import Group, GroupMembershipIndex, membership_index_id
from service.domain.member import normalise_email
from service.errors import NotFoundError, ValidationError
from service.uow import Handlers, UnitOfWork


def _index(uow: UnitOfWork, member_id: UUID, actor_id: UUID) -> GroupMembershipIndex:
    index = uow.find(GroupMembershipIndex, membership_index_id(member_id))
    if index is None:
        index = GroupMembershipIndex(
            id=membership_index_id(member_id), member_id=member_id, actor_id=actor_id
        )
        uow.add(index)
    return index


def member_group(uow: UnitOfWork, actor_id: UUID, group_id: UUID) -> Group:
    """A group the actor belongs to; otherwise it is reported as not found."""
    uow.actor(actor_id)
    group = uow.find(Group, group_id)
    if group is None or actor_id not in group.members:
        raise NotFoundError("No such group.")
    uow.primary = group
    return group


def create_group(uow: UnitOfWork, cmd: c.CreateGroup) -> Result:
    """Create a group; the creator facilitates it."""
    uow.actor(cmd.actor_id)
    group = Group.create(cmd.name, cmd.purpose, cmd.actor_id)
    uow.add(group)
    _index(uow, cmd.actor_id, cmd.actor_id).entered(group.id, actor_id=cmd.actor_id)
    uow.primary = group
    return Result(group.id, group.version)


def invite(uow: UnitOfWork, cmd: c.InviteToGroup) -> Result:
    """A facilitator opens an invitation; the signed token is in `extra`."""
    group = member_group(uow, cmd.actor_id, cmd.group_id)
    email = normalise_email(cmd.email) if cmd.email else None
    invitation_id = uuid4()
    group.invite(invitation_id, email, uow.now, cmd.actor_id)
    token = uow.app.invitations.make(group.id, invitation_id)
    return Result(
        group.id, group.version, {"token": token, "invitation_id": invitation_id}
    )


def join(uow: UnitOfWork, cmd: c.JoinGroup) -> Result:
    """Join a group with an invitation token; a bad token is a ValidationError
    naming `token`, joining twice a ConflictError."""
    member = uow.actor(cmd.actor_id)
    group_id, invitation_id = uow.app.invitations.read(cmd.token)
    group = uow.find(Group, group_id)
    if group is None:
        raise ValidationError("This invitation link is not valid.", "token")
    group.join(member.id, member.email, invitation_id, uow.now)
    _index(uow, member.id, member.id).entered(group.id, actor_id=member.id)
    uow.primary = group
    return Result(group.id, group.version)


def leave(uow: UnitOfWork, cmd: c.LeaveGroup) -> Result:
    """Leave a group (access to its members' items ends)."""
    group = member_group(uow, cmd.actor_id, cmd.group_id)
    group.leave(cmd.actor_id)
    _index(uow, cmd.actor_id, cmd.actor_id).exited(group.id, actor_id=cmd.actor_id)
    return Result(group.id, group.version)


def remove(uow: UnitOfWork, cmd: c.RemoveFromGroup) -> Result:
    """A facilitator removes a member."""
    group = member_group(uow, cmd.actor_id, cmd.group_id)
    group.remove(cmd.member_id, cmd.actor_id)
    _index(uow, cmd.member_id, cmd.actor_id).exited(group.id, actor_id=cmd.actor_id)
    return Result(group.id, group.version)


def pair(uow: UnitOfWork, cmd: c.PairBuddies) -> Result:
    """A facilitator pairs two members as accountability buddies."""
    group = member_group(uow, cmd.actor_id, cmd.group_id)
    group.pair_buddies(cmd.member_a, cmd.member_b, cmd.actor_id)
    return Result(group.id, group.version)


def unpair(uow: UnitOfWork, cmd: c.UnpairBuddies) -> Result:
    """A facilitator dissolves a buddy pair."""
    group = member_group(uow, cmd.actor_id, cmd.group_id)
    group.unpair_buddies(cmd.member_id, cmd.actor_id)
    return Result(group.id, group.version)


def add_facilitator(uow: UnitOfWork, cmd: c.AddFacilitator) -> Result:
    """A facilitator names a co-facilitator."""
    group = member_group(uow, cmd.actor_id, cmd.group_id)
    group.add_facilitator(cmd.member_id, cmd.actor_id)
    return Result(group.id, group.version)


HANDLERS: Handlers = {
    c.CreateGroup: create_group,
    c.InviteToGroup: invite,
    c.JoinGroup: join,
    c.LeaveGroup: leave,
    c.RemoveFromGroup: remove,
    c.PairBuddies: pair,
    c.UnpairBuddies: unpair,
    c.AddFacilitator: add_facilitator,
}
"""The command this module handles → its handler (wired by the composition root)."""
