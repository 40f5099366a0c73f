"""The member digest (SPEC 8): actions last period against the target, momentum and
trend, streaks, wins, feedback and cheers received, milestones and goals due in the
next 14 days, stalled goals, and a prompt to check in when the member has not for
seven days. Everything is the member's own, so every visibility is shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from notify import facts
from notify.batch import compose_in_chunks, dated_in, day_span, periods_of
from notify.digest_model import MemberDigest, Period
from notify.facts import Due, Entry, Received, Stalled
from notify.recipients import Person
from projections.metrics_queries import MemberMetrics, metrics_for_many

UPCOMING_DAYS = 14  # milestones and goals due from today to 14 days ahead
REVIEW_EVERY = timedelta(days=7)  # no check-in for this long: prompt for one


@dataclass(frozen=True)
class _MemberFacts:
    metrics: dict[str, MemberMetrics]
    actions: dict[str, dict[date, int]]
    wins: dict[str, list[Entry]]
    feedback: dict[str, list[Received]]
    cheers: dict[str, list[Received]]
    due: dict[str, list[Due]]
    stalled: dict[str, list[Stalled]]
    check_ins: dict[str, datetime]


def _member_facts(
    conn: Connection,
    who: Mapping[str, Person],
    periods: dict[str, Period],
    now: datetime,
) -> _MemberFacts:
    ids = list(who)
    first, last = day_span(periods.values())
    since = min(p.starts_at for p in periods.values())
    until = max(p.ends_at for p in periods.values())
    today = min(p.today for p in periods.values())
    soon = last + timedelta(days=1 + UPCOMING_DAYS)
    return _MemberFacts(
        metrics=metrics_for_many(conn, ids, now),
        actions=facts.action_days(conn, ids, first, last),
        wins=facts.wins(conn, ids, first, last),
        feedback=facts.feedback_received(conn, ids, since, until),
        cheers=facts.cheers_received(conn, ids, since, until),
        due=facts.due_between(conn, ids, today, soon),
        stalled=facts.stalled_goals(conn, {m: p.timezone for m, p in who.items()}, now),
        check_ins=facts.last_check_ins(conn, ids, now),
    )


def _member_digest(
    to: Person, period: Period, read: _MemberFacts, now: datetime
) -> MemberDigest:
    m, me = read.metrics[to.member_id], to.member_id
    today = period.today
    soon = today + timedelta(days=UPCOMING_DAYS)
    reviewed = read.check_ins.get(me)
    return MemberDigest(
        to=to,
        period=period,
        actions=sum(n for day, n in read.actions.get(me, {}).items() if day in period),
        actions_this_week=m.actions_this_week,
        weekly_target=m.weekly_target,
        momentum=m.momentum_shown,
        pace=m.momentum,
        trend=m.trend,
        streak=m.streak,
        review_streak=m.review_streak,
        wins=dated_in(read.wins.get(me, ()), period),
        feedback=tuple(f for f in read.feedback.get(me, ()) if period.holds(f.at)),
        cheers=tuple(c for c in read.cheers.get(me, ()) if period.holds(c.at)),
        upcoming=tuple(d for d in read.due.get(me, ()) if today <= d.due_on <= soon),
        stalled=tuple(read.stalled.get(me, ())),
        review_due=reviewed is None or reviewed <= now - REVIEW_EVERY,
    )


def _member_digests(
    conn: Connection, who: dict[str, Person], now: datetime, kind: str
) -> dict[str, MemberDigest]:
    periods = periods_of(who, now, kind)
    read = _member_facts(conn, who, periods, now)
    return {
        m: _member_digest(who[m], periods[m], read, now)
        for m in who
        if m in read.metrics
    }


def member_digests(
    conn: Connection, member_ids: Iterable[object], now: datetime, period: str
) -> dict[str, MemberDigest]:
    """Each known member's digest at `now` for a daily or weekly `period`."""
    return compose_in_chunks(conn, member_ids, now, period, _member_digests)
