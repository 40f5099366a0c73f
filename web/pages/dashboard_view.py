"""What the dashboard shows, read from the projections and put into words.

The numbers are the metrics model's (`member_metrics`, `daily_series`, the same as
`GET /momentum`), the goal board's (`goal_board`, with the member as viewer) and
the latest reviews' signals (`signal_history`), read from the connection given: the
live read models, or the member's as they were at the end of a past day
(`?as_of=`, `web.pages.as_of`); this module only says them: the three parts of
rut risk (SPEC 5's s, b, i), why a goal counts as stalled (by asking the rule
itself), when a milestone is due.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from projections.formulas import SIGNALS, is_stalled
from projections.goals_queries import GoalCard, MilestoneRow, goal_board
from projections.metrics_queries import (
    MemberMetrics,
    daily_series,
    latest_signals,
    member_metrics,
)
from projections.signals_queries import signal_history
from service.errors import NotFoundError
from web.pages.charts import Chart, heat_map, momentum_line, weekly_bars
from web.pages.charts_signals import signals_chart

HEAT_DAYS = 53 * 7  # every day the heat map can show
LINE_DAYS = 90
LOW_RATING = 2  # a signal rated this or lower is named as a reason


@dataclass(frozen=True)
class Reason:
    """One part of rut risk: what it weighs, in words, and its share of the score."""

    part: str
    text: str
    points: int
    of: int


@dataclass(frozen=True)
class Milestone:
    """A goal's next milestone, with when it is due in words."""

    goal: GoalCard
    milestone: MilestoneRow
    when: str


@dataclass(frozen=True)
class Dashboard:
    """Everything on the signed-in member's dashboard."""

    metrics: MemberMetrics
    reasons: tuple[Reason, ...]
    has_goals: bool
    stalled: tuple[tuple[GoalCard, str], ...]
    milestones: tuple[Milestone, ...]
    heat_map: Chart
    momentum_line: Chart
    weekly_bars: Chart
    signals: Chart

    @property
    def is_new(self) -> bool:
        """No goal set and no action logged yet: time for a first step."""
        return not self.has_goals and self.metrics.last_action_on is None


def _days(n: int | timedelta) -> str:
    days = n.days if isinstance(n, timedelta) else n
    return f"{days} day{'' if days == 1 else 's'}"


def _said(signals: Mapping[str, int] | None) -> str:
    if signals is None:
        return "No review in the last 35 days, so this part counts as neutral."
    low = [
        f"{name} {signals[name]}/5" for name in SIGNALS if signals[name] <= LOW_RATING
    ]
    if low:
        return "Your last review rated " + ", ".join(low) + "."
    return "Your last review rated every signal 3/5 or better."


def _done(days_since_action: int | None) -> str:
    if days_since_action is None:
        return "No action logged yet."
    if days_since_action == 0:
        return "You logged an action today."
    return f"No action for {_days(days_since_action)}."


def _momentum_said(m: MemberMetrics) -> str:
    """The momentum as the gauge labels it: '100+' above the target pace, with the
    uncapped pace beside it; else the shown number of 100."""
    if m.above_pace:
        return (
            f"Your momentum is {m.momentum_label} ({m.momentum}% of your target pace)."
        )
    return f"Your momentum is {m.momentum_label} of 100."


def rut_reasons(m: MemberMetrics, signals: Mapping[str, int] | None) -> list[Reason]:
    """The three parts of rut risk in words, with the points each adds (40, 40, 20)."""
    return [
        Reason("What you say", _said(signals), round(40 * m.rut_signals), 40),
        Reason("What you do", _momentum_said(m), round(40 * m.rut_momentum), 40),
        Reason(
            "How recently", _done(m.days_since_action), round(20 * m.rut_inactivity), 20
        ),
    ]


def stalled_reason(card: GoalCard) -> str:
    """Why the goal board flags this goal as stalled (SPEC 5), in words."""
    quiet = is_stalled(
        card.status, card.last_activity_on, card.set_on, card.due_on, 100.0, card.today
    )
    last = card.last_activity_on
    if quiet and last is None:
        return f"Nothing logged since it was set {_days(card.today - card.set_on)} ago."
    if quiet and last is not None:
        return f"No action or progress for {_days(card.today - last)}."
    left = f"due in {_days(card.days_left)}" if card.days_left else "due today"
    return f"It is {left} and {round(card.progress)}% done."


def due_in(due_on: date | None, today: date) -> str:
    """'due today', 'due in 3 days', 'overdue by 2 days' or 'no date set'."""
    if due_on is None:
        return "no date set"
    days = (due_on - today).days
    if days == 0:
        return "due today"
    return f"due in {_days(days)}" if days > 0 else f"overdue by {_days(-days)}"


def _milestone_due(card: GoalCard, milestone: MilestoneRow) -> str:
    """As `due_in`, except that a date before the goal was set (only in events
    recorded before that was refused) is a typo, not an overdue milestone."""
    if milestone.due_on is not None and milestone.due_on < card.set_on:
        return "dated before the goal was set"
    return due_in(milestone.due_on, card.today)


def _milestones(active: list[GoalCard]) -> tuple[Milestone, ...]:
    found = [
        Milestone(card, card.next_milestone, _milestone_due(card, card.next_milestone))
        for card in active
        if card.next_milestone is not None
    ]
    return tuple(
        sorted(
            found,
            key=lambda m: (m.milestone.due_on is None, m.milestone.due_on or date.max),
        )
    )


def dashboard(conn: Connection, member_id: str, now: datetime) -> Dashboard:
    """The member's dashboard at `now` (NotFoundError for an unknown member)."""
    metrics = member_metrics(conn, member_id, now)
    series = daily_series(conn, member_id, now, HEAT_DAYS)
    if metrics is None or not series:
        raise NotFoundError("No such member.")
    board = goal_board(conn, member_id, member_id, now)
    active = [card for card in board if card.status == "active"]
    signals = latest_signals(conn, member_id, now)
    today = series[-1].day
    return Dashboard(
        metrics=metrics,
        reasons=tuple(rut_reasons(metrics, signals)),
        has_goals=bool(board),
        stalled=tuple((c, stalled_reason(c)) for c in active if c.stalled),
        milestones=_milestones(active),
        heat_map=heat_map({p.day: p.actions for p in series}, today),
        momentum_line=momentum_line([(p.day, p.momentum) for p in series[-LINE_DAYS:]]),
        weekly_bars=weekly_bars(metrics.weekly_actions, metrics.weekly_target),
        signals=signals_chart(signal_history(conn, member_id, member_id)),
    )
