"""The data of a digest (SPEC 8): the period it covers and what it says, per kind.

Plain frozen dataclasses, composed by `notify.digests` and rendered by
`notify.render`; `empty` on each says there is nothing worth an email.

Momentum is kept twice, as the pages keep it: `momentum` the value shown, capped at
100 (what anything computing with it uses, e.g. a group member's gain), and `pace`
the uncapped score, the % of the target pace; `momentum_label` writes it "100+"
above the pace (`projections.formulas.momentum_label`), `above_pace` says when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import ClassVar

from notify.facts import Due, Entry, Received, Stalled
from notify.recipients import Person
from projections.formulas import momentum_label
from service.clock import local_date, zone_info

PERIOD_DAYS = {"daily": 1, "weekly": 7}
RISING_GAIN = 15  # momentum points gained over the period (about two actions)
QUIET_DAYS = 7  # a whole week without an action: "went quiet"


@dataclass(frozen=True)
class Period:
    """The recipient's local days a digest reports on, `first_day` to `last_day`."""

    kind: str  # daily or weekly
    first_day: date
    last_day: date
    timezone: str
    sent_on: date  # the recipient's day of sending (after the period)

    @property
    def starts_at(self) -> datetime:
        """The local midnight that starts the period."""
        return datetime.combine(self.first_day, time(0), zone_info(self.timezone))

    @property
    def ends_at(self) -> datetime:
        """The local midnight that ends it (the start of the day of sending)."""
        end = self.last_day + timedelta(days=1)
        return datetime.combine(end, time(0), zone_info(self.timezone))

    @property
    def today(self) -> date:
        """The day of sending (the recipient's)."""
        return self.sent_on

    @property
    def key(self) -> str:
        """Names the period, e.g. `weekly:2026-03-02` (for the sender's records)."""
        return f"{self.kind}:{self.first_day.isoformat()}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first_day <= day <= self.last_day

    def holds(self, at: datetime) -> bool:
        """True if the instant `at` falls within the period."""
        return self.starts_at <= at < self.ends_at


def period_for(kind: str, now: datetime, timezone: str) -> Period:
    """The period a `kind` digest sent at `now` covers, in the recipient's own days:
    `daily` yesterday; `weekly` the last whole ISO week (Monday to Sunday) before
    today's — the weeks the charts, streaks and targets count — whatever the day
    the digest is sent on. ValueError for a bad kind."""
    if kind not in PERIOD_DAYS:
        raise ValueError(f"A digest period is one of {', '.join(PERIOD_DAYS)}.")
    today = local_date(now, timezone)
    if kind == "daily":
        yesterday = today - timedelta(days=1)
        return Period(kind, yesterday, yesterday, timezone, today)
    monday = today - timedelta(days=today.weekday())
    last_week = monday - timedelta(days=7)
    return Period(kind, last_week, monday - timedelta(days=1), timezone, today)


class ShowsMomentum:
    """Momentum as the pages show it, from `momentum` (capped) and `pace`."""

    momentum: int
    pace: int

    @property
    def above_pace(self) -> bool:
        """Ahead of the target pace: shown as '100+' with the pace beside it."""
        return self.pace > self.momentum

    @property
    def momentum_label(self) -> str:
        """'100+' above the target pace, else the shown number."""
        return momentum_label(self.pace)


@dataclass(frozen=True)
class MemberDigest(ShowsMomentum):
    """A member's own period: actions, momentum, wins, what others said, what is
    coming up and what has stalled."""

    kind: ClassVar[str] = "member"
    to: Person
    period: Period
    actions: int  # in the period
    actions_this_week: int  # the current ISO week so far
    weekly_target: int
    momentum: int  # shown, capped at 100
    pace: int  # uncapped: the % of the target pace
    trend: int  # momentum now − 28 days ago
    streak: int
    review_streak: int
    wins: tuple[Entry, ...]
    feedback: tuple[Received, ...]
    cheers: tuple[Received, ...]
    upcoming: tuple[Due, ...]
    stalled: tuple[Stalled, ...]
    review_due: bool  # no check-in in the last 7 days
    also: tuple[str, ...] = ()  # reminders over the week's cap, folded in here

    @property
    def empty(self) -> bool:
        """Nothing happened in the period and nothing is due or stalled."""
        return not (
            self.also
            or self.actions
            or self.wins
            or self.feedback
            or self.cheers
            or self.upcoming
            or self.stalled
        )


@dataclass(frozen=True)
class MenteeNews(ShowsMomentum):
    """A mentee as their mentor's digest shows them."""

    member_id: str
    display_name: str
    momentum: int  # shown, capped at 100
    pace: int  # uncapped: the % of the target pace
    rut_risk: int
    rut_level: str
    risk_change: int  # since the start of the period
    level_before: str
    rising: bool  # risk rose by 20 or more in 14 days
    reasons: tuple[str, ...]  # why they need attention; empty if they do not
    check_ins: tuple[Entry, ...]
    wins: tuple[Entry, ...]

    @property
    def has_news(self) -> bool:
        """Something new, a reason for attention, or a change of risk level."""
        changed = self.rut_level != self.level_before
        return bool(self.reasons or self.check_ins or self.wins or changed)


@dataclass(frozen=True)
class MentorDigest:
    """A mentor's mentees, the one needing attention most first."""

    kind: ClassVar[str] = "mentor"
    to: Person
    period: Period
    mentees: tuple[MenteeNews, ...]

    @property
    def needs_attention(self) -> tuple[MenteeNews, ...]:
        """The mentees with a reason for attention, in triage order."""
        return tuple(m for m in self.mentees if m.reasons)

    @property
    def empty(self) -> bool:
        """No mentees, or none has anything new or worrying."""
        return not any(m.has_news for m in self.mentees)


@dataclass(frozen=True)
class GroupMember(ShowsMomentum):
    """A member's period as their group's digest shows it."""

    member_id: str
    display_name: str
    actions: int  # in the period
    weekly_target: int
    momentum: int  # shown, capped at 100
    pace: int  # uncapped: the % of the target pace
    gain: int  # shown momentum points since the start of the period
    days_since_action: int | None
    away: bool

    @property
    def rising(self) -> bool:
        """Gained at least RISING_GAIN momentum points over the period."""
        return self.gain >= RISING_GAIN

    @property
    def quiet(self) -> bool:
        """No action for a week or more (or never), and not away."""
        idle = self.days_since_action
        return not self.away and (idle is None or idle >= QUIET_DAYS)


@dataclass(frozen=True)
class GroupNews:
    """One group's period: its actions, its group-visible wins, who rose, who went
    quiet."""

    group_id: str
    name: str
    members: tuple[GroupMember, ...]  # by name
    wins: tuple[Entry, ...]

    @property
    def actions(self) -> int:
        """Actions of all members in the period."""
        return sum(m.actions for m in self.members)

    @property
    def met_target(self) -> tuple[GroupMember, ...]:
        """Members whose actions in the period reached their weekly target."""
        return tuple(m for m in self.members if m.actions >= m.weekly_target)

    @property
    def rising(self) -> tuple[GroupMember, ...]:
        """Members who gained the most momentum, most first."""
        risers = [m for m in self.members if m.rising]
        return tuple(sorted(risers, key=lambda m: (-m.gain, m.display_name)))

    @property
    def quiet(self) -> tuple[GroupMember, ...]:
        """Members who went quiet."""
        return tuple(m for m in self.members if m.quiet)

    @property
    def has_news(self) -> bool:
        """Anything to tell the facilitator."""
        return bool(self.actions or self.wins or self.rising or self.quiet)


@dataclass(frozen=True)
class GroupDigest:
    """A facilitator's groups, by name."""

    kind: ClassVar[str] = "group"
    to: Person
    period: Period
    groups: tuple[GroupNews, ...]

    @property
    def empty(self) -> bool:
        """No groups led, or nothing to tell about any of them."""
        return not any(group.has_news for group in self.groups)


Digest = MemberDigest | MentorDigest | GroupDigest
