"""When each member wants mail (SPEC 8): their digests' frequencies, day and hour,
their review day, their reminders and quiet hours, and their away days — read for
all members at once, shared by digest and reminder planning.

A member who never changed their preferences has no preferences row and gets
the defaults (`relations_queries.mail_preferences`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from projections import metrics_queries
from projections.relations_queries import MailPreferences, mail_preferences
from service.clock import zone_info

DIGEST_PREFERENCE = {
    "digest:member": "digest",
    "digest:mentor": "mentor_digest",
    "digest:group": "group_digest",
}
"""Each digest kind → the preference holding its frequency (off, daily, weekly)."""


def in_quiet_hours(hour: int, start: int | None, end: int | None) -> bool:
    """True if `hour` is within quiet hours from `start` to `end` (may wrap)."""
    if start is None or end is None or start == end:
        return False
    return start <= hour < end if start < end else hour >= start or hour < end


@dataclass(frozen=True)
class Schedule:
    """One member's mail preferences, and their local time at `now`."""

    member_id: str
    email: str
    timezone: str
    local: datetime  # `now` in the member's timezone
    digest: str
    mentor_digest: str
    group_digest: str
    digest_weekday: int
    digest_hour: int
    review_weekday: int
    reminders: frozenset[str]
    quiet_start: int | None
    quiet_end: int | None

    @property
    def today(self) -> date:
        """The member's own date."""
        return self.local.date()

    @property
    def quiet(self) -> bool:
        """It is the member's quiet hours now: nothing may be sent."""
        return in_quiet_hours(self.local.hour, self.quiet_start, self.quiet_end)

    @property
    def week_starts_at(self) -> datetime:
        """The local midnight that starts the member's current ISO week."""
        monday = self.today - timedelta(days=self.today.weekday())
        return datetime(monday.year, monday.month, monday.day, tzinfo=self.local.tzinfo)

    def frequency(self, kind: str) -> str:
        """How often the member wants the digest `kind` (off, daily or weekly)."""
        return str(getattr(self, DIGEST_PREFERENCE[kind]))

    def digest_due(self, kind: str) -> bool:
        """The digest `kind` is due today and its hour has come."""
        frequency = self.frequency(kind)
        if frequency not in ("daily", "weekly"):
            return False
        if frequency == "weekly" and self.local.weekday() != self.digest_weekday:
            return False
        return self.local.hour >= self.digest_hour


def schedules(conn: Connection, now: datetime) -> list[Schedule]:
    """Every member's schedule at `now`, by member id."""
    return [_schedule(p, now) for p in mail_preferences(conn)]


def _schedule(p: MailPreferences, now: datetime) -> Schedule:
    values: dict[str, Any] = dict(p.values)
    chosen = frozenset(n for n in str(values.pop("reminders")).split(",") if n)
    return Schedule(
        member_id=p.member_id,
        email=p.email,
        timezone=p.timezone,
        local=now.astimezone(zone_info(p.timezone)),
        reminders=chosen,
        **values,
    )


def away_today(conn: Connection, today: dict[str, date]) -> set[str]:
    """Members (given with their own today) for whom today is an away day."""
    return metrics_queries.away_on(conn, today)


def by_id(found: Collection[Schedule]) -> dict[str, Schedule]:
    """Schedules keyed by member id."""
    return {s.member_id: s for s in found}
