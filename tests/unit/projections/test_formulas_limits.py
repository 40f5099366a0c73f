"""The formulas are total over what the domain accepts (issue 11): no date
overflow, no division by zero, no NaN or infinity — a second line of defence behind
the domain's limits (`service.domain.base`), so one stored value can never stop a
read model or turn a read into a 500."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from projections.formulas import (
    MetricLine,
    active_time,
    away_intervals,
    elapsed_percent,
    momentum,
    on_track,
    safety_buffer,
)
from service.domain.base import EARLIEST_DAY, NUMBER_LIMIT, latest_day
from service.domain.goal import progress_percent

TODAY = date(2026, 3, 2)
LAST_DAY = latest_day(TODAY)  # 2031-03-02
TINY = 5e-324  # the smallest float above zero
ZONES = ("UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Paris")

values = st.one_of(
    st.sampled_from([-NUMBER_LIMIT, NUMBER_LIMIT, 0.0, -0.0, TINY, -TINY, 1e-300]),
    st.floats(-NUMBER_LIMIT, NUMBER_LIMIT, allow_nan=False, allow_infinity=False),
)
days = st.dates(EARLIEST_DAY, LAST_DAY)


def test_away_periods_on_the_edges_of_the_window_and_beyond_have_an_end() -> None:
    (last,) = away_intervals([(date.max, date.max)], "Pacific/Kiritimati")
    assert timedelta(0) < last.end - last.start < timedelta(days=1)
    for zone in ZONES:
        spans = away_intervals(
            [(EARLIEST_DAY, EARLIEST_DAY), (LAST_DAY, LAST_DAY)], zone
        )
        assert [s.end - s.start for s in spans] == [timedelta(days=1)] * 2
        start = datetime.combine(EARLIEST_DAY - timedelta(days=2), time(0), UTC)
        end = datetime.combine(LAST_DAY + timedelta(days=2), time(0), UTC)
        assert active_time(start, end, spans) == end - start - timedelta(days=2)


def test_a_line_a_hair_long_never_caught_up_with_leaves_all_the_days_left() -> None:
    # Far above a line that barely rises, and not moving: the gap shrinks by
    # 1e-300 / 1826 a day, so it would close in ~1e315 days (an infinity).
    line = MetricLine(TODAY, LAST_DAY, 0.0, 1e-300)
    later = TODAY + timedelta(days=28)
    buffer = safety_buffer(line, NUMBER_LIMIT, NUMBER_LIMIT, later)
    assert buffer == (LAST_DAY - later).days


def test_metric_values_beyond_any_float_difference_give_a_buffer_not_a_crash() -> None:
    # What a store written before the limits may hold (issue 11: a NaN here made
    # every goal list of the member a 500).
    line = MetricLine(TODAY, date(2026, 6, 1), -1e308, 1e308)
    assert safety_buffer(line, -1e308, -1e308, TODAY) in range(0, 92)
    assert (
        0
        <= progress_percent(
            "active", {"baseline": -1e308, "target": 1e308}, 1e308, 0, 0
        )
        <= 100
    )


def test_a_target_equal_to_its_baseline_is_no_division_by_zero() -> None:
    assert (
        progress_percent("active", {"baseline": 3.0, "target": 3.0}, 3.0, 0, 0) == 0.0
    )


def test_momentum_of_an_impossible_target_or_score_is_a_number() -> None:
    assert momentum(5.0, 0) == momentum(5.0, 1)
    assert momentum(math.inf, 3) == 0
    assert momentum(math.nan, 3) == 0


@settings(max_examples=60, deadline=None, database=None)
@given(
    baseline=values,
    target=values,
    now=values,
    before=values,
    set_on=days,
    due_in=st.integers(1, 5 * 366),
    today_in=st.integers(-30, 6 * 366),
)
@example(0.0, 1e-300, NUMBER_LIMIT, NUMBER_LIMIT, TODAY, 1826, 28)
@example(-NUMBER_LIMIT, NUMBER_LIMIT, NUMBER_LIMIT, -NUMBER_LIMIT, TODAY, 1, 0)
@example(0.0, TINY, NUMBER_LIMIT, NUMBER_LIMIT - 1, TODAY, 1826, 1)
def test_goal_formulas_are_total_over_accepted_metrics(
    baseline: float,
    target: float,
    now: float,
    before: float,
    set_on: date,
    due_in: int,
    today_in: int,
) -> None:
    due_on = set_on + timedelta(days=due_in)
    today = set_on + timedelta(days=today_in)
    line = MetricLine(set_on, due_on, baseline, target)
    buffer = safety_buffer(line, now, before, today)
    assert 0 <= buffer <= max(0, (due_on - today).days)
    metric = {"baseline": baseline, "target": target}
    pct = progress_percent("active", metric, now, 0, 0)
    assert 0.0 <= pct <= 100.0
    assert 0.0 <= elapsed_percent(set_on, due_on, today) <= 100.0
    assert on_track(pct, set_on, due_on, today) in (True, False)
