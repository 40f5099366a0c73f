"""Erasure (SPEC 9): a member deletes their account and their key is shredded.

In one append the member leaves every group, every mentorship they are in ends (or
a request addressed to them is declined) so other members' state stays consistent,
their email index is released (the address can sign up again), and Member.Erased
is recorded last, so read models see the relations end before they
purge the member. Once that append is stored, the member's key is destroyed
(`shred_key`, run by the application after the save): every event sealed with it
becomes content-free metadata. The key row is flagged first, so a crash between the
append and the shredding is finished at the next start (`finish_erasures`).
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic

from service import commands as c
from service.application import AfterSaves, MomentumApplication
from service.commands import Result
from service.domain.group import Group, GroupMembershipIndex, membership_index_id
from service.domain.member import Member
from service.domain.mentorship import Mentorship
from service.errors import AuthenticationError, RuleViolationError, ValidationError
from service.passwords import verify
from service.uow import Handlers, Services, UnitOfWork

BATCH = 1000
MENTORSHIP_TOPICS = [
    f"{get_topic(Mentorship)}.{name}"
    for name in ("MentorshipProposed", "MentorshipAccepted")
]


def erase_member(uow: UnitOfWork, cmd: c.EraseMember) -> Result:
    """Check the password, end the member's relations, record Member.Erased."""
    member = _member(uow, cmd.actor_id)
    if not cmd.password:
        raise ValidationError("Enter your password to confirm.", "password")
    if not verify(uow.app.hasher, member.password_hash, cmd.password):
        raise AuthenticationError("The password is wrong: nothing was deleted.")
    _leave_groups(uow, member.id)
    _end_mentorships(uow, member)
    _release_email(uow, member)
    member.erase(member.id)
    uow.add(member)  # loaded last, so its events come after the others
    uow.primary = member
    uow.app.keys.store.mark_erasing(member.id, True)
    return Result(member.id, member.version)


def _member(uow: UnitOfWork, member_id: UUID) -> Member:
    """The member, read past the unit of work so that it is saved last."""
    try:
        found: object = uow.app.repository.get(member_id)
    except AggregateNotFoundError:
        found = None
    if not isinstance(found, Member) or found.erased:
        raise AuthenticationError("Your account no longer exists.")
    return found


def _release_email(uow: UnitOfWork, member: Member) -> None:
    """Free the member's address for a new account (their index, keyed or legacy)."""
    index = uow.app.email_index(uow, member.email)
    if index is not None and index.member_id == member.id:
        index.release(member.id)


def _leave_groups(uow: UnitOfWork, member_id: UUID) -> None:
    index = uow.find(GroupMembershipIndex, membership_index_id(member_id))
    if index is None:
        return
    for group_id in sorted(index.group_ids, key=str):
        group = uow.get(Group, group_id, "group")
        try:
            group.leave(member_id)
        except RuleViolationError:
            raise RuleViolationError(
                f"You are the last facilitator of the group \u201c{group.name}\u201d: "
                "name another facilitator first, then delete your account."
            ) from None
        index.exited(group_id, actor_id=member_id)


def _end_mentorships(uow: UnitOfWork, member: Member) -> None:
    """End what the member is in; decline what is still waiting for them."""
    for mentorship_id in sorted(_mentorship_ids(uow.app, member), key=str):
        link = uow.get(Mentorship, mentorship_id, "mentorship")
        mine = link.mentee_id == member.id or link.mentor_id == member.id
        if mine and link.status in ("proposed", "accepted"):
            link.end("", member.id)
        elif link.status == "proposed" and link.mentor_email == member.email:
            link.decline(member.id)


def _mentorship_ids(app: Services, member: Member) -> set[UUID]:
    """Mentorships the member proposed, accepted, or was invited to (a scan of
    two event types: erasure is rare, and no index of mentorships exists)."""
    found: set[UUID] = set()
    start = 0
    while True:
        batch = app.recorder.select_notifications(
            start, BATCH, topics=MENTORSHIP_TOPICS, inclusive_of_start=False
        )
        if not batch:
            return found
        for notification in batch:
            e = vars(app.mapper.to_domain_event(notification))
            if member.id in (e.get("mentee_id"), e.get("mentor_id")) or (
                e.get("mentor_email") == member.email
            ):
                found.add(UUID(str(notification.originator_id)))
        start = batch[-1].id


def shred_key(app: MomentumApplication, command: c.EraseMember, result: Result) -> None:
    """After the append: destroy the member's key (crypto-shredding)."""
    app.keys.shred(result.id)


AFTER_SAVE: AfterSaves = {c.EraseMember: shred_key}
"""What must happen once an erasure is stored."""


HANDLERS: Handlers = {
    c.EraseMember: erase_member,
}
"""The command this module handles → its handler (wired by the composition root)."""
