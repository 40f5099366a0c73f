"""The group digest for facilitators (SPEC 8): each group's period — its actions,
who met their target, its group-visible wins (SPEC 9: nothing narrower, even for a
facilitator who also mentors someone), who is rising and who went quiet."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from notify import facts
from notify.batch import compose_in_chunks, dated_in, day_span, periods_of
from notify.digest_model import (
    PERIOD_DAYS,
    GroupDigest,
    GroupMember,
    GroupNews,
    Period,
)
from notify.facts import Entry
from notify.recipients import Person, Roster, groups_led_by, people
from projections.metrics_queries import MemberMetrics, metrics_for_many

GROUP_SEES = ("group",)


@dataclass(frozen=True)
class _GroupFacts:
    people: dict[str, Person]
    now: dict[str, MemberMetrics]
    before: dict[str, MemberMetrics]
    actions: dict[str, dict[date, int]]
    wins: dict[str, list[Entry]]


def _group_facts(
    conn: Connection, ids: list[str], periods: dict[str, Period], now: datetime
) -> _GroupFacts:
    kind = next(iter(periods.values())).kind
    first, last = day_span(periods.values())
    return _GroupFacts(
        people=people(conn, ids),
        now=metrics_for_many(conn, ids, now),
        before=metrics_for_many(conn, ids, now - timedelta(days=PERIOD_DAYS[kind])),
        actions=facts.action_days(conn, ids, first, last),
        wins=facts.wins(conn, ids, first, last, GROUP_SEES),
    )


def _group_member(me: str, read: _GroupFacts, period: Period) -> GroupMember | None:
    m, person = read.now.get(me), read.people.get(me)
    if m is None or person is None:
        return None
    before = read.before.get(me, m)
    return GroupMember(
        member_id=me,
        display_name=person.display_name,
        actions=sum(n for day, n in read.actions.get(me, {}).items() if day in period),
        weekly_target=m.weekly_target,
        momentum=m.momentum_shown,
        pace=m.momentum,
        gain=m.momentum_shown - before.momentum_shown,
        days_since_action=m.days_since_action,
        away=m.away_today,
    )


def _group_news(group: Roster, read: _GroupFacts, period: Period) -> GroupNews:
    found = (_group_member(me, read, period) for me in group.member_ids)
    members = sorted((m for m in found if m), key=lambda m: m.display_name)
    wins = sorted(
        (w for me in group.member_ids for w in dated_in(read.wins.get(me, ()), period)),
        key=lambda w: (w.day, w.member_name),
    )
    return GroupNews(group.group_id, group.name, tuple(members), tuple(wins))


def _group_digests(
    conn: Connection, who: dict[str, Person], now: datetime, kind: str
) -> dict[str, GroupDigest]:
    periods = periods_of(who, now, kind)
    led = groups_led_by(conn, list(who))
    ids = sorted({m for groups in led.values() for g in groups for m in g.member_ids})
    read = _group_facts(conn, ids, periods, now) if ids else None
    found = {}
    for leader, to in who.items():
        news: tuple[GroupNews, ...] = ()
        if read is not None:
            period = periods[leader]
            news = tuple(_group_news(g, read, period) for g in led.get(leader, ()))
        found[leader] = GroupDigest(to, periods[leader], news)
    return found


def group_digests(
    conn: Connection, facilitator_ids: Iterable[object], now: datetime, period: str
) -> dict[str, GroupDigest]:
    """Each known member's group digest (empty for one who facilitates no group)."""
    return compose_in_chunks(conn, facilitator_ids, now, period, _group_digests)
