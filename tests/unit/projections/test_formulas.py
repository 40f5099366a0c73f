"""SPEC 5 member metrics, each checked against a worked example computed by hand.

Momentum, away days, weekly counts, streaks, commitments kept and rut risk. Goal
metrics (progress, on track, safety buffer, stalled) are in test_formulas_goals.py.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest

from projections.formulas import (
    HALF_LIFE,
    NOON_QUANTUM,
    WEIGHTS,
    active_time,
    away_intervals,
    commitments_kept_percent,
    decay,
    is_new_member,
    is_rising,
    local_noon,
    momentum,
    momentum_label,
    momentum_shown,
    noon_equivalent,
    noon_lead,
    raw_score,
    rut_level,
    rut_risk,
    streak,
    trend,
    week_target,
    weekly_counts,
)

PARIS = "Europe/Paris"
AUCKLAND = "Pacific/Auckland"
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# one event decays by A per day: 0.5 ** (1 day / 14 days)
A = 0.5 ** (1 / 14)


def normaliser(target: int) -> float:
    """(T/7) · H / ln 2 with H = 14 days, written out by hand."""
    return (target / 7) * 14 / math.log(2)


# Momentum: weights, normalisation, half-life ---------------------------------------


def test_event_weights_are_those_of_the_spec() -> None:
    assert dict(WEIGHTS) == {
        "action": 1.0,
        "win": 1.5,
        "review": 1.0,
        "milestone": 2.0,
        "achieved": 3.0,
    }


def test_steady_state_raw_score_maps_to_momentum_100() -> None:
    # T = 3: (3/7)·14/ln 2 = 6/ln 2 ≈ 8.656
    assert momentum(6 / math.log(2), 3) == 100
    # T = 7: 14/ln 2 ≈ 20.198
    assert momentum(14 / math.log(2), 7) == 100


def test_momentum_is_stored_uncapped() -> None:
    assert momentum(2 * 6 / math.log(2), 3) == 200


def test_idle_member_decay_halves_in_14_days() -> None:
    assert decay(timedelta(days=14)) == 0.5
    assert decay(timedelta(days=28)) == 0.25
    assert decay(timedelta(0)) == 1.0


def test_idle_member_momentum_halves_in_14_days() -> None:
    acted = datetime(2026, 3, 2, 12, tzinfo=UTC)
    points = [(acted, 1.0)]
    assert raw_score(points, acted) == 1.0
    assert raw_score(points, acted + timedelta(days=14)) == 0.5
    assert raw_score(points, acted + timedelta(days=28)) == 0.25
    # T = 3: 100 · 1 / (6/ln 2) = 11.55 → 12; after 14 days 100 · 0.5 · ln2/6 = 5.78 → 6
    assert momentum(raw_score(points, acted), 3) == 12
    assert momentum(raw_score(points, acted + timedelta(days=14)), 3) == 6


def test_raw_score_weights_each_event() -> None:
    now = datetime(2026, 3, 16, 12, tzinfo=UTC)
    points = [
        (now, WEIGHTS["win"]),  # 1.5 · 1
        (now - timedelta(days=14), WEIGHTS["milestone"]),  # 2 · 0.5
        (now - timedelta(days=28), WEIGHTS["achieved"]),  # 3 · 0.25
    ]
    assert raw_score(points, now) == pytest.approx(1.5 + 1.0 + 0.75)


def test_incremental_update_matches_the_sum() -> None:
    t1 = datetime(2026, 3, 2, 12, tzinfo=UTC)
    t2 = t1 + timedelta(days=3)
    now = t2 + timedelta(days=5)
    # raw ← raw · 0.5^((t − t_last)/H) + w, then decayed to now
    incremental = (1.0 * 0.5 ** (3 / 14) + 1.5) * 0.5 ** (5 / 14)
    assert raw_score([(t1, 1.0), (t2, 1.5)], now) == pytest.approx(incremental)


def _hourly_samples(points: list[tuple[datetime, float]], start: datetime, target: int):
    return [
        momentum(raw_score(points, start + n * HOUR), target) for n in range(7 * 24)
    ]


def test_daily_actions_with_target_7_converge_to_100() -> None:
    # one action at noon every day for a year (26 half-lives: the start is forgotten)
    first = date(2025, 1, 6)
    points = [(local_noon(first + n * DAY, "UTC"), 1.0) for n in range(365)]
    start = local_noon(first + 300 * DAY, "UTC")  # just after an action
    samples = _hourly_samples(points, start, 7)
    # just after an action: Σ_k A^k = 1/(1 − A) = 20.70; / (14/ln 2 = 20.20) → 102.5 %
    just_after = 100 * (1 / (1 - A)) / normaliser(7)
    # an hour before the next one: 1/(1 − A) · A^(23/24) → 97.6 %
    hour_before = 100 * (1 / (1 - A)) * A ** (23 / 24) / normaliser(7)
    assert round(just_after) == 102
    assert round(hour_before) == 98
    assert max(samples) == 102
    assert min(samples) == 98
    assert all(95 <= s <= 107 for s in samples)


def test_three_actions_a_week_with_target_3_converge_to_100() -> None:
    # Mon, Wed, Fri at noon for a year; gaps of 2, 2 and 3 days
    first = date(2025, 1, 6)  # a Monday
    days = [first + timedelta(weeks=w, days=d) for w in range(52) for d in (0, 2, 4)]
    points = [(local_noon(d, "UTC"), 1.0) for d in days]
    friday = first + timedelta(weeks=40, days=4)
    samples = _hourly_samples(points, local_noon(friday, "UTC"), 3)
    # steady state just after Friday's action: R = 1 + A²(1 + A²(1 + A³R))
    # → R = (1 + A² + A⁴)/(1 − A⁷) = 2.726/0.2929 = 9.307; / (6/ln 2 = 8.656) → 107.5 %
    peak = (1 + A**2 + A**4) / (1 - A**7)
    upper = 100 * peak / normaliser(3)
    # lowest, an hour before Monday's action: R · A^(3 − 1/24) → 92.9 %
    lower = 100 * peak * A ** (3 - 1 / 24) / normaliser(3)
    assert round(upper) == 108
    assert round(lower) == 93
    assert max(samples) == 108
    assert min(samples) == 93
    # averaged over the week the raw score is exactly (T/7)·H/ln 2 (each action adds
    # ∫ 0.5^(t/H) dt = H/ln 2 at a rate of T/7 a day): the mean is 100
    assert sum(samples) / len(samples) == pytest.approx(100, abs=1)


# When an action counts ------------------------------------------------------------


def test_action_counts_at_local_noon_in_auckland() -> None:
    # NZDT is UTC+13 in January: noon on the 15th is 23:00 UTC on the 14th
    assert local_noon(date(2026, 1, 15), AUCKLAND) == datetime(
        2026, 1, 14, 23, tzinfo=UTC
    )
    # NZST is UTC+12 in July: noon on the 15th is midnight UTC on the 15th
    assert local_noon(date(2026, 7, 15), AUCKLAND) == datetime(
        2026, 7, 15, 0, tzinfo=UTC
    )
    assert local_noon(date(2026, 1, 15), "UTC") == datetime(2026, 1, 15, 12, tzinfo=UTC)


BERLIN = "Europe/Berlin"


def test_the_lead_is_the_time_from_logging_to_noon_of_the_same_day() -> None:
    day = date(2026, 3, 2)  # Berlin is UTC+1: noon is 11:00 UTC
    at_8 = datetime(2026, 3, 2, 7, tzinfo=UTC)  # 08:00 in Berlin
    assert noon_lead(at_8, day, BERLIN) == 4 * 3600
    # logged at or after noon: it decays from noon
    assert noon_lead(local_noon(day, BERLIN), day, BERLIN) == 0
    assert noon_lead(datetime(2026, 3, 2, 14, tzinfo=UTC), day, BERLIN) == 0
    # logged for an earlier day: from that day's noon
    assert noon_lead(at_8, day - DAY, BERLIN) == 0
    assert noon_lead(at_8 + DAY, day, BERLIN) == 0
    # 23:30 UTC on 1 March is 00:30 on 2 March in Berlin: 11.5 hours before noon
    assert noon_lead(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), day, BERLIN) == (
        11.5 * 3600
    )


def test_the_lead_is_real_time_across_a_dst_change() -> None:
    # 29 March 2026, Berlin: clocks go 02:00 → 03:00. Logged at 01:00 CET (00:00
    # UTC): noon CEST is 10:00 UTC, 10 real hours later (11 on the wall clock)
    logged = datetime(2026, 3, 29, 0, tzinfo=UTC)
    assert noon_lead(logged, date(2026, 3, 29), BERLIN) == 10 * 3600


def test_a_noon_equivalent_weight_decays_from_noon_as_the_action_from_its_logging() -> (
    None
):
    """w_eq = w · 0.5^(lead/H): logged 4 hours before noon, 1 action weighs
    0.5^(4/336) = 0.99178 at noon; read before noon with a negative age it equals
    the action decayed from its logging, at every instant."""
    lead = 4 * 3600
    w_eq = noon_equivalent(1.0, lead)
    assert w_eq == pytest.approx(0.9917822, abs=1e-7)
    assert noon_equivalent(1.5, lead) == pytest.approx(1.5 * 0.9917822, abs=1e-7)
    noon = local_noon(date(2026, 3, 2), BERLIN)
    logged = noon - timedelta(seconds=lead)
    for hours in (0, 1, 4, 5, 12, 24 * 14):
        x = logged + hours * HOUR
        from_noon = w_eq * decay(x - noon)  # a negative age before noon
        assert from_noon == pytest.approx(decay(x - logged), rel=1e-9)
    assert w_eq * decay(logged - noon) == pytest.approx(1.0, rel=1e-9)  # in full
    # no lead: the weight itself
    assert noon_equivalent(1.0, 0) == 1.0
    assert noon_equivalent(1.5, 0) == 1.5
    assert noon_equivalent(1.0, -60) == 1.0
    # half a half-life of lead: 1/√2
    half = HALF_LIFE.total_seconds() / 2
    assert noon_equivalent(1.0, half) == pytest.approx(2**-0.5, abs=1e-9)


def test_noon_equivalent_weights_add_and_subtract_exactly() -> None:
    """Multiples of 2^-32: a day's total is the same whatever the order in which
    its actions were added and taken away (incremental build = rebuild)."""
    weights = [
        noon_equivalent(w, lead) for w in (1.0, 1.5) for lead in range(0, 43200, 997)
    ]
    assert all((w / NOON_QUANTUM).is_integer() for w in weights)
    forward = 0.0
    for w in weights:
        forward += w
    backward = sum(reversed(weights), 0.0)
    assert forward == backward
    for w in weights:
        forward -= w
    assert forward == 0.0


def test_events_after_now_do_not_count() -> None:
    auckland = local_noon(date(2026, 1, 15), AUCKLAND)  # 2026-01-14 23:00 UTC
    utc = local_noon(date(2026, 1, 15), "UTC")  # 2026-01-15 12:00 UTC
    now = datetime(2026, 1, 15, 0, tzinfo=UTC)
    # the Auckland action is one hour old; the UTC one is still 12 hours away
    assert raw_score([(auckland, 1.0)], now) == pytest.approx(0.5 ** (1 / (14 * 24)))
    assert raw_score([(utc, 1.0)], now) == 0
    assert raw_score([(auckland, 1.0)], auckland - timedelta(minutes=1)) == 0
    assert raw_score([(auckland, 1.0)], auckland) == 1.0


# Away days ------------------------------------------------------------------------

# 2026-03-29 is the last Sunday of March: Paris goes from UTC+1 to UTC+2 at 02:00.
AWAY = [(date(2026, 3, 26), date(2026, 4, 1))]  # 7 local days, inclusive


def test_away_period_spans_local_midnights_across_the_dst_change() -> None:
    (span,) = away_intervals(AWAY, PARIS)
    # 2026-03-26 00:00 CET = 03-25 23:00 UTC; 2026-04-02 00:00 CEST = 04-01 22:00 UTC
    assert span.start == datetime(2026, 3, 25, 23, tzinfo=UTC)
    assert span.end == datetime(2026, 4, 1, 22, tzinfo=UTC)
    # seven local days, one of them 23 hours long: 7·24 − 1 = 167 hours
    assert span.end.astimezone(UTC) - span.start.astimezone(UTC) == 167 * HOUR


def test_overlapping_and_touching_away_periods_merge() -> None:
    periods = [
        (date(2026, 5, 10), date(2026, 5, 12)),
        (date(2026, 5, 1), date(2026, 5, 3)),
        (date(2026, 5, 4), date(2026, 5, 5)),  # starts the day after 05-03 ends
        (date(2026, 5, 2), date(2026, 5, 2)),  # inside the first
    ]
    spans = away_intervals(periods, "UTC")
    assert [(s.start, s.end) for s in spans] == [
        (datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 6, tzinfo=UTC)),
        (datetime(2026, 5, 10, tzinfo=UTC), datetime(2026, 5, 13, tzinfo=UTC)),
    ]


def test_active_time_subtracts_only_the_overlap() -> None:
    away = away_intervals([(date(2026, 5, 4), date(2026, 5, 5))], "UTC")
    start = datetime(2026, 5, 5, 12, tzinfo=UTC)  # half of 05-05 is away
    end = datetime(2026, 5, 8, 12, tzinfo=UTC)
    assert active_time(start, end, away) == timedelta(days=3) - timedelta(hours=12)


# the instant 21 local days after the action, as the member's zone and as UTC
AFTER_21_DAYS = [
    pytest.param(local_noon(date(2026, 4, 10), PARIS), id="paris"),
    pytest.param(datetime(2026, 4, 10, 10, tzinfo=UTC), id="utc"),
]


@pytest.mark.parametrize("now", AFTER_21_DAYS)
def test_away_days_freeze_the_decay_across_dst(now: datetime) -> None:
    acted = local_noon(date(2026, 3, 20), PARIS)  # 11:00 UTC (CET)
    away = away_intervals(AWAY, PARIS)
    # now is 2026-04-10 12:00 CEST = 10:00 UTC: 21 days − 1 hour = 503 hours later;
    # 167 of them away (see above) → 336 hours = 14 days of decay → 0.5
    assert now == datetime(2026, 4, 10, 10, tzinfo=UTC)
    assert active_time(acted, now, away) == timedelta(days=14)
    assert raw_score([(acted, 1.0)], now, away) == pytest.approx(0.5)


@pytest.mark.parametrize(
    "now",
    [
        pytest.param(local_noon(date(2026, 4, 3), PARIS), id="paris"),
        pytest.param(datetime(2026, 4, 3, 10, tzinfo=UTC), id="utc"),
    ],
)
def test_raw_score_depends_only_on_the_instant_of_now(now: datetime) -> None:
    acted = local_noon(date(2026, 3, 20), PARIS)  # 11:00 UTC (CET)
    # now is 2026-04-03 12:00 CEST = 10:00 UTC: now − t = 14 days − 1 hour = 335 hours
    # (the clocks went forward on 03-29), whichever zone `now` is written in
    assert raw_score([(acted, 1.0)], now) == pytest.approx(0.5 ** (335 / 336))


# Weekly counts ----------------------------------------------------------------------


def test_weekly_counts_are_12_iso_weeks_with_the_current_week_last() -> None:
    today = date(2027, 1, 6)  # a Wednesday of 2027-W01
    assert date(2027, 1, 4).isocalendar()[:2] == (2027, 1)
    assert date(2026, 12, 31).isocalendar()[:2] == (2026, 53)
    days = [
        date(2027, 1, 4),  # Monday of 2027-W01
        date(2027, 1, 6),
        date(2027, 1, 3),  # Sunday: still 2026-W53
        date(2026, 12, 31),  # Thursday of 2026-W53
        date(2026, 12, 28),  # Monday of 2026-W53
        date(2026, 10, 19),  # Monday of the oldest week shown (11 weeks back)
        date(2026, 10, 18),  # the Sunday before it: outside the window
    ]
    counts = weekly_counts(days, today)
    assert len(counts) == 12
    mondays = [monday for monday, _ in counts]
    assert mondays[-1] == date(2027, 1, 4)
    assert mondays[0] == date(2026, 10, 19)  # 2027-01-04 − 77 days
    assert all(m.weekday() == 0 for m in mondays)
    assert all(b - a == timedelta(weeks=1) for a, b in pairwise(mondays))
    as_dict = dict(counts)
    assert as_dict[date(2027, 1, 4)] == 2
    assert as_dict[date(2026, 12, 28)] == 3
    assert as_dict[date(2026, 10, 19)] == 1
    assert sum(as_dict.values()) == 6


# Streak -----------------------------------------------------------------------------

W50 = date(2026, 12, 7)
W51 = date(2026, 12, 14)
W52 = date(2026, 12, 21)
W53 = date(2026, 12, 28)
W01 = date(2027, 1, 4)
W02 = date(2027, 1, 11)
IN_W01 = date(2027, 1, 6)  # a Wednesday


def _days(monday: date, n: int = 7) -> set[date]:
    return {monday + timedelta(days=i) for i in range(n)}


@pytest.mark.parametrize(
    ("counts", "today", "away", "expected"),
    [
        pytest.param(
            {W51: 3, W52: 3, W53: 3, W01: 1},
            IN_W01,
            set(),
            3,
            id="current-week-not-yet-met",
        ),
        pytest.param(
            {W51: 3, W52: 3, W53: 3, W01: 3}, IN_W01, set(), 4, id="current-week-met"
        ),
        pytest.param(
            {W51: 3, W52: 2, W53: 3, W01: 0}, IN_W01, set(), 1, id="short-week-breaks"
        ),
        pytest.param(
            {W51: 3, W52: 3, W53: 0, W01: 3},
            IN_W01,
            set(),
            1,
            id="last-complete-week-missed",
        ),
        pytest.param(
            {W53: 3, W01: 4, W02: 0},
            date(2027, 1, 13),
            set(),
            2,
            id="across-iso-year-2026-W53-2027-W01",
        ),
        pytest.param(
            {W51: 3, W52: 0, W53: 3},
            IN_W01,
            _days(W52),
            2,
            id="away-week-neither-breaks-nor-extends",
        ),
        pytest.param(
            {W51: 3, W52: 0, W53: 3},
            IN_W01,
            _days(W52, 6),
            1,
            id="partly-away-short-week-breaks",
        ),
        pytest.param(
            {W50: 3, W51: 3, W52: 5, W53: 3},
            IN_W01,
            _days(W52),
            3,
            id="away-week-with-actions-not-counted",
        ),
        pytest.param({}, IN_W01, set(), 0, id="no-actions"),
    ],
)
def test_streak(
    counts: dict[date, int], today: date, away: set[date], expected: int
) -> None:
    assert streak(counts, today, 3, away) == expected


@pytest.mark.parametrize(
    ("away", "target", "expected"),
    [
        (set(), 3, 3),  # no day away: the full target
        (_days(W52 + timedelta(days=4), 3), 3, 2),  # Fri–Sun away: ceil(3 · 4/7)
        (_days(W52, 4), 3, 2),  # Mon–Thu away: ceil(3 · 3/7) = ceil(1.29)
        (_days(W52, 6), 3, 1),  # one day left: ceil(3/7)
        (_days(W52, 6), 7, 1),  # ceil(7/7)
        (_days(W52, 1), 7, 6),  # ceil(7 · 6/7) exactly, no float drift
        (_days(W52), 3, 0),  # entirely away
    ],
)
def test_a_weeks_target_is_pro_rated_by_its_days_not_away(
    away: set[date], target: int, expected: int
) -> None:
    assert week_target(W52, target, away) == expected


def test_a_holiday_across_two_iso_weeks_keeps_the_streak() -> None:
    """Kenji: T = 3, away Friday W51 to Thursday W52; two actions in each partial
    week (targets ceil(3 · 4/7) = 2 and ceil(3 · 3/7) = 2) extend the streak."""
    away = _days(W51 + timedelta(days=4), 7)
    counts = {W50: 3, W51: 2, W52: 2, W53: 3}
    assert streak(counts, IN_W01, 3, away) == 4
    assert streak(counts, IN_W01, 3, set()) == 1  # before: both weeks broke it
    assert streak({**counts, W52: 1}, IN_W01, 3, away) == 1  # 1 < 2 still breaks


def test_the_current_week_counts_against_its_pro_rated_target() -> None:
    away = _days(W01 + timedelta(days=3), 4)  # Thursday to Sunday away
    assert streak({W53: 3, W01: 2}, IN_W01, 3, away) == 2  # ceil(3 · 3/7) = 2
    assert streak({W53: 3, W01: 0}, IN_W01, 3, _days(W01)) == 1  # all away: not yet


# Shown momentum, pace and trend -----------------------------------------------------


@pytest.mark.parametrize(
    ("score", "shown", "label"),
    [
        (0, 0, "0"),
        (58, 58, "58"),
        (100, 100, "100"),
        (101, 100, "100+"),
        (133, 100, "100+"),
    ],
)
def test_momentum_is_shown_capped_and_100_plus_above_pace(
    score: int, shown: int, label: str
) -> None:
    assert (momentum_shown(score), momentum_label(score)) == (shown, label)


@pytest.mark.parametrize(
    ("now", "before", "expected"),
    [
        (58, 132, -42),  # Lukas: his line goes 100 → 58, so "down 42", not 74
        (100, 100, 0),  # at pace both days: steady
        (140, 112, 0),  # Amara above pace both days: the line is flat at 100
        (100, 88, 12),
        (35, 0, 35),  # a first day
    ],
)
def test_trend_is_the_difference_of_the_two_shown_values(
    now: int, before: int, expected: int
) -> None:
    assert trend(now, before) == expected


# The first day and the grace week ----------------------------------------------------


def test_a_morning_action_on_day_one_gives_positive_momentum() -> None:
    """Berlin, T = 3: three actions logged at 08:00 local on day one count in full
    at 08:00: raw 3, steady (3/7) · 14 / ln 2 = 8.657, momentum round(34.65) = 35;
    rut risk 100 · (0.4 · 0.5 + 0.4 · 0.65 + 0.2 · 0) = 46. They decay from 08:00:
    at 12:00 raw 3 · 0.5^(4/336) = 2.975 → 34 (from noon it would still be 35), at
    20:00 3 · 0.5^(12/336) = 2.927 → round(33.81) = 34 (from noon 34.09)."""
    steady = 3 / 7 * 14 / math.log(2)
    assert momentum(3.0, 3) == round(100 * 3 / steady) == 35
    assert rut_risk(None, 35, 0) == 46
    w_eq = 3 * noon_equivalent(1.0, 4 * 3600)  # what the day keeps, from noon
    assert momentum(w_eq * decay(-4 * HOUR), 3) == 35  # 08:00
    assert momentum(w_eq, 3) == 34  # 12:00
    assert momentum(w_eq * decay(8 * HOUR), 3) == 34  # 20:00
    assert 100 * w_eq / steady == pytest.approx(34.37, abs=0.01)
    assert 100 * w_eq * decay(8 * HOUR) / steady == pytest.approx(33.81, abs=0.01)
    assert 100 * 3 * decay(8 * HOUR) / steady == pytest.approx(34.09, abs=0.01)


def test_a_member_is_new_for_their_first_seven_days() -> None:
    joined = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
    assert is_new_member(joined, joined + timedelta(hours=1))
    assert is_new_member(joined, joined + timedelta(days=6, hours=23))
    assert not is_new_member(joined, joined + timedelta(days=7))
    assert not is_new_member(None, joined)


# Commitments kept -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([True, True, True, False], 75),  # 3 / (3 + 1)
        ([True, True, False], 67),  # 2/3 = 66.7
        ([False, False], 0),
        ([True], 100),
        ([], None),
    ],
)
def test_commitments_kept_percent(outcomes: list[bool], expected: int | None) -> None:
    assert commitments_kept_percent(outcomes) == expected


# Rut risk ---------------------------------------------------------------------------

NAMES = ("motivation", "focus", "learning", "recognition", "satisfaction")


def _ratings(*values: int) -> dict[str, int]:
    return dict(zip(NAMES, values, strict=True))


def test_rut_risk_is_0_for_a_thriving_member() -> None:
    # s = 0, b = 1 − 1 = 0, i = 0/21 = 0
    assert rut_risk(_ratings(5, 5, 5, 5, 5), 100, 0) == 0


def test_rut_risk_is_100_for_a_member_who_never_acted() -> None:
    # s = (5−1)/4 = 1, b = 1 − 0 = 1, i = 1 (never)
    assert rut_risk(_ratings(1, 1, 1, 1, 1), 0, None) == 100


def test_rut_risk_mixed_example() -> None:
    # (5−r)/4 for 3,2,4,1,3 = 0.5, 0.75, 0.25, 1, 0.5 → s = 3/5 = 0.6
    # b = 1 − 40/100 = 0.6; i = 7/21 = 1/3
    # 100 · (0.4·0.6 + 0.4·0.6 + 0.2/3) = 24 + 24 + 6.67 = 54.67 → 55
    assert rut_risk(_ratings(3, 2, 4, 1, 3), 40, 7) == 55


def test_rut_risk_without_a_review_uses_half() -> None:
    # s = 0.5: 100 · (0.4·0.5 + 0.4·0.6 + 0.2/3) = 20 + 24 + 6.67 = 50.67 → 51
    assert rut_risk(None, 40, 7) == 51


def test_rut_risk_caps_momentum_and_inactivity() -> None:
    # b = 1 − min(1, 150/100) = 0; i = min(1, 30/21) = 1 → 100 · (0.4·0.5 + 0.2) = 40
    assert rut_risk(None, 150, 30) == 40


@pytest.mark.parametrize(
    ("risk", "level"),
    [
        (0, "low"),
        (33, "low"),
        (34, "medium"),
        (66, "medium"),
        (67, "high"),
        (100, "high"),
    ],
)
def test_rut_level_thresholds(risk: int, level: str) -> None:
    assert rut_level(risk) == level


@pytest.mark.parametrize(
    ("now", "before", "rising"),
    [(39, 20, False), (40, 20, True), (90, 50, True), (20, 40, False)],
)
def test_rising_when_risk_grew_by_20_or_more(
    now: int, before: int, rising: bool
) -> None:
    assert is_rising(now, before) is rising
