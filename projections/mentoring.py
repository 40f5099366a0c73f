"""Mentor view: a mentor's mentees with their metrics, sorted by need of attention.

It has no tables of its own: who mentors whom is in `relations`, the numbers are
the metrics model's (computed for `now`), stalled goals are the goal board's as far
as the mentor may see them. Nothing here is stored, so nothing here goes stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from projections import relations
from projections.goals_queries import stalled_goals
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


def attention_order(card: MenteeCard) -> tuple[int, int, int]:
    """Rising risk first, then higher risk, then longer quiet."""
    m = card.metrics
    quiet = 10_000 if m.days_since_action is None else m.days_since_action
    return (0 if m.rising else 1, -m.rut_risk, -quiet)


def reasons(m: MemberMetrics, stalled: int) -> tuple[str, ...]:
    """Plain-language reasons behind a mentee's place on the list."""
    found = []
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
    """The mentor's current mentees, the one needing attention most first."""
    ids = relations.mentee_ids(conn, mentor_id)
    metrics = metrics_for_many(conn, ids, now)
    names = relations.member_names(conn, ids)
    cards = []
    for member_id in ids:
        if member_id not in metrics or member_id not in names:
            continue
        stalled = sum(
            1
            for goal in stalled_goals(conn, member_id, now)
            if goal.visibility != "private"
        )
        m = metrics[member_id]
        cards.append(
            MenteeCard(member_id, names[member_id], m, stalled, reasons(m, stalled))
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
