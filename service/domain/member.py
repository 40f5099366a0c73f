"""Member: a person with an account, their profile, target, preferences and roles."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import UUID
from zoneinfo import available_timezones

from eventsourcing.domain import event

from service.domain.base import (
    MomentumAggregate,
    derived_id,
    optional_text,
    require_choice,
    require_date,
    require_text,
)
from service.errors import (
    ConflictError,
    EmailTakenError,
    RuleViolationError,
    ValidationError,
)

ROLES = ("admin",)
DIGEST_FREQUENCIES = ("off", "daily", "weekly")
REMINDERS = (
    "review_due",
    "milestone_due",
    "inactivity",
    "buddy_quiet",
    "requests_waiting",
)
AWAY_REASONS = ("holiday", "sick_leave", "other")
DEFAULT_WEEKLY_TARGET = 3
DEFAULT_PREFERENCES: dict[str, Any] = {
    "digest": "weekly",  # the member's own digest
    "mentor_digest": "weekly",  # sent only to a mentor with an accepted mentee
    "group_digest": "weekly",  # sent only to a facilitator
    "digest_weekday": 0,  # the three digests share the day and the hour
    "digest_hour": 8,
    "review_weekday": 4,  # the weekly review day (reminder, calendar feed)
    "reminders": list(REMINDERS),
    "quiet_start": 21,
    "quiet_end": 7,
}
SCHEDULE_PREFERENCES = tuple(k for k in DEFAULT_PREFERENCES if k != "reminders")
"""The preferences that are one value each (frequencies, days, hours)."""
_LOCAL = r"[^@\s\x00-\x1f\x7f]+"  # no whitespace, no control characters
_EMAIL = re.compile(rf"^{_LOCAL}@{_LOCAL}\.{_LOCAL}$")


def normalise_email(email: str) -> str:
    """Lower-case and strip an email address, or raise if it is not one."""
    value = (email or "").strip().lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise ValidationError("Enter a valid email address.", "email")
    return value


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def known_timezones() -> tuple[str, ...]:
    """Every IANA timezone name this machine knows, sorted (for pickers)."""
    return tuple(sorted(_zones()))


def require_timezone(name: str) -> str:
    """Return `name` if it is an IANA timezone such as Europe/Paris."""
    if name not in _zones():
        raise ValidationError(
            "Timezone must be an IANA name such as Europe/Paris or UTC.", "timezone"
        )
    return name


def email_index_id(email: str, key: bytes) -> UUID:
    """Id of the index aggregate that reserves an email address: a keyed HMAC of
    the normalised address (key: `service.secret_keys.EMAIL_INDEX`), so the store
    holds nothing an address can be checked against without the server secret."""
    message = normalise_email(email).encode()
    return UUID(bytes=hmac.new(key, message, hashlib.sha256).digest()[:16], version=4)


def legacy_email_index_id(email: str) -> UUID:
    """The id stores written before keyed ids used: an unkeyed uuid5 of the address
    (read as a fallback, never written any more)."""
    return derived_id("email", normalise_email(email))


class Member(MomentumAggregate):
    """A member. `password_hash` is never exposed by any query."""

    class Registered(MomentumAggregate.Created):
        """A member registered an account (they are their own actor)."""

        email: str
        display_name: str
        timezone: str
        password_hash: str
        actor_id: UUID

    @event(Registered)
    def __init__(
        self,
        id: UUID,
        email: str,
        display_name: str,
        timezone: str,
        password_hash: str,
        actor_id: UUID,
    ) -> None:
        self.email = email
        self.display_name = display_name
        self.timezone = timezone
        self.password_hash = password_hash
        self.headline = ""
        self.aspirations = ""
        self.passions = ""
        self.strengths = ""
        self.weekly_target = DEFAULT_WEEKLY_TARGET
        self.preferences: dict[str, Any] = dict(DEFAULT_PREFERENCES)
        self.away_periods: dict[str, dict[str, Any]] = {}
        self.roles: set[str] = set()
        self.notifications_read_up_to = 0
        self.sessions_ended = 0
        self.calendar_feed_resets = 0
        self.erased = False

    @classmethod
    def register(
        cls,
        member_id: UUID,
        email: str,
        display_name: str,
        timezone: str,
        password_hash: str,
    ) -> Member:
        """Validate and register a new member (the member is their own actor)."""
        return cls(
            id=member_id,
            email=normalise_email(email),
            display_name=require_text(
                display_name, "display_name", "Display name", max_len=80
            ),
            timezone=require_timezone(timezone),
            password_hash=password_hash,
            actor_id=member_id,
        )

    def _require_active(self) -> None:
        if self.erased:
            raise RuleViolationError("This account has been deleted.")

    def update_profile(
        self, display_name: str, timezone: str, headline: str, actor_id: UUID
    ) -> None:
        """Change display name, timezone and headline."""
        self._require_active()
        self._profile_updated(
            display_name=require_text(
                display_name, "display_name", "Display name", max_len=80
            ),
            timezone=require_timezone(timezone),
            headline=optional_text(headline, "headline", "Headline", max_len=200),
            actor_id=actor_id,
        )

    class ProfileUpdated(MomentumAggregate.Event):
        """The member changed their display name, timezone and headline."""

        display_name: str
        timezone: str
        headline: str
        actor_id: UUID

    @event(ProfileUpdated)
    def _profile_updated(
        self, display_name: str, timezone: str, headline: str, actor_id: UUID
    ) -> None:
        self.display_name = display_name
        self.timezone = timezone
        self.headline = headline

    def set_aspirations(
        self, aspirations: str, passions: str, strengths: str, actor_id: UUID
    ) -> None:
        """Record long-term aspirations, passions and strengths."""
        self._require_active()
        self._aspirations_set(
            aspirations=optional_text(aspirations, "aspirations", "Aspirations"),
            passions=optional_text(passions, "passions", "Passions"),
            strengths=optional_text(strengths, "strengths", "Strengths"),
            actor_id=actor_id,
        )

    class AspirationsSet(MomentumAggregate.Event):
        """The member recorded their aspirations, passions and strengths."""

        aspirations: str
        passions: str
        strengths: str
        actor_id: UUID

    @event(AspirationsSet)
    def _aspirations_set(
        self, aspirations: str, passions: str, strengths: str, actor_id: UUID
    ) -> None:
        self.aspirations = aspirations
        self.passions = passions
        self.strengths = strengths

    def set_weekly_target(self, actions_per_week: int, actor_id: UUID) -> None:
        """Set how many actions a week the member aims for (1–50)."""
        self._require_active()
        if isinstance(actions_per_week, bool) or not isinstance(actions_per_week, int):
            raise ValidationError(
                "Weekly target must be a whole number.", "weekly_target"
            )
        if not 1 <= actions_per_week <= 50:
            raise ValidationError(
                "Weekly target must be between 1 and 50 actions.", "weekly_target"
            )
        self._weekly_target_set(actions_per_week=actions_per_week, actor_id=actor_id)

    class WeeklyTargetSet(MomentumAggregate.Event):
        """The member set how many actions a week they aim for."""

        actions_per_week: int
        actor_id: UUID

    @event(WeeklyTargetSet)
    def _weekly_target_set(self, actions_per_week: int, actor_id: UUID) -> None:
        self.weekly_target = actions_per_week

    def change_preferences(self, actor_id: UUID, **changes: Any) -> None:
        """Change digest and reminder preferences and quiet hours."""
        self._require_active()
        prefs = dict(self.preferences)
        prefs.update(changes)
        unknown = set(changes) - set(DEFAULT_PREFERENCES)
        if unknown:
            raise ValidationError(
                f"Unknown preference: {sorted(unknown)[0]}.", sorted(unknown)[0]
            )
        for name, label in (
            ("digest", "Digest frequency"),
            ("mentor_digest", "Mentor digest frequency"),
            ("group_digest", "Group digest frequency"),
        ):
            require_choice(prefs[name], DIGEST_FREQUENCIES, name, label)
        _require_int_in(
            prefs["review_weekday"], 0, 6, "review_weekday", "Weekly review day"
        )
        _require_int_in(
            prefs["digest_weekday"], 0, 6, "digest_weekday", "Digest weekday"
        )
        _require_int_in(prefs["digest_hour"], 0, 23, "digest_hour", "Digest hour")
        for name in ("quiet_start", "quiet_end"):
            if prefs[name] is not None:
                _require_int_in(prefs[name], 0, 23, name, "Quiet hours")
        if (prefs["quiet_start"] is None) != (prefs["quiet_end"] is None):
            raise ValidationError(
                "Give both ends of the quiet hours, or neither.", "quiet_start"
            )
        reminders = prefs["reminders"]
        if not isinstance(reminders, list) or not set(reminders) <= set(REMINDERS):
            raise ValidationError(
                f"Reminders must be chosen from: {', '.join(REMINDERS)}.", "reminders"
            )
        prefs["reminders"] = [r for r in REMINDERS if r in reminders]
        self._preferences_changed(preferences=prefs, actor_id=actor_id)

    class NotificationPreferencesChanged(MomentumAggregate.Event):
        """The whole set of preferences after the change.

        Version 2 added `mentor_digest`, `group_digest` (before, `digest` set all
        three digests) and `review_weekday`; a version 1 event reads as the same
        choice: the mentor and group digests as its `digest`, the default review
        day."""

        class_version = 2
        preferences: dict[str, Any]
        actor_id: UUID

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            prefs = dict(state["preferences"])
            prefs.setdefault("mentor_digest", prefs.get("digest", "weekly"))
            prefs.setdefault("group_digest", prefs.get("digest", "weekly"))
            prefs.setdefault("review_weekday", DEFAULT_PREFERENCES["review_weekday"])
            state["preferences"] = prefs

    @event(NotificationPreferencesChanged)
    def _preferences_changed(self, preferences: dict[str, Any], actor_id: UUID) -> None:
        self.preferences = preferences

    def set_away_period(
        self,
        period_id: UUID,
        starts_on: date,
        ends_on: date,
        reason: str,
        actor_id: UUID,
    ) -> None:
        """Mark days away (holiday, sick leave): no decay, no broken streaks."""
        self._require_active()
        require_choice(reason, AWAY_REASONS, "reason", "Reason")
        starts_on = require_date(starts_on, "starts_on", "First day away")
        ends_on = require_date(ends_on, "ends_on", "Last day away")
        if ends_on < starts_on:
            raise ValidationError(
                "An away period cannot end before it starts.", "ends_on"
            )
        if (ends_on - starts_on).days > 365:
            raise ValidationError("An away period can last at most a year.", "ends_on")
        for other in self.away_periods.values():
            if starts_on <= other["ends_on"] and other["starts_on"] <= ends_on:
                raise ConflictError(
                    "This away period overlaps one you already set "
                    f"({other['starts_on']} to {other['ends_on']})."
                )
        self._away_period_set(
            period_id=period_id,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason,
            actor_id=actor_id,
        )

    class AwayPeriodSet(MomentumAggregate.Event):
        """The member marked days away (no decay, no broken streaks)."""

        period_id: UUID
        starts_on: date
        ends_on: date
        reason: str
        actor_id: UUID

    @event(AwayPeriodSet)
    def _away_period_set(
        self,
        period_id: UUID,
        starts_on: date,
        ends_on: date,
        reason: str,
        actor_id: UUID,
    ) -> None:
        self.away_periods[str(period_id)] = {
            "starts_on": starts_on,
            "ends_on": ends_on,
            "reason": reason,
        }

    def cancel_away_period(self, period_id: UUID, actor_id: UUID) -> None:
        """Cancel an away period."""
        self._require_active()
        if str(period_id) not in self.away_periods:
            raise ValidationError("There is no such away period.", "period_id")
        self._away_period_cancelled(period_id=period_id, actor_id=actor_id)

    class AwayPeriodCancelled(MomentumAggregate.Event):
        """An away period was cancelled."""

        period_id: UUID
        actor_id: UUID

    @event(AwayPeriodCancelled)
    def _away_period_cancelled(self, period_id: UUID, actor_id: UUID) -> None:
        del self.away_periods[str(period_id)]

    def is_away_on(self, day: date) -> bool:
        """True if `day` falls within one of the member's away periods."""
        return any(
            p["starts_on"] <= day <= p["ends_on"] for p in self.away_periods.values()
        )

    def grant_role(self, role: str, actor_id: UUID) -> None:
        """Grant a role (idempotent: granting a held role records nothing)."""
        require_choice(role, ROLES, "role", "Role")
        if role not in self.roles:
            self._role_granted(role=role, actor_id=actor_id)

    class RoleGranted(MomentumAggregate.Event):
        """A role (such as admin) was granted to the member."""

        role: str
        actor_id: UUID

    @event(RoleGranted)
    def _role_granted(self, role: str, actor_id: UUID) -> None:
        self.roles.add(role)

    def revoke_role(self, role: str, actor_id: UUID) -> None:
        """Revoke a role (idempotent)."""
        require_choice(role, ROLES, "role", "Role")
        if role in self.roles:
            self._role_revoked(role=role, actor_id=actor_id)

    class RoleRevoked(MomentumAggregate.Event):
        """A role was revoked from the member."""

        role: str
        actor_id: UUID

    @event(RoleRevoked)
    def _role_revoked(self, role: str, actor_id: UUID) -> None:
        self.roles.discard(role)

    def mark_notifications_read(self, up_to: int, actor_id: UUID) -> None:
        """Mark read every notification up to log position `up_to` (marks only rise:
        a mark not above the current one records nothing)."""
        self._require_active()
        if isinstance(up_to, bool) or not isinstance(up_to, int) or up_to < 0:
            raise ValidationError(
                "The newest notification seen must be a whole number, 0 or more.",
                "up_to",
            )
        if up_to > self.notifications_read_up_to:
            self._notifications_read(up_to=up_to, actor_id=actor_id)

    class NotificationsRead(MomentumAggregate.Event):
        """The member read every notification up to log position `up_to`."""

        up_to: int
        actor_id: UUID

    @event(NotificationsRead)
    def _notifications_read(self, up_to: int, actor_id: UUID) -> None:
        self.notifications_read_up_to = up_to

    def change_password(self, password_hash: str, actor_id: UUID) -> None:
        """Store a new password hash."""
        self._require_active()
        self._password_changed(password_hash=password_hash, actor_id=actor_id)

    class PasswordChanged(MomentumAggregate.Event):
        """The member's password hash was replaced."""

        password_hash: str
        actor_id: UUID

    @event(PasswordChanged)
    def _password_changed(self, password_hash: str, actor_id: UUID) -> None:
        self.password_hash = password_hash

    def end_sessions(self, actor_id: UUID) -> None:
        """End every signed-in session (sign-out): sessions carry a fingerprint of
        `sessions_ended`, so each one started before no longer matches."""
        self._require_active()
        self._sessions_ended(actor_id=actor_id)

    class SessionsEnded(MomentumAggregate.Event):
        """Every signed-in session of the member was ended."""

        actor_id: UUID

    @event(SessionsEnded)
    def _sessions_ended(self, actor_id: UUID) -> None:
        self.sessions_ended += 1

    def reset_calendar_feed(self, actor_id: UUID) -> None:
        """Give the calendar feed a new secret URL: its token is keyed by
        `calendar_feed_resets`, so every URL handed out before stops working."""
        self._require_active()
        self._calendar_feed_reset(actor_id=actor_id)

    class CalendarFeedReset(MomentumAggregate.Event):
        """The calendar feed got a new secret URL; older URLs stopped working."""

        actor_id: UUID

    @event(CalendarFeedReset)
    def _calendar_feed_reset(self, actor_id: UUID) -> None:
        self.calendar_feed_resets += 1

    def erase(self, actor_id: UUID) -> None:
        """Mark the account erased (content is shredded elsewhere, see SPEC 9)."""
        self._require_active()
        self._erased(actor_id=actor_id)

    class Erased(MomentumAggregate.Event):
        """The account was erased; its content is shredded elsewhere (SPEC 9)."""

        actor_id: UUID

    @event(Erased)
    def _erased(self, actor_id: UUID) -> None:
        self.erased = True
        self.password_hash = ""


def _require_int_in(value: Any, low: int, high: int, field: str, label: str) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise ValidationError(
            f"{label} must be a whole number from {low} to {high}.", field
        )


class EmailIndex(MomentumAggregate):
    """Reserves one email address for one member (`member_id`), or for nobody once
    released (erasure); its id derives from the email (see `email_index_id`)."""

    class EmailClaimed(MomentumAggregate.Created):
        """An email address was reserved for a member."""

        member_id: UUID
        actor_id: UUID

    @event(EmailClaimed)
    def __init__(self, id: UUID, member_id: UUID, actor_id: UUID) -> None:
        self.member_id: UUID | None = member_id

    def release(self, actor_id: UUID) -> None:
        """Free the address for a new account (idempotent)."""
        if self.member_id is not None:
            self._released(actor_id=actor_id)

    class EmailReleased(MomentumAggregate.Event):
        """The address was freed for a new account."""

        actor_id: UUID

    @event(EmailReleased)
    def _released(self, actor_id: UUID) -> None:
        self.member_id = None

    def claim(self, member_id: UUID, actor_id: UUID) -> None:
        """Reserve a released address for a new member."""
        if self.member_id is not None:
            raise EmailTakenError(
                "An account with this email already exists. Sign in instead."
            )
        self._claimed_again(member_id=member_id, actor_id=actor_id)

    class EmailClaimedAgain(MomentumAggregate.Event):
        """A released address was reserved for a new member."""

        member_id: UUID
        actor_id: UUID

    @event(EmailClaimedAgain)
    def _claimed_again(self, member_id: UUID, actor_id: UUID) -> None:
        self.member_id = member_id
