"""Group: a peer group with facilitators, invitations, members and buddy pairs."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import event

from service.domain.base import (
    MomentumAggregate,
    derived_id,
    optional_text,
    require_text,
)
from service.errors import (
    ConflictError,
    RuleViolationError,
    ValidationError,
)

INVITATION_LIFETIME = timedelta(days=14)


class Group(MomentumAggregate):
    """Members hold ids; `buddies` maps each paired member to their buddy."""

    class GroupCreated(MomentumAggregate.Created):
        """A group was created; `facilitator_id` is its first facilitator and member."""

        name: str
        purpose: str
        facilitator_id: UUID
        actor_id: UUID

    @event(GroupCreated)
    def __init__(
        self, name: str, purpose: str, facilitator_id: UUID, actor_id: UUID
    ) -> None:
        self.name = name
        self.purpose = purpose
        self.facilitators: set[UUID] = {facilitator_id}
        self.members: set[UUID] = {facilitator_id}
        self.invitations: dict[str, dict[str, object]] = {}
        self.buddies: dict[UUID, UUID] = {}

    @classmethod
    def create(cls, name: str, purpose: str, facilitator_id: UUID) -> Group:
        """Create a group; its creator is its first facilitator and member."""
        return cls(
            name=require_text(name, "name", "Group name", max_len=80),
            purpose=optional_text(purpose, "purpose", "Purpose", max_len=2000),
            facilitator_id=facilitator_id,
            actor_id=facilitator_id,
        )

    def require_facilitator(self, member_id: UUID, doing: str) -> None:
        """Raise unless `member_id` facilitates this group."""
        if member_id not in self.facilitators:
            raise RuleViolationError(f"Only a facilitator of this group can {doing}.")

    def invite(
        self, invitation_id: UUID, email: str | None, now: datetime, actor_id: UUID
    ) -> None:
        """Open a 14-day invitation, for one email or for anyone with the link."""
        self.require_facilitator(actor_id, "invite members")
        self._invited(
            invitation_id=invitation_id,
            email=email,
            expires_at=now + INVITATION_LIFETIME,
            actor_id=actor_id,
        )

    class MemberInvited(MomentumAggregate.Event):
        """An invitation was opened for `email` (None: anyone with the link)."""

        invitation_id: UUID
        email: str | None
        expires_at: datetime
        actor_id: UUID

    @event(MemberInvited)
    def _invited(
        self,
        invitation_id: UUID,
        email: str | None,
        expires_at: datetime,
        actor_id: UUID,
    ) -> None:
        self.invitations[str(invitation_id)] = {
            "email": email,
            "expires_at": expires_at,
        }

    def join(
        self, member_id: UUID, email: str, invitation_id: UUID, now: datetime
    ) -> None:
        """Join with a valid, unexpired invitation meant for this member; what is
        wrong with the invitation is a ValidationError naming `token` (the signed
        token names the invitation)."""
        invitation = self.invitations.get(str(invitation_id))
        if invitation is None:
            raise ValidationError("This invitation does not exist.", "token")
        expires_at = invitation["expires_at"]
        assert isinstance(expires_at, datetime)
        if now >= expires_at:
            raise ValidationError(
                "This invitation has expired (invitations last 14 days). "
                "Ask a facilitator for a new one.",
                "token",
            )
        if invitation["email"] not in (None, email):
            raise ValidationError(
                "This invitation was sent to a different email address.", "token"
            )
        if member_id in self.members:
            raise ConflictError("You are already a member of this group.")
        self._joined(
            member_id=member_id, invitation_id=invitation_id, actor_id=member_id
        )

    class MemberJoined(MomentumAggregate.Event):
        """A member joined the group with an invitation."""

        member_id: UUID
        invitation_id: UUID
        actor_id: UUID

    @event(MemberJoined)
    def _joined(self, member_id: UUID, invitation_id: UUID, actor_id: UUID) -> None:
        self.members.add(member_id)

    def _require_member(self, member_id: UUID) -> None:
        if member_id not in self.members:
            raise ValidationError(
                "That person is not a member of this group.", "member_id"
            )

    def leave(self, member_id: UUID) -> None:
        """A member leaves; their buddy pair dissolves."""
        self._require_member(member_id)
        self._require_not_last_facilitator(member_id)
        self._unpair_if_paired(member_id, member_id)
        self._left(member_id=member_id, actor_id=member_id)

    class MemberLeft(MomentumAggregate.Event):
        """A member left the group (their buddy pair dissolved first)."""

        member_id: UUID
        actor_id: UUID

    @event(MemberLeft)
    def _left(self, member_id: UUID, actor_id: UUID) -> None:
        self.members.discard(member_id)
        self.facilitators.discard(member_id)

    def remove(self, member_id: UUID, actor_id: UUID) -> None:
        """A facilitator removes a member."""
        self.require_facilitator(actor_id, "remove members")
        self._require_member(member_id)
        self._require_not_last_facilitator(member_id)
        self._unpair_if_paired(member_id, actor_id)
        self._removed(member_id=member_id, actor_id=actor_id)

    class MemberRemoved(MomentumAggregate.Event):
        """A facilitator removed a member from the group."""

        member_id: UUID
        actor_id: UUID

    @event(MemberRemoved)
    def _removed(self, member_id: UUID, actor_id: UUID) -> None:
        self.members.discard(member_id)
        self.facilitators.discard(member_id)

    def _require_not_last_facilitator(self, member_id: UUID) -> None:
        if self.facilitators == {member_id} and len(self.members) > 1:
            raise RuleViolationError(
                "The group's last facilitator cannot leave: "
                "name another facilitator first."
            )

    def add_facilitator(self, member_id: UUID, actor_id: UUID) -> None:
        """Name a member co-facilitator."""
        self.require_facilitator(actor_id, "name facilitators")
        self._require_member(member_id)
        if member_id in self.facilitators:
            raise ConflictError("That member is already a facilitator.")
        self._facilitator_added(member_id=member_id, actor_id=actor_id)

    class FacilitatorAdded(MomentumAggregate.Event):
        """A member was named co-facilitator of the group."""

        member_id: UUID
        actor_id: UUID

    @event(FacilitatorAdded)
    def _facilitator_added(self, member_id: UUID, actor_id: UUID) -> None:
        self.facilitators.add(member_id)

    def pair_buddies(self, member_a: UUID, member_b: UUID, actor_id: UUID) -> None:
        """Pair two members as accountability buddies (one buddy each per group)."""
        self.require_facilitator(actor_id, "pair buddies")
        self._require_member(member_a)
        self._require_member(member_b)
        if member_a == member_b:
            raise ValidationError("A member cannot be their own buddy.", "member_b")
        for m in (member_a, member_b):
            if m in self.buddies:
                raise ConflictError("One of them already has a buddy in this group.")
        self._paired(member_a=member_a, member_b=member_b, actor_id=actor_id)

    class BuddiesPaired(MomentumAggregate.Event):
        """Two members were paired as accountability buddies."""

        member_a: UUID
        member_b: UUID
        actor_id: UUID

    @event(BuddiesPaired)
    def _paired(self, member_a: UUID, member_b: UUID, actor_id: UUID) -> None:
        self.buddies[member_a] = member_b
        self.buddies[member_b] = member_a

    def unpair_buddies(self, member_a: UUID, actor_id: UUID) -> None:
        """Dissolve the pair `member_a` belongs to."""
        self.require_facilitator(actor_id, "unpair buddies")
        if member_a not in self.buddies:
            raise ValidationError(
                "That member has no buddy in this group.", "member_id"
            )
        self._unpair_if_paired(member_a, actor_id)

    def _unpair_if_paired(self, member_id: UUID, actor_id: UUID) -> None:
        if member_id in self.buddies:
            self._unpaired(
                member_a=member_id, member_b=self.buddies[member_id], actor_id=actor_id
            )

    class BuddiesUnpaired(MomentumAggregate.Event):
        """A buddy pair was dissolved."""

        member_a: UUID
        member_b: UUID
        actor_id: UUID

    @event(BuddiesUnpaired)
    def _unpaired(self, member_a: UUID, member_b: UUID, actor_id: UUID) -> None:
        self.buddies.pop(member_a, None)
        self.buddies.pop(member_b, None)


def membership_index_id(member_id: UUID) -> UUID:
    """Id of the index of the groups a member belongs to."""
    return derived_id("groups-of", member_id)


class GroupMembershipIndex(MomentumAggregate):
    """Which groups a member belongs to, kept in step with Group in the same save."""

    class IndexOpened(MomentumAggregate.Created):
        """The index of the groups a member belongs to was opened, empty."""

        member_id: UUID
        actor_id: UUID

    @event(IndexOpened)
    def __init__(self, id: UUID, member_id: UUID, actor_id: UUID) -> None:
        self.member_id = member_id
        self.group_ids: set[UUID] = set()

    class GroupEntered(MomentumAggregate.Event):
        """The member joined (or created) a group."""

        group_id: UUID
        actor_id: UUID

    @event(GroupEntered)
    def entered(self, group_id: UUID, actor_id: UUID) -> None:
        """Record that the member joined (or created) `group_id`."""
        self.group_ids.add(group_id)

    class GroupExited(MomentumAggregate.Event):
        """The member left, or was removed from, a group."""

        group_id: UUID
        actor_id: UUID

    @event(GroupExited)
    def exited(self, group_id: UUID, actor_id: UUID) -> None:
        """Record that the member left or was removed from `group_id`."""
        self.group_ids.discard(group_id)
