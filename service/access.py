"""Who may see what (SPEC 9), decided from the event-sourced state.

The rule itself is `service.domain.visibility`; this module finds its facts in the
event-sourced state (an action's goal, accepted mentorships, groups). Access ends when
the mentorship ends or someone leaves the group. An item the viewer may not see is
reported as not found.
"""

from __future__ import annotations

from uuid import UUID

from service.domain.action import Action
from service.domain.goal import Goal
from service.domain.group import GroupMembershipIndex, membership_index_id
from service.domain.member import Member
from service.domain.mentorship import Mentorship, mentorship_id
from service.domain.review import Review
from service.domain.visibility import Relation, action_visibility, audience
from service.errors import NotFoundError
from service.uow import UnitOfWork

Item = Goal | Action | Review


def is_accepted_mentor(uow: UnitOfWork, mentor_id: UUID, mentee_id: UUID) -> bool:
    """True while `mentor_id` mentors `mentee_id` (accepted, not ended)."""
    mentor = uow.find(Member, mentor_id)
    if mentor is None:
        return False
    link = uow.find(Mentorship, mentorship_id(mentee_id, mentor.email))
    return link is not None and link.is_active and link.mentor_id == mentor_id


def group_ids(uow: UnitOfWork, member_id: UUID) -> set[UUID]:
    """The groups a member currently belongs to."""
    index = uow.find(GroupMembershipIndex, membership_index_id(member_id))
    return set(index.group_ids) if index else set()


def share_a_group(uow: UnitOfWork, a: UUID, b: UUID) -> bool:
    """True if two members are in at least one group together."""
    return bool(group_ids(uow, a) & group_ids(uow, b))


def effective_visibility(uow: UnitOfWork, item: Item) -> str:
    """The item's visibility; an action's follows its goal (`action_visibility`)."""
    if not isinstance(item, Action):
        return item.visibility
    goal = uow.find(Goal, item.goal_id) if item.goal_id is not None else None
    return action_visibility(
        item.visibility, item.goal_id, goal.visibility if goal else None
    )


def can_see(uow: UnitOfWork, viewer_id: UUID, item: Item) -> bool:
    """Apply the visibility rule to one item; a relation is looked up only if it
    would let the viewer see the item."""
    who = audience(effective_visibility(uow, item))
    owner = item.owner_id
    return (
        (Relation.OWNER in who and viewer_id == owner)
        or (Relation.MENTOR in who and is_accepted_mentor(uow, viewer_id, owner))
        or (Relation.GROUP_MEMBER in who and share_a_group(uow, viewer_id, owner))
    )


ITEM_TYPES: dict[str, type[Item]] = {"goal": Goal, "action": Action, "review": Review}


def visible_item(uow: UnitOfWork, viewer_id: UUID, kind: str, item_id: UUID) -> Item:
    """The item if the viewer may see it; NotFoundError otherwise (never a 403)."""
    cls = ITEM_TYPES.get(kind)
    item = uow.find(cls, item_id) if cls else None
    if item is None or not can_see(uow, viewer_id, item):
        raise NotFoundError(f"No such {kind if cls else 'item'}.")
    return item
