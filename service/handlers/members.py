"""Handlers for accounts, profiles, preferences, away periods and roles."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID, uuid4

from service import commands as c
from service.commands import Result
from service.domain.base import OPERATOR_ID
from service.domain.member import EmailIndex, Member, email_index_id, normalise_email
from service.errors import (
    AuthenticationError,
    EmailTakenError,
    InvalidFieldsError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from service.passwords import check_new_password, verify
from service.uow import Handlers, UnitOfWork


def register(uow: UnitOfWork, cmd: c.RegisterMember) -> Result:
    """Create an account; the email index makes the address unique (an address an
    erasure released is claimed again)."""
    email = normalise_email(cmd.email)
    if uow.app.email_holder(uow, email) is not None:
        raise EmailTakenError(
            "An account with this email already exists. Sign in instead."
        )
    password = check_new_password(cmd.password)
    member_id = uuid4()
    member = Member.register(
        member_id, email, cmd.display_name, cmd.timezone, uow.app.hasher.hash(password)
    )
    index_id = email_index_id(email, uow.app.email_index_key)
    index = uow.find(EmailIndex, index_id)
    if index is None:
        index = EmailIndex(id=index_id, member_id=member_id, actor_id=member_id)
    else:  # released, or (never since erasures release) held by an erased member
        index.release(member_id)
        index.claim(member_id, member_id)
    uow.add(member, index)
    uow.primary = member
    return Result(member.id, member.version)


def _own_member(
    uow: UnitOfWork, actor_id: UUID, expected_version: int | None
) -> Member:
    member = uow.actor(actor_id)
    uow.check_version(member, expected_version)
    return member


def update_profile(uow: UnitOfWork, cmd: c.UpdateProfile) -> Result:
    """Change display name, timezone and headline."""
    member = _own_member(uow, cmd.actor_id, cmd.expected_version)
    member.update_profile(cmd.display_name, cmd.timezone, cmd.headline, cmd.actor_id)
    return Result(member.id, member.version)


def set_aspirations(uow: UnitOfWork, cmd: c.SetAspirations) -> Result:
    """Record aspirations, passions and strengths."""
    member = _own_member(uow, cmd.actor_id, cmd.expected_version)
    member.set_aspirations(cmd.aspirations, cmd.passions, cmd.strengths, cmd.actor_id)
    return Result(member.id, member.version)


def set_weekly_target(uow: UnitOfWork, cmd: c.SetWeeklyTarget) -> Result:
    """Set the weekly action target."""
    member = _own_member(uow, cmd.actor_id, cmd.expected_version)
    member.set_weekly_target(cmd.actions_per_week, cmd.actor_id)
    return Result(member.id, member.version)


def change_preferences(uow: UnitOfWork, cmd: c.ChangePreferences) -> Result:
    """Change digest, reminder and quiet-hour preferences."""
    member = _own_member(uow, cmd.actor_id, cmd.expected_version)
    member.change_preferences(cmd.actor_id, **dict(cmd.changes))
    return Result(member.id, member.version)


def update_settings(uow: UnitOfWork, cmd: c.UpdateSettings) -> Result:
    """Apply every part to the member in one append; if any field is wrong,
    nothing is recorded and every wrong field is named (preferences as
    `preferences.<key>`)."""
    member = _own_member(uow, cmd.actor_id, cmd.expected_version)
    errors: dict[str, str] = {}

    def part(prefix: str, apply: Callable[[], None]) -> None:
        try:
            apply()
        except InvalidFieldsError as error:
            errors.update({prefix + f: m for f, m in error.errors.items()})
        except ValidationError as error:
            errors[prefix + (error.field or "settings")] = error.message

    if cmd.profile is not None:
        p = {
            "display_name": member.display_name,
            "timezone": member.timezone,
            "headline": member.headline,
        } | dict(cmd.profile)
        part(
            "",
            lambda: member.update_profile(
                p["display_name"], p["timezone"], p["headline"], cmd.actor_id
            ),
        )
    if cmd.aspirations is not None:
        a = {
            "aspirations": member.aspirations,
            "passions": member.passions,
            "strengths": member.strengths,
        } | dict(cmd.aspirations)
        part(
            "",
            lambda: member.set_aspirations(
                a["aspirations"], a["passions"], a["strengths"], cmd.actor_id
            ),
        )
    if cmd.weekly_target is not None:
        target = cmd.weekly_target
        part("", lambda: member.set_weekly_target(target, cmd.actor_id))
    if cmd.preferences:
        prefs = dict(cmd.preferences)
        part("preferences.", lambda: member.change_preferences(cmd.actor_id, **prefs))
    if errors:
        raise InvalidFieldsError(errors)
    return Result(member.id, member.version)


def set_away_period(uow: UnitOfWork, cmd: c.SetAwayPeriod) -> Result:
    """Mark days away; the new period's id is in `extra`."""
    member = _own_member(uow, cmd.actor_id, None)
    period_id = uuid4()
    member.set_away_period(
        period_id, cmd.starts_on, cmd.ends_on, cmd.reason, cmd.actor_id
    )
    return Result(member.id, member.version, {"period_id": period_id})


def cancel_away_period(uow: UnitOfWork, cmd: c.CancelAwayPeriod) -> Result:
    """Cancel an away period."""
    member = _own_member(uow, cmd.actor_id, None)
    member.cancel_away_period(cmd.period_id, cmd.actor_id)
    return Result(member.id, member.version)


def change_password(uow: UnitOfWork, cmd: c.ChangePassword) -> Result:
    """Change the password after checking the current one."""
    member = _own_member(uow, cmd.actor_id, None)
    if not verify(uow.app.hasher, member.password_hash, cmd.current_password):
        raise AuthenticationError("The current password is wrong.")
    new = check_new_password(cmd.new_password, "new_password")
    member.change_password(uow.app.hasher.hash(new), cmd.actor_id)
    return Result(member.id, member.version)


def end_sessions(uow: UnitOfWork, cmd: c.EndSessions) -> Result:
    """End every page session of the member (sign-out)."""
    member = _own_member(uow, cmd.actor_id, None)
    member.end_sessions(cmd.actor_id)
    return Result(member.id, member.version)


def reset_calendar_feed(uow: UnitOfWork, cmd: c.ResetCalendarFeed) -> Result:
    """Give the member's calendar feed a new URL (the old one stops working)."""
    member = _own_member(uow, cmd.actor_id, None)
    member.reset_calendar_feed(cmd.actor_id)
    return Result(member.id, member.version)


def mark_notifications_read(uow: UnitOfWork, cmd: c.MarkNotificationsRead) -> Result:
    """Mark notifications read up to a log position, never beyond the newest event;
    without one, up to the newest event (≥ every notification there is now)."""
    member = _own_member(uow, cmd.actor_id, None)
    newest = uow.app.recorder.max_notification_id() or 0
    up_to = newest if cmd.up_to is None else cmd.up_to
    if isinstance(up_to, int) and up_to > newest:
        raise ValidationError(
            "There is no notification that new yet: reload and try again.", "up_to"
        )
    member.mark_notifications_read(up_to, cmd.actor_id)
    return Result(member.id, member.version)


def _role_target(uow: UnitOfWork, actor_id: UUID | None, email: str) -> Member:
    if actor_id is not None and "admin" not in uow.actor(actor_id).roles:
        raise PermissionDeniedError("Only an admin can change roles.")
    holder = uow.app.email_holder(uow, normalise_email(email))
    target = uow.find(Member, holder) if holder else None
    if target is None or target.erased:
        raise NotFoundError(f"No member is registered with {normalise_email(email)}.")
    uow.primary = target
    return target


def grant_role(uow: UnitOfWork, cmd: c.GrantRole) -> Result:
    """Grant a role; by an admin, or by the operator (actor None) on the CLI."""
    target = _role_target(uow, cmd.actor_id, cmd.email)
    target.grant_role(cmd.role, cmd.actor_id or OPERATOR_ID)
    return Result(target.id, target.version)


def revoke_role(uow: UnitOfWork, cmd: c.RevokeRole) -> Result:
    """Revoke a role."""
    target = _role_target(uow, cmd.actor_id, cmd.email)
    target.revoke_role(cmd.role, cmd.actor_id or OPERATOR_ID)
    return Result(target.id, target.version)


HANDLERS: Handlers = {
    c.RegisterMember: register,
    c.UpdateProfile: update_profile,
    c.SetAspirations: set_aspirations,
    c.SetWeeklyTarget: set_weekly_target,
    c.ChangePreferences: change_preferences,
    c.UpdateSettings: update_settings,
    c.SetAwayPeriod: set_away_period,
    c.CancelAwayPeriod: cancel_away_period,
    c.ChangePassword: change_password,
    c.EndSessions: end_sessions,
    c.ResetCalendarFeed: reset_calendar_feed,
    c.MarkNotificationsRead: mark_notifications_read,
    c.GrantRole: grant_role,
    c.RevokeRole: revoke_role,
}
"""The command this module handles → its handler (wired by the composition root)."""
