"""Handlers for reminders (SPEC 8): the scheduler issues them; no member acts."""

from __future__ import annotations

from service import commands as c
from service.commands import Result
from service.domain.member import Member
from service.domain.reminder import Reminder, reminder_id
from service.errors import NotFoundError
from service.uow import Handlers, UnitOfWork


def issue_reminder(uow: UnitOfWork, cmd: c.IssueReminder) -> Result:
    """Issue the reminder once: if it was issued already, nothing changes
    (`extra["issued"]` says which)."""
    member = uow.find(Member, cmd.member_id)
    if member is None or member.erased:
        raise NotFoundError("No such member.")
    existing = uow.find(Reminder, reminder_id(cmd.member_id, cmd.reminder, cmd.about))
    if existing is not None:
        return Result(existing.id, existing.version, {"issued": False})
    reminder = Reminder.issue(
        cmd.member_id,
        cmd.reminder,
        cmd.about,
        cmd.ref_kind,
        cmd.ref_id,
        cmd.goal_id,
        cmd.day,
    )
    uow.add(reminder)
    uow.primary = reminder
    return Result(reminder.id, reminder.version, {"issued": True})


HANDLERS: Handlers = {c.IssueReminder: issue_reminder}
"""The command this module handles → its handler (wired by the composition root)."""
