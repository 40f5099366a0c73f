"""The mentor digest (SPEC 8): each mentee's momentum, rut risk and its change over
the period, new check-ins and wins, and who needs attention first, in the order and
with the reasons of the mentor view (`projections.mentoring`). Only what mentees let
mentors see is shown (SPEC 9), stalled goals included."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from notify import facts
from notify.batch import compose_in_chunks, dated_in, day_span, periods_of
from notify.digest_model import PERIOD_DAYS, MenteeNews, MentorDigest, Period
from notify.facts import Entry, Stalled
from notify.recipients import Person, mentees_of, people
from projections.mentoring import MenteeCard, attention_order, reasons
from projections.metrics_queries import MemberMetrics, metrics_for_many
from service.domain.visibility import Relation, levels_seen_by

MENTOR_SEES = levels_seen_by(Relation.MENTOR)  # what an accepted mentor may see


@dataclass(frozen=True)
class _MenteeFacts:
    people: dict[str, Person]
    now: dict[str, MemberMetrics]
    before: dict[str, MemberMetrics]  # at the start of the period
    stalled: dict[str, list[Stalled]]
    check_ins: dict[str, list[Entry]]
    wins: dict[str, list[Entry]]


def _mentee_facts(
    conn: Connection, ids: list[str], periods: dict[str, Period], now: datetime
) -> _MenteeFacts:
    kind = next(iter(periods.values())).kind
    before = now - timedelta(days=PERIOD_DAYS[kind])
    first, last = day_span(periods.values())
    mentees = people(conn, ids)
    timezones = {m: p.timezone for m, p in mentees.items()}
    return _MenteeFacts(
        people=mentees,
        now=metrics_for_many(conn, ids, now),
        before=metrics_for_many(conn, ids, before),
        stalled=facts.stalled_goals(conn, timezones, now),
        check_ins=facts.check_ins(conn, ids, first, last, MENTOR_SEES),
        wins=facts.wins(conn, ids, first, last, MENTOR_SEES),
    )


def _mentee_news(card: MenteeCard, read: _MenteeFacts, period: Period) -> MenteeNews:
    m, me = card.metrics, card.member_id
    before = read.before.get(me, m)
    return MenteeNews(
        member_id=me,
        display_name=card.display_name,
        momentum=m.momentum_shown,
        pace=m.momentum,
        rut_risk=m.rut_risk,
        rut_level=m.rut_level,
        risk_change=m.rut_risk - before.rut_risk,
        level_before=before.rut_level,
        rising=m.rising,
        reasons=card.reasons,
        check_ins=dated_in(read.check_ins.get(me, ()), period),
        wins=dated_in(read.wins.get(me, ()), period),
    )


def _triage(mentee_ids: Iterable[str], read: _MenteeFacts) -> list[MenteeCard]:
    """The mentees as the mentor view orders them (stalled goals they may see)."""
    cards = []
    for me in mentee_ids:
        m, person = read.now.get(me), read.people.get(me)
        if m is None or person is None:
            continue
        shown = [s for s in read.stalled.get(me, ()) if s.visibility in MENTOR_SEES]
        why = reasons(m, len(shown))
        cards.append(MenteeCard(me, person.display_name, m, len(shown), why))
    return sorted(cards, key=attention_order)


def _mentor_digests(
    conn: Connection, who: dict[str, Person], now: datetime, kind: str
) -> dict[str, MentorDigest]:
    periods = periods_of(who, now, kind)
    links = mentees_of(conn, list(who))
    ids = sorted({mentee for mentees in links.values() for mentee in mentees})
    read = _mentee_facts(conn, ids, periods, now) if ids else None
    found = {}
    for mentor, to in who.items():
        period, news = periods[mentor], tuple[MenteeNews, ...]()
        if read is not None:
            cards = _triage(links.get(mentor, ()), read)
            news = tuple(_mentee_news(card, read, period) for card in cards)
        found[mentor] = MentorDigest(to, period, news)
    return found


def mentor_digests(
    conn: Connection, mentor_ids: Iterable[object], now: datetime, period: str
) -> dict[str, MentorDigest]:
    """Each known member's mentor digest (empty for a member with no mentees)."""
    return compose_in_chunks(conn, mentor_ids, now, period, _mentor_digests)
