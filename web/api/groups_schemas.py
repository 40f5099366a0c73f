"""Request and response bodies of the peer-group routes (`web.api.groups`)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field


class GroupPath(BaseModel):
    """A group in the path."""

    group_id: UUID


class GroupMemberPath(BaseModel):
    """A member of a group in the path."""

    group_id: UUID
    member_id: UUID


class GroupBody(BaseModel):
    """A new peer group; its creator facilitates it."""

    name: str = Field(max_length=200, examples=["Career changers, spring cohort"])
    purpose: str = Field("", max_length=4000)


class GroupInvitationBody(BaseModel):
    """An invitation for one email address, or (without `email`) for anyone with
    the token."""

    email: str | None = Field(None, max_length=254)


class GroupJoinBody(BaseModel):
    """The signed token of an invitation."""

    token: str = Field(min_length=1, max_length=1000)


class GroupBuddiesBody(BaseModel):
    """Two members of the group to pair as accountability buddies."""

    member_a: UUID
    member_b: UUID


class GroupFacilitatorBody(BaseModel):
    """A member of the group to name co-facilitator."""

    member_id: UUID


class GroupSummary(BaseModel):
    """A group the caller belongs to."""

    id: UUID
    name: str


class GroupPage(BaseModel):
    """A page of the caller's groups, by name."""

    items: list[GroupSummary]
    next_cursor: str | None


class GroupBoardMemberOut(BaseModel):
    """A member as the group board shows them (momentum shown capped at 100)."""

    member_id: UUID
    display_name: str
    momentum: int
    streak: int
    actions_this_week: int
    weekly_target: int
    facilitator: bool
    buddy_id: UUID | None


class BuddyPairOut(BaseModel):
    """Two accountability buddies."""

    member_a: UUID
    member_b: UUID


class GroupWinOut(BaseModel):
    """A small win a member shared with the group (visibility `group`) this week."""

    member_id: UUID
    action_id: UUID
    goal_id: UUID | None
    title: str
    category: str | None
    day: date
    at: datetime
    cheer_count: int
    feedback_count: int


class GroupBoardOut(BaseModel):
    """A group's board: members by momentum, buddy pairs, the week's group-visible
    wins."""

    id: UUID
    name: str
    purpose: str
    week_of: date = Field(description="Monday of the caller's current week.")
    members: list[GroupBoardMemberOut]
    buddy_pairs: list[BuddyPairOut]
    wins: list[GroupWinOut]


class GroupWrittenOut(GroupBoardOut):
    """The board as read back after a write, with the group's new version."""

    version: int


class GroupInvitationOut(BaseModel):
    """An open invitation: hand the token to the invitee (it is shown once)."""

    group_id: UUID
    invitation_id: UUID
    token: str = Field(description="Send it to POST /groups/join.")
    email: str | None
    expires_at: datetime
    version: int
