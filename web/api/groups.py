"""Peer groups: create, invite, join, buddies, facilitators, leave, board.

Only members see a group (anyone else, former members included, gets 404); only
facilitators invite, remove, pair and name co-facilitators (the service says no with
422). Writes answer with the board as read back after the write, and the group's new
version; leaving answers with the version only, since the board is no longer yours.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from projections.groups import board, groups_of
from service import commands as c
from service.errors import NotFoundError, ValidationError
from web.api.common import (
    ERRORS,
    PageQuery,
    Written,
    blueprint,
    paginate,
    written,
)
from web.api.groups_schemas import (
    BuddyPairOut,
    GroupBoardMemberOut,
    GroupBoardOut,
    GroupBody,
    GroupBuddiesBody,
    GroupFacilitatorBody,
    GroupInvitationBody,
    GroupInvitationOut,
    GroupJoinBody,
    GroupMemberPath,
    GroupPage,
    GroupPath,
    GroupSummary,
    GroupWinOut,
    GroupWrittenOut,
)
from web.auth import BEARER, caller, idempotency_key
from web.system import current_system as system

api = blueprint("groups", __name__, __doc__ or "")


def board_out(viewer: UUID, group_id: UUID) -> GroupBoardOut:
    """The group's board as `viewer` sees it now; 404 unless they are a member."""
    with system().read() as conn:
        found = board(conn, str(viewer), str(group_id), system().now())
    if found is None:
        raise NotFoundError("No such group.")
    return GroupBoardOut(
        id=UUID(found.group_id),
        name=found.name,
        purpose=found.purpose,
        week_of=found.week_of,
        members=[
            GroupBoardMemberOut.model_validate(m, from_attributes=True)
            for m in found.members
        ],
        buddy_pairs=[
            BuddyPairOut(member_a=UUID(a), member_b=UUID(b))
            for a, b in found.buddy_pairs
        ],
        wins=[
            GroupWinOut(
                member_id=UUID(w.member_id),
                action_id=UUID(w.item_id),
                goal_id=UUID(w.goal_id) if w.goal_id else None,
                title=w.title,
                category=w.category,
                day=w.day,
                at=w.at,
                cheer_count=w.cheer_count,
                feedback_count=w.feedback_count,
            )
            for w in found.wins
        ],
    )


def _board_written(viewer: UUID, result: c.Result, status: int = 200) -> Any:
    """The response to a group write: the board read back, with the new version."""
    shown = board_out(viewer, result.id)
    body = GroupWrittenOut(**shown.model_dump(), version=result.version)
    return written(body, result.version, status)


@api.post("/groups", responses={201: GroupWrittenOut, **ERRORS}, security=BEARER)
def create_group(body: GroupBody) -> Any:
    """Create a peer group; the caller becomes its facilitator and first member."""
    me = caller()
    result = system().write(
        c.CreateGroup(me, body.name, body.purpose), idempotency_key()
    )
    return _board_written(me, result, 201)


@api.get("/groups", responses={200: GroupPage, **ERRORS}, security=BEARER)
def my_groups(query: PageQuery) -> dict[str, Any]:
    """The groups the caller belongs to, by name."""
    me = caller()
    with system().read() as conn:
        mine = groups_of(conn, str(me))
    chunk, cursor = paginate(mine, query, key=lambda g: g[0])
    items = [GroupSummary(id=UUID(gid), name=name) for gid, name in chunk]
    return GroupPage(items=items, next_cursor=cursor).model_dump(mode="json")


@api.get(
    "/groups/<uuid:group_id>",
    responses={200: GroupBoardOut, **ERRORS},
    security=BEARER,
)
def group_board(path: GroupPath) -> dict[str, Any]:
    """The group board: members with momentum and streaks, buddy pairs and the
    week's group-visible wins. Members only."""
    return board_out(caller(), path.group_id).model_dump(mode="json")


@api.post(
    "/groups/<uuid:group_id>/invitations",
    responses={201: GroupInvitationOut, **ERRORS},
    security=BEARER,
)
def invite(path: GroupPath, body: GroupInvitationBody) -> Any:
    """Open an invitation valid for 14 days (facilitators only); without `email`
    anyone holding the token may join."""
    result = system().write(
        c.InviteToGroup(caller(), path.group_id, body.email), idempotency_key()
    )
    invitation_id = UUID(str(result.extra["invitation_id"]))
    invitation = system().app.invitation_of(caller(), result.id, invitation_id)
    out = GroupInvitationOut.model_validate(
        {
            "group_id": result.id,
            "invitation_id": invitation_id,
            "token": result.extra["token"],
            "email": invitation.email,
            "expires_at": invitation.expires_at,
            "version": result.version,
        }
    )
    return written(out, result.version, 201)


@api.post("/groups/join", responses={200: GroupWrittenOut, **ERRORS}, security=BEARER)
def join(body: GroupJoinBody) -> Any:
    """Join the group of an invitation token; a token that is not ours, expired or
    meant for another email is a 422 naming `token` (already a member: 409)."""
    me = caller()
    result = system().write(c.JoinGroup(me, body.token), idempotency_key())
    return _board_written(me, result)


@api.post(
    "/groups/<uuid:group_id>/buddies",
    responses={200: GroupWrittenOut, **ERRORS},
    security=BEARER,
)
def pair_buddies(path: GroupPath, body: GroupBuddiesBody) -> Any:
    """Pair two members as accountability buddies (facilitators only)."""
    me = caller()
    command = c.PairBuddies(me, path.group_id, body.member_a, body.member_b)
    return _board_written(me, system().write(command, idempotency_key()))


@api.delete(
    "/groups/<uuid:group_id>/buddies/<uuid:member_id>",
    responses={200: GroupWrittenOut, **ERRORS},
    security=BEARER,
)
def unpair_buddies(path: GroupMemberPath) -> Any:
    """Dissolve the buddy pair `member_id` belongs to (facilitators only)."""
    me = caller()
    command = c.UnpairBuddies(me, path.group_id, path.member_id)
    result = system().write(command, idempotency_key())
    return _board_written(me, result)


@api.post(
    "/groups/<uuid:group_id>/facilitators",
    responses={200: GroupWrittenOut, **ERRORS},
    security=BEARER,
)
def add_facilitator(path: GroupPath, body: GroupFacilitatorBody) -> Any:
    """Name a member co-facilitator (facilitators only)."""
    me = caller()
    command = c.AddFacilitator(me, path.group_id, body.member_id)
    return _board_written(me, system().write(command, idempotency_key()))


@api.delete(
    "/groups/<uuid:group_id>/members/<uuid:member_id>",
    responses={200: GroupWrittenOut, **ERRORS},
    security=BEARER,
)
def remove_member(path: GroupMemberPath) -> Any:
    """Remove a member from the group (facilitators only; to remove yourself,
    leave)."""
    me = caller()
    if path.member_id == me:
        raise ValidationError(
            "To leave the group yourself, use POST /groups/{id}/leave.", "member_id"
        )
    command = c.RemoveFromGroup(me, path.group_id, path.member_id)
    result = system().write(command, idempotency_key())
    return _board_written(me, result)


@api.post(
    "/groups/<uuid:group_id>/leave",
    responses={200: Written, **ERRORS},
    security=BEARER,
)
def leave(path: GroupPath) -> Any:
    """Leave the group: its board and its members' group items are no longer
    yours to see. The last facilitator names another one first."""
    result = system().write(c.LeaveGroup(caller(), path.group_id), idempotency_key())
    return written(Written(id=result.id, version=result.version), result.version)
