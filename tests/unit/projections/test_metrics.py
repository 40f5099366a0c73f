"""Momentum metrics read model: commands, sync, then the metrics at a chosen `now`.

Every expected number is worked out by hand in the test (T = 3 unless set: the
normaliser is (3/7) · 14 / ln 2 = 6 / ln 2; an event decays by 0.5^(days / 14)).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine, event, select

from projections.db import make_engine, metadata
from projections.formulas import SIGNALS, noon_equivalent, rut_level
from projections.metrics import Metrics
from projections.metrics_queries import (
    MemberMetrics,
    daily_series,
    day_end,
    member_metrics,
    metrics_for_many,
)
from projections.metrics_tables import action_weeks
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.conftest import Register, registrar

Sync = Callable[[], int]
Query = Callable[..., Any]
NORMALISER = 6 / math.log(2)
ONE = dict.fromkeys(SIGNALS, 1)  # stuck on every signal
FIVE = dict.fromkeys(SIGNALS, 5)  # thriving


@pytest.fixture
def sync(project: Callable[..., Sync]) -> Sync:
    """Applies every recorded event to the metrics model."""
    return project(Metrics())


def utc(y: int, m: int, d: int, h: int = 12) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def log(
    app: MomentumApplication, who: UUID, day: date, n: int = 1, win: bool = False
) -> list[UUID]:
    """Log `n` actions that happened on `day`."""
    return [
        app.handle(c.LogAction(who, "learning", "Read a chapter", day, win=win)).id
        for _ in range(n)
    ]


def review(
    app: MomentumApplication,
    who: UUID,
    signals: dict[str, int] | None = None,
    **kw: Any,
) -> c.Result:
    return app.handle(c.RecordReview(who, signals or FIVE, **kw))


def metrics(query: Query, sync: Sync, who: UUID, now: datetime) -> MemberMetrics:
    """Sync, then the member's metrics at `now`."""
    sync()
    result = query(member_metrics, str(who), now)
    assert isinstance(result, MemberMetrics)
    return result


# Momentum --------------------------------------------------------------------------


def test_meeting_the_target_every_week_converges_to_about_100(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    query: Query,
    sync: Sync,
) -> None:
    ann = register("Ann")
    first = date(2026, 3, 2)  # a Monday
    for week in range(26):
        monday = first + timedelta(weeks=week)
        clock.set(utc(monday.year, monday.month, monday.day, 13) + timedelta(days=4))
        for offset in (0, 2, 4):  # Monday, Wednesday, Friday
            log(app, ann, monday + timedelta(days=offset))
    last_sunday = first + timedelta(weeks=25, days=6)
    now = utc(last_sunday.year, last_sunday.month, last_sunday.day)
    # At Sunday noon the week's actions are 6, 4 and 2 days old; each earlier week
    # adds the same decayed by r = 0.5^(7/14): a geometric sum over 26 weeks.
    a, r = 0.5 ** (1 / 14), 0.5 ** (7 / 14)
    raw = (a**6 + a**4 + a**2) * (1 - r**26) / (1 - r)  # ≈ 8.429
    m = metrics(query, sync, ann, now)
    assert abs(m.momentum - round(100 * raw / NORMALISER)) <= 1  # 97
    assert 95 <= m.momentum <= 100
    assert m.streak == 26
    assert [n for _, n in m.weekly_actions] == [3] * 12
    assert m.weekly_actions[-1][0] == first + timedelta(weeks=25)


def test_an_idle_members_momentum_halves_in_14_days(
    app: MomentumApplication, register: Register, query: Query, sync: Sync
) -> None:
    ann = register("Ann")
    log(app, ann, date(2026, 3, 2), n=6)  # at 09:00: they decay from then
    # raw 6 · 0.5^(3/336) at noon → 100 · 6 / (6 / ln 2) · 0.993 = 100 ln 2 · 0.993
    # ≈ 68.9; 14 days later raw half of that
    assert metrics(query, sync, ann, utc(2026, 3, 2)).momentum == 69
    later = metrics(query, sync, ann, utc(2026, 3, 16))
    assert later.momentum == 34  # 50 ln 2 · 0.5^(3/336) ≈ 34.4
    assert later.trend == 34  # 28 days before: nothing yet
    assert metrics(query, sync, ann, utc(2026, 3, 30)).momentum == 17  # 17.2


def test_away_days_freeze_the_decay(
    app: MomentumApplication, register: Register, query: Query, sync: Sync
) -> None:
    ann = register("Ann")
    log(app, ann, date(2026, 3, 2), n=6)
    app.handle(c.SetAwayPeriod(ann, date(2026, 3, 3), date(2026, 3, 16)))
    # by midnight the 6 points, logged at 09:00, are 15 hours old:
    # 100 ln 2 · 0.5^(15/336) ≈ 67.2
    start = metrics(query, sync, ann, utc(2026, 3, 3, 0))
    end = metrics(query, sync, ann, utc(2026, 3, 17, 0))
    assert start.momentum == end.momentum == 67
    assert end.away_today is False
    assert metrics(query, sync, ann, utc(2026, 3, 10)).away_today is True


def test_milestones_and_achieved_goals_add_their_weights(
    app: MomentumApplication, register: Register, query: Query, sync: Sync
) -> None:
    ann = register("Ann")
    goal = app.handle(
        c.SetGoal(
            ann,
            "Give a talk at a meetup",
            "short",
            "Be known for what I know",
            date(2026, 5, 1),
            milestones=(c.NewMilestone("Write the abstract"),),
        )
    )
    milestone = goal.extra["milestone_ids"][0]
    now = utc(2026, 3, 2, 9)  # the clock's time: no decay yet
    app.handle(c.CompleteMilestone(ann, goal.id, milestone))
    assert metrics(query, sync, ann, now).momentum == 23  # 100 · 2 ln 2 / 6 ≈ 23.1
    app.handle(c.ReopenMilestone(ann, goal.id, milestone))
    assert metrics(query, sync, ann, now).momentum == 0
    app.handle(c.ChangeGoalStatus(ann, goal.id, "achieve", "Done it"))
    assert metrics(query, sync, ann, now).momentum == 35  # 100 · 3 ln 2 / 6 ≈ 34.7


# Actions: retract, edit, timezone ---------------------------------------------------


def test_a_retracted_action_no_longer_counts(
    app: MomentumApplication, register: Register, query: Query, sync: Sync
) -> None:
    ann = register("Ann")
    _, retracted = log(app, ann, date(2026, 3, 2), n=2)
    app.handle(c.RetractAction(ann, retracted, "Logged twice"))
    m = metrics(query, sync, ann, utc(2026, 3, 2))
    assert m.actions_this_week == 1
    assert m.momentum == 11  # logged at 09:00: 100 · ln 2 / 6 · 0.5^(3/336) ≈ 11.5


def test_an_edited_date_moves_the_action_to_its_new_week(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    query: Query,
    sync: Sync,
) -> None:
    ann = register("Ann")
    clock.set(utc(2026, 3, 11, 9))  # Wednesday of the week of 9 March
    (action,) = log(app, ann, date(2026, 3, 11))
    app.handle(c.EditAction(ann, action, {"occurred_on": date(2026, 3, 6)}))
    m = metrics(query, sync, ann, utc(2026, 3, 11))
    assert m.weekly_actions[-2:] == ((date(2026, 3, 2), 1), (date(2026, 3, 9), 0))
    assert m.last_action_on == date(2026, 3, 6)
    assert m.days_since_action == 5


def test_an_edited_win_weighs_more(
    app: MomentumApplication, register: Register, query: Query, sync: Sync
) -> None:
    ann = register("Ann")
    (action,) = log(app, ann, date(2026, 3, 2))
    app.handle(c.EditAction(ann, action, {"win": True}))
    # 1.5 points logged at 09:00: 100 · 1.5 ln 2 / 6 · 0.5^(3/336) ≈ 17.2
    assert metrics(query, sync, ann, utc(2026, 3, 2)).momentum == 17


def test_an_action_counts_in_the_members_local_week(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    query: Query,
    sync: Sync,
) -> None:
    kiri, ann = register("Kiri", "Pacific/Auckland"), register("Ann")
    # Sunday 8 March 20:00 UTC is Monday 9 March 09:00 in Auckland (UTC+13)
    clock.set(utc(2026, 3, 8, 20))
    log(app, kiri, date(2026, 3, 9))
    log(app, ann, date(2026, 3, 8))
    now = utc(2026, 3, 8, 21)
    in_auckland = metrics(query, sync, kiri, now)
    assert in_auckland.weekly_actions[-1] == (date(2026, 3, 9), 1)
    assert in_auckland.weekly_actions[-2] == (date(2026, 3, 2), 0)
    in_utc = metrics(query, sync, ann, now)
    assert in_utc.weekly_actions[-1] == (date(2026, 3, 2), 1)


def test_an_action_decays_from_local_noon_of_the_current_timezone(
    app: MomentumApplication, register: Register, query: Query, sync: Sync
) -> None:
    ann = register("Ann")
    log(app, ann, date(2026, 3, 2))
    now = utc(2026, 3, 2, 9)
    # logged at 09:00, just now: in full, 100 · ln 2 / 6 ≈ 11.55
    assert metrics(query, sync, ann, now).momentum == 12
    app.handle(c.UpdateProfile(ann, "Ann", "Pacific/Auckland"))
    # noon in Auckland (UTC+13) is 1 March 23:00 UTC, 10 hours before now; the
    # action keeps its lead of 3 hours (fixed when logged), so it decays from 3
    # hours before that noon: 100 · ln 2 / 6 · 0.5^(13/336) ≈ 11.2
    assert metrics(query, sync, ann, now).momentum == 11


def test_a_first_morning_that_meets_the_target_looks_like_a_start(
    app: MomentumApplication, clock: FixedClock, query: Query, sync: Sync
) -> None:
    """Berlin (UTC+1), signed up at 00:30, three actions at 08:00: raw 3 (in full
    until noon), momentum round(100 · 3 · ln 2 / (3/7 · 14)) = 35, streak 1, rut risk
    100 · (0.4 · 0.5 + 0.4 · 0.65 + 0) = 46 shown as "new"; a week later it is
    read as usual."""
    clock.set(datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    ann = registrar(app)("Ann", "Europe/Berlin")
    clock.set(datetime(2026, 3, 2, 7, tzinfo=UTC))
    log(app, ann, date(2026, 3, 2), 3)
    m = metrics(query, sync, ann, datetime(2026, 3, 2, 7, 5, tzinfo=UTC))
    assert (m.momentum, m.trend, m.streak, m.actions_this_week) == (35, 35, 1, 3)
    assert (m.rut_risk, m.rut_level, m.rising, m.new) == (46, "new", False, True)
    later = metrics(query, sync, ann, datetime(2026, 3, 9, 7, tzinfo=UTC))
    assert (later.new, later.rut_level) == (False, rut_level(later.rut_risk))


# When an action counts: from its logging or its day's noon, whichever is earlier --


def _day_weights(query: Query, monday: date) -> list[tuple[float, int]]:
    """The stored (weight, count) of each weekday of the week of `monday`."""

    def read(conn: Any) -> list[tuple[float, int]]:
        a = action_weeks.c
        row = conn.execute(select(action_weeks).where(a.week == monday)).one()
        return [(row._mapping[f"w{n}"], row._mapping[f"n{n}"]) for n in range(7)]

    return query(read)


def test_a_morning_action_decays_from_when_it_was_logged(
    app: MomentumApplication, clock: FixedClock, query: Query, sync: Sync
) -> None:
    """Berlin (UTC+1), T = 3, three actions logged at 08:00 for today: 35 at once
    (raw 3), and they decay from 08:00, not from noon: at 12:00 raw 3 · 0.5^(4/336)
    = 2.975, momentum round(34.37) = 34 (noon anchoring kept 3 until noon: 35); at
    20:00 3 · 0.5^(12/336) = 2.927, round(33.81) = 34 (noon anchoring: 34.09)."""
    ann = registrar(app)("Ann", "Europe/Berlin")
    clock.set(datetime(2026, 3, 2, 7, tzinfo=UTC))  # 08:00 in Berlin
    log(app, ann, date(2026, 3, 2), 3)
    sync()
    # the day keeps 3 · 0.5^(4 h / 14 d), which decays from its noon (11:00 UTC)
    lead = 4 * 3600
    assert _day_weights(query, date(2026, 3, 2))[0] == (
        3 * noon_equivalent(1.0, lead),
        3,
    )
    assert 3 * noon_equivalent(1.0, lead) == pytest.approx(3 * 0.5 ** (4 / 336))
    at = {h: datetime(2026, 3, 2, h - 1, tzinfo=UTC) for h in (8, 10, 12, 13, 20)}
    raw = {h: 3 * 0.5 ** ((h - 8) / 336) for h in at}
    for h, instant in at.items():
        m = metrics(query, sync, ann, instant)
        assert m.momentum == round(100 * raw[h] / NORMALISER), h
    assert [metrics(query, sync, ann, at[h]).momentum for h in at] == [
        35,
        35,
        34,
        34,
        34,
    ]


def test_an_action_logged_in_the_afternoon_decays_from_its_noon(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    query: Query,
    sync: Sync,
) -> None:
    """T = 1 (steady 2 / ln 2 = 2.885), six actions logged at 15:00 UTC for today: at
    15:00 they already show 3 hours of decay, 100 · 6 · 0.5^(3/336) / 2.885 = 206.7
    → 207 (from their logging they would show 207.9 → 208)."""
    ann = register("Ann")
    app.handle(c.SetWeeklyTarget(ann, 1))
    clock.set(utc(2026, 3, 2, 15))
    log(app, ann, date(2026, 3, 2), 6)
    m = metrics(query, sync, ann, utc(2026, 3, 2, 15))
    assert _day_weights(query, date(2026, 3, 2))[0] == (6.0, 6)
    assert m.momentum == round(100 * 6 * 0.5 ** (3 / 336) * math.log(2) / 2) == 207


def test_an_action_backdated_to_yesterday_decays_from_yesterdays_noon(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    query: Query,
    sync: Sync,
) -> None:
    """T = 1, six actions logged on Tuesday 08:00 UTC for Monday: they decay from
    Monday noon, 20 hours before: 100 · 6 · 0.5^(20/336) / 2.885 = 199.5 → 200 (from
    their logging they would show 208)."""
    ann = register("Ann")
    app.handle(c.SetWeeklyTarget(ann, 1))
    clock.set(utc(2026, 3, 3, 8))
    log(app, ann, date(2026, 3, 2), 6)
    m = metrics(query, sync, ann, utc(2026, 3, 3, 8))
    assert _day_weights(query, date(2026, 3, 2))[0] == (6.0, 6)
    assert m.momentum == round(100 * 6 * 0.5 ** (20 / 336) * math.log(2) / 2) == 200


def test_an_edited_day_takes_the_lead_of_its_original_logging_instant(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    query: Query,
    sync: Sync,
) -> None:
    """Logged on Tuesday 08:00 UTC for Monday (no lead), moved to Tuesday at 10:00:
    it counts as if logged for Tuesday at 08:00 (a lead of 4 hours before Tuesday's
    noon); a win keeps that lead; moved back to Monday it has none again; retracted,
    its day is back to nothing."""
    ann = register("Ann")
    clock.set(utc(2026, 3, 3, 8))
    (action,) = log(app, ann, date(2026, 3, 2))
    clock.set(utc(2026, 3, 3, 10))
    app.handle(c.EditAction(ann, action, {"occurred_on": date(2026, 3, 3)}))
    sync()
    lead = 4 * 3600
    days = _day_weights(query, date(2026, 3, 2))
    assert days[:2] == [(0.0, 0), (noon_equivalent(1.0, lead), 1)]
    app.handle(c.EditAction(ann, action, {"win": True}))
    sync()
    assert _day_weights(query, date(2026, 3, 2))[1] == (noon_equivalent(1.5, lead), 1)
    # at 10:00 the win counts 1.5 · 0.5^(2/336): 100 · 1.5 ln 2 / 6 · 0.996 ≈ 17.2
    assert metrics(query, sync, ann, utc(2026, 3, 3, 10)).momentum == 17
    app.handle(c.EditAction(ann, action, {"occurred_on": date(2026, 3, 2)}))
    sync()
    assert _day_weights(query, date(2026, 3, 2))[:2] == [(1.5, 1), (0.0, 0)]
    app.handle(c.RetractAction(ann, action, "Logged twice"))
    sync()
    assert query(lambda conn: conn.execute(select(action_weeks)).all()) == []


def test_kenjis_holiday_across_two_iso_weeks_keeps_his_streak(
    app: MomentumApplication, clock: FixedClock, query: Query, sync: Sync
) -> None:
    """T = 3, away Friday 13 to Thursday 19 March: two actions in each partial
    week meet their pro-rated targets (ceil(3 · 4/7) = ceil(3 · 3/7) = 2)."""
    ken = registrar(app)("Ken", "Asia/Tokyo")
    app.handle(c.SetAwayPeriod(ken, date(2026, 3, 13), date(2026, 3, 19)))
    clock.set(utc(2026, 3, 29))
    for monday, days in [
        (date(2026, 3, 2), (0, 2, 4)),
        (date(2026, 3, 9), (0, 2)),
        (date(2026, 3, 16), (4, 5)),
        (date(2026, 3, 23), (0, 2, 4)),
    ]:
        for offset in days:
            log(app, ken, monday + timedelta(days=offset))
    assert metrics(query, sync, ken, utc(2026, 3, 30)).streak == 4


# Streaks ---------------------------------------------------------------------------


def _three_a_week(
    app: MomentumApplication, clock: FixedClock, who: UUID, *mondays: date
) -> None:
    for monday in mondays:
        sunday = monday + timedelta(days=6)
        clock.set(utc(sunday.year, sunday.month, sunday.day))
        for offset in (0, 2, 4):
            log(app, who, monday + timedelta(days=offset))


def test_a_streak_runs_across_the_iso_year_boundary(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    query: Query,
    sync: Sync,
) -> None:
    ann = register("Ann")
    assert date(2026, 12, 31).isocalendar()[1] == 53  # 2026 has a week 53
    weeks = [date.fromisocalendar(2026, 52, 1), date.fromisocalendar(2026, 53, 1)]
    weeks.append(date.fromisocalendar(2027, 1, 1))
    assert weeks == [date(2026, 12, 21), date(2026, 12, 28), date(2027, 1, 4)]
    _three_a_week(app, clock, ann, *weeks)
    m = metrics(query, sync, ann, utc(2027, 1, 13))  # Wednesday of 2027-W02
    assert m.streak == 3  # this week has no action yet: it does not count (yet)
    assert m.weekly_actions[-4:] == (
        (date(2026, 12, 21), 3),
        (date(2026, 12, 28), 3),
        (date(2027, 1, 4), 3),
        (date(2027, 1, 11), 0),
    )


def test_the_current_week_counts_once_it_meets_the_target(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    query: Query,
    sync: Sync,
) -> None:
    ann = register("Ann")
    _three_a_week(app, clock, ann, date(2026, 3, 2), date(2026, 3, 9))
    assert metrics(query, sync, ann, utc(2026, 3, 13)).streak == 2
    assert metrics(query, sync, ann, utc(2026, 3, 13)).actions_this_week == 3
    # Friday's action is not there yet on Thursday: the week does not count yet
    assert metrics(query, sync, ann, utc(2026, 3, 12)).streak == 1


def test_a_week_entirely_away_neither_breaks_nor_extends_a_streak(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    query: Query,
    sync: Sync,
) -> None:
    ann, bob = register("Ann"), register("Bob")
    for who in (ann, bob):
        app.handle(c.SetAwayPeriod(who, date(2026, 3, 9), date(2026, 3, 15)))
    for monday in (date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)):
        away = monday == date(2026, 3, 9)
        for who in (bob,) if away else (ann, bob):  # Bob acted while away
            _three_a_week(app, clock, who, monday)
    now = utc(2026, 3, 25)  # Wednesday of the week after
    assert metrics(query, sync, ann, now).streak == 2
    assert metrics(query, sync, bob, now).streak == 2


def test_review_streak_counts_weeks_with_a_review(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    query: Query,
    sync: Sync,
) -> None:
    ann = register("Ann")
    for day in (2, 16, 23, 30):  # Mondays of March 2026; the week of the 9th has none
        clock.set(utc(2026, 3, day, 18))
        review(app, ann)
    assert metrics(query, sync, ann, utc(2026, 4, 1)).review_streak == 3
    assert metrics(query, sync, ann, utc(2026, 4, 8)).review_streak == 3
    assert metrics(query, sync, ann, utc(2026, 4, 15)).review_streak == 0


def test_streaks_longer_than_the_history_read_for_momentum_count_in_full(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    query: Query,
    sync: Sync,
) -> None:
    ann = register("Ann")
    app.handle(c.SetWeeklyTarget(ann, 1))
    first = date(2026, 3, 2)
    for week in range(50):  # well beyond 20 half-lives (40 weeks)
        tuesday = first + timedelta(weeks=week, days=1)
        clock.set(utc(tuesday.year, tuesday.month, tuesday.day))
        log(app, ann, tuesday)
        review(app, ann)
    wednesday = first + timedelta(weeks=49, days=2)
    m = metrics(query, sync, ann, utc(wednesday.year, wednesday.month, wednesday.day))
    assert (m.streak, m.review_streak) == (50, 50)


# Commitments, rut risk -------------------------------------------------------------


def test_commitments_kept_percent_over_the_last_8_weeks_of_reviews(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    query: Query,
    sync: Sync,
) -> None:
    ann = register("Ann")
    step = c.NewCommitment("When I open my laptop", "then I will update my CV")
    assert metrics(query, sync, ann, utc(2026, 3, 2)).commitments_kept_percent is None
    a = review(app, ann, commitments=(step,))  # 2 March
    clock.set(utc(2026, 3, 12, 9))
    b = review(
        app,
        ann,
        commitments=(step, step, step),
        outcomes=(c.CommitmentOutcome(a.id, a.extra["commitment_ids"][0], False),),
    )
    clock.set(utc(2026, 3, 19, 9))
    kept = [True, True, False]
    marks = zip(b.extra["commitment_ids"], kept, strict=True)
    review(app, ann, outcomes=tuple(c.CommitmentOutcome(b.id, i, k) for i, k in marks))
    # A's commitment missed, B's: 2 kept, 1 missed → 2 / 4
    assert (
        metrics(query, sync, ann, utc(2026, 3, 19, 10)).commitments_kept_percent == 50
    )
    # Before B's were marked only A's (missed) counts
    assert metrics(query, sync, ann, utc(2026, 3, 13)).commitments_kept_percent == 0
    # 2 May: A (2 March) is older than 8 weeks, B (12 March) is not → 2 / 3
    assert metrics(query, sync, ann, utc(2026, 5, 2)).commitments_kept_percent == 67


def test_rut_risk_and_its_reasons_for_given_ratings(
    app: MomentumApplication, register: Register, query: Query, sync: Sync
) -> None:
    ann = register("Ann")
    log(app, ann, date(2026, 3, 2))  # counts at 2 March 12:00
    ratings = {"motivation": 3, "focus": 2, "learning": 4}
    review(app, ann, ratings | {"recognition": 1, "satisfaction": 3})  # 09:00
    now = utc(2026, 3, 9)
    # action 7 days old, review 7 days 3 hours old
    raw = 0.5 ** (7 / 14) + 0.5 ** ((7 + 3 / 24) / 14)  # ≈ 1.4098
    score = round(100 * raw / NORMALISER)
    assert score == 16
    s = (2 + 3 + 1 + 4 + 2) / 4 / 5  # 0.6
    b = 1 - score / 100  # 0.84
    i = 7 / 21
    m = metrics(query, sync, ann, now)
    assert (m.rut_signals, m.rut_momentum, m.rut_inactivity) == pytest.approx((s, b, i))
    assert m.rut_risk == round(100 * (0.4 * s + 0.4 * b + 0.2 * i)) == 64
    assert m.rut_level == "medium"
    assert m.days_since_action == 7


def test_a_last_action_a_year_ago_is_still_known(
    app: MomentumApplication, register: Register, query: Query, sync: Sync
) -> None:
    ann = register("Ann")
    log(app, ann, date(2026, 3, 2))
    m = metrics(query, sync, ann, utc(2027, 3, 2))
    assert (m.last_action_on, m.days_since_action) == (date(2026, 3, 2), 365)
    assert (m.momentum, m.rut_inactivity, m.streak) == (0, 1.0, 0)


def test_amended_signals_change_the_risk(
    app: MomentumApplication, register: Register, query: Query, sync: Sync
) -> None:
    ann = register("Ann")
    recorded = review(app, ann, FIVE)
    now = utc(2026, 3, 2, 10)
    assert metrics(query, sync, ann, now).rut_signals == 0.0
    app.handle(c.AmendReview(ann, recorded.id, {"signals": ONE}))
    assert metrics(query, sync, ann, now).rut_signals == 1.0


def test_signals_older_than_35_days_no_longer_count(
    app: MomentumApplication, register: Register, query: Query, sync: Sync
) -> None:
    ann = register("Ann")
    review(app, ann, ONE)  # 2 March 09:00
    assert metrics(query, sync, ann, utc(2026, 4, 6, 9)).rut_signals == 1.0
    assert metrics(query, sync, ann, utc(2026, 4, 6, 10)).rut_signals == 0.5


def test_a_member_who_never_acted_nor_reviewed_is_at_high_risk(
    register: Register, query: Query, sync: Sync
) -> None:
    m = metrics(query, sync, register("Ann"), utc(2026, 3, 9))  # after week one
    # s = 0.5 (no review), b = 1, i = 1 → 100 · (0.2 + 0.4 + 0.2)
    assert (m.rut_risk, m.rut_level, m.rising) == (80, "high", False)
    assert (m.last_action_on, m.days_since_action) == (None, None)
    assert m.momentum == m.trend == 0


def test_risk_that_rose_by_20_within_14_days_is_flagged_rising(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    query: Query,
    sync: Sync,
) -> None:
    ann = register("Ann")
    log(app, ann, date(2026, 3, 2), n=3)
    review(app, ann, FIVE)  # 2 March 09:00
    clock.set(utc(2026, 3, 16, 9))
    review(app, ann, ONE)
    # 14 days before now (2 March 10:00): all 5s → s = 0; the actions (logged at
    # 09:00, before their noon: they count from then) and the review are 1 hour old:
    # raw = 4 · 0.5^(1/336); no day without action
    then_score = round(100 * 4 * 0.5 ** (1 / 336) / NORMALISER)  # 46
    then_risk = round(100 * 0.4 * (1 - then_score / 100))  # 22
    # now: the actions and the first review are 337 hours old, the second 1 hour
    raw = 3 * 0.5 ** (337 / 336) + 0.5 ** (337 / 336) + 0.5 ** (1 / 336)
    score = round(100 * raw / NORMALISER)  # 35
    risk = round(100 * (0.4 * 1 + 0.4 * (1 - score / 100) + 0.2 * 14 / 21))  # 79
    m = metrics(query, sync, ann, utc(2026, 3, 16, 10))
    assert (m.momentum, m.rut_risk) == (score, risk) == (35, 79)
    assert m.rut_risk_before == then_risk
    assert m.rut_risk - then_risk >= 20
    assert m.rising is True
    assert m.rut_level == "high"
    assert metrics(query, sync, ann, utc(2026, 3, 2, 18)).rising is False


def test_weekly_tallies_are_the_same_in_one_batch_or_one_event_at_a_time(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    sync: Sync,
    engine: Engine,
) -> None:
    ann = register("Ann")
    first, second, third = log(app, ann, date(2026, 3, 2), n=3)
    app.handle(c.EditAction(ann, first, {"win": True}))
    clock.set(utc(2026, 3, 10))
    app.handle(c.EditAction(ann, second, {"occurred_on": date(2026, 3, 9)}))
    app.handle(c.RetractAction(ann, third))
    sync()  # one batch
    one_by_one = make_engine("memory://")
    metadata.create_all(one_by_one)
    model = Metrics()
    with one_by_one.begin() as conn:
        for n in app.recorder.select_notifications(start=1, limit=100):
            model.apply(conn, app.mapper.to_domain_event(n), n)
    tallies = []
    for db in (engine, one_by_one):
        with db.connect() as conn:
            rows = conn.execute(select(action_weeks).order_by(action_weeks.c.week))
            tallies.append([tuple(row) for row in rows])
    assert tallies[0] == tallies[1]
    # 2 March: one win logged at 09:00, 3 hours before its noon (its lead kept by
    # the edit); 9 March: one action (moved to a day after its logging: lead 0);
    # the retracted one is gone
    assert [(row[1], row[2], row[9]) for row in tallies[0]] == [
        (date(2026, 3, 2), noon_equivalent(1.5, 3 * 3600), 1),
        (date(2026, 3, 9), 1.0, 1),
    ]


# Many members, the daily series ----------------------------------------------------


def test_metrics_for_many_uses_the_same_statements_for_1_or_20_members(
    app: MomentumApplication,
    register: Register,
    query: Query,
    sync: Sync,
    engine: Engine,
) -> None:
    people = [register(f"Member{n}") for n in range(20)]
    for who in people:
        log(app, who, date(2026, 3, 2))
        review(app, who)
    sync()
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    now = utc(2026, 3, 3)
    one = query(metrics_for_many, [str(people[0])], now)
    alone = len(statements)
    many = query(metrics_for_many, [str(p) for p in people] + ["nobody"], now)
    event.remove(engine, "before_cursor_execute", count)
    assert len(statements) - alone == alone
    assert set(many) == {str(p) for p in people}
    assert many[str(people[0])] == one[str(people[0])]
    assert query(member_metrics, "nobody", now) is None


def test_daily_series_equals_the_metrics_at_each_days_end(
    app: MomentumApplication,
    clock: FixedClock,
    register: Register,
    query: Query,
    sync: Sync,
) -> None:
    kiri = register("Kiri", "Pacific/Auckland")
    clock.set(utc(2026, 3, 20, 1))  # 20 March 14:00 in Auckland
    log(app, kiri, date(2026, 3, 3), n=2)
    log(app, kiri, date(2026, 3, 10), win=True)
    review(app, kiri)
    app.handle(c.SetAwayPeriod(kiri, date(2026, 3, 12), date(2026, 3, 14)))
    sync()
    now = utc(2026, 3, 20, 2)
    series = query(daily_series, str(kiri), now, 20)
    assert [p.day for p in series] == [
        date(2026, 3, 1) + timedelta(days=n) for n in range(20)
    ]
    assert {p.day: p.actions for p in series if p.actions} == {
        date(2026, 3, 3): 2,
        date(2026, 3, 10): 1,
    }
    assert series[0].momentum == 0
    # 2 points, 12 hours old at the day's end: 100 · 2 ln 2 / 6 · 0.5^(12/336)
    assert series[2].momentum == 23  # 22.5
    for point in series[2:-1:3]:
        at = day_end(point.day, "Pacific/Auckland")
        assert query(member_metrics, str(kiri), at).momentum == point.momentum
    assert series[-1].momentum == query(member_metrics, str(kiri), now).momentum
