"""Read checks on the event-sourced state: the ones history and as-of queries share,
and the load-and-check reads behind the application's item queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from service import access
from service.domain.action import Action
from service.domain.feedback import Cheer, Feedback, Suggestion
from service.domain.goal import Goal
from service.domain.group import Group
from service.domain.member import Member
from service.domain.mentorship import Mentorship
from service.domain.review import Review
from service.errors import NotFoundError
from service.uow import Services, UnitOfWork


def require_visible(app: Services, viewer_id: UUID, aggregate_id: UUID) -> None:
    """Raise NotFoundError unless the viewer may see this aggregate and its history."""
    uow = UnitOfWork(app)
    try:
        item: object = app.repository.get(aggregate_id)
    except AggregateNotFoundError:
        raise NotFoundError("No such item.") from None
    if not may_see(uow, viewer_id, item):
        raise NotFoundError("No such item.")


def require_visible_item(
    app: Services, viewer_id: UUID, kind: str, item_id: UUID
) -> None:
    """Raise NotFoundError unless `item_id` is a goal, action or review of this
    `kind` that the viewer may see (SPEC 9; the rule feedback and cheers obey)."""
    access.visible_item(UnitOfWork(app), viewer_id, kind, item_id)


@dataclass(frozen=True)
class VisibleAction:
    """An action the viewer may see, and its effective visibility (SPEC 9)."""

    action: Action
    visibility: str


def visible_action(app: Services, viewer_id: UUID, action_id: UUID) -> VisibleAction:
    """The action with its effective visibility if the viewer may see it;
    NotFoundError otherwise."""
    uow = UnitOfWork(app)
    action = access.visible_item(uow, viewer_id, "action", action_id)
    assert isinstance(action, Action)
    return VisibleAction(action, access.effective_visibility(uow, action))


def own_action(app: Services, member_id: UUID, action_id: UUID) -> Action:
    """The member's own action, not retracted; NotFoundError for anything else."""
    found = access.visible_item(UnitOfWork(app), member_id, "action", action_id)
    if not isinstance(found, Action) or found.owner_id != member_id or found.retracted:
        raise NotFoundError("No such action of yours.")
    return found


def visible_review(app: Services, viewer_id: UUID, review_id: UUID) -> Review:
    """The review if the viewer may see it; NotFoundError otherwise."""
    review = access.visible_item(UnitOfWork(app), viewer_id, "review", review_id)
    assert isinstance(review, Review)
    return review


def may_see(uow: UnitOfWork, viewer_id: UUID, item: object) -> bool:
    """Whether the viewer may see this aggregate and its history (SPEC 9): an item
    by its visibility, an account only its member, a group its members, a
    mentorship or suggestion its two sides, feedback and cheers whoever sees the
    item they are on."""
    if isinstance(item, Goal | Action | Review):
        return access.can_see(uow, viewer_id, item)
    if isinstance(item, Member):
        return item.id == viewer_id
    if isinstance(item, Group):
        return viewer_id in item.members
    if isinstance(item, Mentorship):
        return viewer_id in (item.mentee_id, item.mentor_id)
    if isinstance(item, Suggestion):
        return viewer_id in (item.mentee_id, item.mentor_id)
    if isinstance(item, Feedback | Cheer):
        target = access.ITEM_TYPES[item.target_kind]
        found = uow.find(target, item.target_id)
        return found is not None and access.can_see(uow, viewer_id, found)
    return False


@dataclass(frozen=True)
class Invitation:
    """An invitation to a group: for whom (None: anyone with the link), until when."""

    email: str | None
    expires_at: datetime


def invitation_of(
    app: Services, viewer_id: UUID, group_id: UUID, invitation_id: UUID
) -> Invitation:
    """An invitation of a group the viewer facilitates; NotFoundError otherwise."""
    group = UnitOfWork(app).find(Group, group_id)
    found = group.invitations.get(str(invitation_id)) if group else None
    if group is None or viewer_id not in group.facilitators or found is None:
        raise NotFoundError("No such invitation.")
    email, expires_at = found["email"], found["expires_at"]
    assert email is None or isinstance(email, str)
    assert isinstance(expires_at, datetime)
    return Invitation(email, expires_at)


def visible_feedback(app: Services, viewer_id: UUID, feedback_id: UUID) -> Feedback:
    """Feedback not withdrawn, on an item the viewer may see; NotFoundError
    otherwise."""
    uow = UnitOfWork(app)
    found = uow.find(Feedback, feedback_id)
    if found is None or found.withdrawn:
        raise NotFoundError("No such feedback.")
    access.visible_item(uow, viewer_id, found.target_kind, found.target_id)
    return found


def suggestion_for(app: Services, viewer_id: UUID, suggestion_id: UUID) -> Suggestion:
    """A suggestion the viewer made (as mentor) or received (as mentee);
    NotFoundError otherwise."""
    found = UnitOfWork(app).find(Suggestion, suggestion_id)
    if found is None or viewer_id not in (found.mentor_id, found.mentee_id):
        raise NotFoundError("No such suggestion.")
    return found
