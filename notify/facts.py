"""What digests read from the read models, for many members at once.

Each function runs the same one or two statements whatever the number of members,
so composing thousands of digests costs a handful of queries per chunk (SPEC 11).
Members live in different timezones, so functions take the widest window any of
them needs and callers narrow it to each member's own days. Functions that list
someone's items take the visibilities the reader may see (SPEC 9).

The statements are the read models' own queries (`projections.*_queries`): notify
never reads their tables.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime

from sqlalchemy import Connection

from projections import (
    goals_queries,
    journal_queries,
    metrics_queries,
    notifications_queries,
)
from projections.goals_queries import DueItem as Due
from projections.goals_queries import StalledGoal as Stalled
from projections.journal_queries import EntryLine as Entry
from projections.journal_queries import Received
from service.domain.base import VISIBILITIES

__all__ = [
    "Due",
    "Entry",
    "Received",
    "Stalled",
    "action_days",
    "check_ins",
    "cheers_received",
    "due_between",
    "feedback_received",
    "last_action_days",
    "last_check_ins",
    "stalled_goals",
    "wins",
]


def action_days(
    conn: Connection, ids: Collection[str], first: date, last: date
) -> dict[str, dict[date, int]]:
    """Per member, how many actions they logged on each day from `first` to `last`."""
    return journal_queries.action_counts_by_day(conn, ids, first, last)


def wins(
    conn: Connection,
    ids: Collection[str],
    first: date,
    last: date,
    visibilities: Collection[str] = VISIBILITIES,
) -> dict[str, list[Entry]]:
    """Per member, their wins from `first` to `last` shown with these visibilities."""
    return journal_queries.win_lines(conn, ids, first, last, visibilities)


def check_ins(
    conn: Connection,
    ids: Collection[str],
    first: date,
    last: date,
    visibilities: Collection[str] = VISIBILITIES,
) -> dict[str, list[Entry]]:
    """Per member, their check-ins from `first` to `last` with these visibilities."""
    return journal_queries.check_in_lines(conn, ids, first, last, visibilities)


def feedback_received(
    conn: Connection, ids: Collection[str], since: datetime, until: datetime
) -> dict[str, list[Received]]:
    """Per member, feedback (not withdrawn) others left on their items in [since,
    until)."""
    return journal_queries.feedback_received(conn, ids, since, until)


def cheers_received(
    conn: Connection, ids: Collection[str], since: datetime, until: datetime
) -> dict[str, list[Received]]:
    """Per member, the cheers on their items in [since, until) (from their inbox,
    where each cheer is timed)."""
    return notifications_queries.cheers_received(conn, ids, since, until)


def due_between(
    conn: Connection, ids: Collection[str], first: date, last: date
) -> dict[str, list[Due]]:
    """Per member, open milestones of active goals and active goals themselves due
    from `first` to `last`, soonest first."""
    return goals_queries.due_between(conn, ids, first, last)


def stalled_goals(
    conn: Connection, timezones: Mapping[str, str], now: datetime
) -> dict[str, list[Stalled]]:
    """Per member (given with their timezone), their stalled goals at `now`, by due
    date; the same rule as the goal board's `stalled` flag."""
    return goals_queries.stalled_by_owner(conn, timezones, now)


def last_action_days(conn: Connection, ids: Collection[str]) -> dict[str, date]:
    """Per member, the last day they logged an action (members who never did are
    left out)."""
    return journal_queries.last_action_days(conn, ids)


def last_check_ins(
    conn: Connection, ids: Collection[str], until: datetime
) -> dict[str, datetime]:
    """Per member, when they last recorded a review, up to `until`."""
    return metrics_queries.last_check_ins(conn, ids, until)
