"""Mentor view: a mentor's mentees with their metrics, sorted by need of attention,
and one mentorship as either side sees it.

It has no tables of its own: who mentors whom is in `relations`, the numbers are
the metrics model's (computed for `now`), stalled goals are the goal board's as far
as the mentor may see them. Nothing here is stored, so nothing here goes stale.
Triage reads in bulk: the same statements for 2 mentees as for 100.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from projections import relations
from projections.goals_queries import stalled_goals_for_many
from projections.metrics_queries import MemberMetrics, metrics_for_many

QUIET_DAYS = 10  # SPEC 8: "no action for 10 days" is worth a reminder
LOW_MOMENTUM = 50


@dataclass(frozen=True)
class MenteeCard:
    """One mentee on the triage list, with why they are where they are."""

    member_id: str
    display_name: str
    metrics: MemberMetrics
    stalled_goals: int
    reasons: tuple[str, ...]
    rut_risk_change: int | None = None  # risk now − 14 days ago (None: not computed)


def attention_order(card: MenteeCard) -> tuple[int, int, int, int]:
    """Rising risk first, then higher risk, then longer quiet; new members (their
    first grace week) after everyone else."""
    m = card.metrics
    quiet = 10_000 if m.days_since_action is None else m.days_since_action
    return (1 if m.new else 0, 0 if m.rising else 1, -m.rut_risk, -quiet)


def reasons(m: MemberMetrics, stalled: int) -> tuple[str, ...]:
    """Plain-language reasons behind a mentee's place on the list.

    A member in their first grace week (joined < 7 days ago) is not flagged for
    inactivity, low momentum or rut risk: their numbers have not had time to mean
    anything. Stalled goals and being away are still said."""
    found = []
    if m.new:
        if stalled:
            found.append(f"{stalled} stalled goal{'s' if stalled > 1 else ''}")
        if m.away_today:
            found.append("away today")
        return tuple(found)
    if m.rising:
        found.append("rut risk rose by 20 or more in 14 days")
    if m.days_since_action is None:
        found.append("no action logged yet")
    elif m.days_since_action >= QUIET_DAYS:
        found.append(f"no action for {m.days_since_action} days")
    if m.momentum_shown < LOW_MOMENTUM:
        found.append(f"momentum {m.momentum_shown} of 100")
    if m.rut_signals > 0.5:
        found.append("their last check-in was rated low")
    if stalled:
        found.append(f"{stalled} stalled goal{'s' if stalled > 1 else ''}")
    if m.away_today:
        found.append("away today")
    return tuple(found)


def triage(conn: Connection, mentor_id: str, now: datetime) -> list[MenteeCard]:
    """The mentor's current mentees, the one needing attention most first.

    A fixed number of statements whatever the number of mentees: their metrics
    (with the rut risk 14 days ago), names and stalled goals in bulk."""
    ids = relations.mentee_ids(conn, mentor_id)
    if not ids:
        return []
    metrics = metrics_for_many(conn, ids, now)
    names = relations.member_names(conn, ids)
    stalled = stalled_goals_for_many(conn, ids, now)
    cards = []
    for member_id in ids:
        if member_id not in metrics or member_id not in names:
            continue
        shown = sum(
            1 for goal in stalled.get(member_id, ()) if goal.visibility != "private"
        )
        m = metrics[member_id]
        change = m.rut_risk - m.rut_risk_before
        cards.append(
            MenteeCard(member_id, names[member_id], m, shown, reasons(m, shown), change)
        )
    return sorted(cards, key=attention_order)


def mentee_card(
    conn: Connection, mentor_id: str, mentee_id: str, now: datetime
) -> MenteeCard | None:
    """One mentee's card, or None unless `mentor_id` mentors them now."""
    if not relations.is_mentor(conn, mentor_id, mentee_id):
        return None
    return next(
        (c for c in triage(conn, mentor_id, now) if c.member_id == mentee_id), None
    )


def mentorship_of(
    conn: Connection, member_id: str, mentorship_id: str
) -> relations.MentorLink | None:
    """One mentorship, whatever its status, if `member_id` is in it: its mentee, its
    mentor, or the person it invites (by email); None otherwise."""
    links, people = relations.mentor_links, relations.members
    row = conn.execute(
        select(links).where(links.c.mentorship_id == mentorship_id)
    ).first()
    if row is None:
        return None
    link = relations.MentorLink(**row._mapping)
    if member_id in (link.mentee_id, link.mentor_id):
        return link
    email = conn.execute(
        select(people.c.email).where(people.c.member_id == member_id)
    ).scalar()
    return link if email is not None and email == link.mentor_email else None
