"""SPEC 5 goal metrics, each checked against a worked example computed by hand.

Progress %, elapsed %, on track, safety buffer and stalled goals.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from projections.formulas import (
    MetricLine,
    elapsed_percent,
    goal_verdict,
    is_stalled,
    on_track,
    safety_buffer,
)
from service.domain.goal import progress_percent

# set on 2026-01-01, due on 2026-04-11: 31 + 28 + 31 + 10 = 100 days
SET_ON = date(2026, 1, 1)
DUE_ON = date(2026, 4, 11)
# 2026-03-02 is day 31 + 28 + 1 = 60 of the goal: 60 % of its time has passed
TODAY = date(2026, 3, 2)

UP = {"baseline": 10.0, "target": 20.0}
DOWN = {"baseline": 90.0, "target": 70.0}


# Progress % -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "current", "expected"),
    [
        (UP, 15.0, 50.0),  # (15 − 10)/(20 − 10)
        (UP, 10.0, 0.0),
        (UP, 5.0, 0.0),  # below the baseline → clamped to 0
        (UP, 20.0, 100.0),
        (UP, 25.0, 100.0),  # beyond the target → clamped to 100
        (DOWN, 80.0, 50.0),  # (80 − 90)/(70 − 90)
        (DOWN, 85.0, 25.0),  # −5/−20
        (DOWN, 95.0, 0.0),  # worse than the baseline
        (DOWN, 60.0, 100.0),  # better than the target
    ],
)
def test_metric_progress_is_clamped_to_0_100(
    metric: dict[str, float], current: float, expected: float
) -> None:
    assert progress_percent("active", metric, current, 0, 0) == pytest.approx(expected)


def test_metric_progress_takes_precedence_over_milestones() -> None:
    assert progress_percent("active", UP, 15.0, 1, 4) == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("done", "total", "expected"),
    [(2, 5, 40.0), (0, 3, 0.0), (3, 3, 100.0), (1, 3, 100 / 3)],
)
def test_milestone_progress_is_the_ratio_done(
    done: int, total: int, expected: float
) -> None:
    assert progress_percent("active", None, None, done, total) == pytest.approx(
        expected
    )


def test_progress_is_0_without_metric_or_milestones() -> None:
    assert progress_percent("active", None, None, 0, 0) == 0


@pytest.mark.parametrize(
    ("metric", "current", "done", "total"),
    [(None, None, 0, 0), (None, None, 1, 4), (UP, 10.0, 0, 0)],
)
def test_progress_is_100_once_achieved(
    metric: dict[str, float] | None, current: float | None, done: int, total: int
) -> None:
    assert progress_percent("achieved", metric, current, done, total) == 100


# Elapsed % and on track -------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (SET_ON, 0.0),
        (SET_ON - timedelta(days=5), 0.0),  # before it was set
        (TODAY, 60.0),  # 60/100
        (date(2026, 1, 26), 25.0),  # 25/100
        (DUE_ON, 100.0),
        (DUE_ON + timedelta(days=9), 100.0),  # overdue
    ],
)
def test_elapsed_percent(today: date, expected: float) -> None:
    assert elapsed_percent(SET_ON, DUE_ON, today) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("progress", "expected"),
    [(60.0, True), (50.0, True), (49.9, False), (0.0, False)],
)
def test_on_track_allows_10_points_behind_elapsed(
    progress: float, expected: bool
) -> None:
    # elapsed 60 % → on track from 60 − 10 = 50 %
    assert on_track(progress, SET_ON, DUE_ON, TODAY) is expected


def test_new_goal_with_no_progress_is_on_track() -> None:
    # 9 days of 100 elapsed: 0 ≥ 9 − 10
    assert on_track(0.0, SET_ON, DUE_ON, SET_ON + timedelta(days=9)) is True
    assert on_track(0.0, SET_ON, DUE_ON, SET_ON + timedelta(days=11)) is False


# Safety buffer ----------------------------------------------------------------------

# 0 → 100 over 100 days: the line is at 60 on TODAY and rises by 1 a day;
# 40 days are left until the due date.
RISING = MetricLine(SET_ON, DUE_ON, 0.0, 100.0)
# 90 → 70 over 100 days: the line is at 90 − 0.2·60 = 78 on TODAY, falling 0.2 a day.
FALLING = MetricLine(SET_ON, DUE_ON, 90.0, 70.0)


def test_line_expected_value() -> None:
    assert RISING.expected(TODAY) == pytest.approx(60.0)
    assert FALLING.expected(TODAY) == pytest.approx(78.0)


def test_safety_buffer_is_0_when_already_behind() -> None:
    # behind means what the verdict means: more than 10 (10 % of the 0–100 span)
    # under the line at 60, so 45 is behind however fast it is moving
    assert safety_buffer(RISING, 45.0, 0.0, TODAY) == 0
    # a decreasing metric: 10 % of its span is 2, so behind above 78 + 2 = 80
    assert safety_buffer(FALLING, 81.0, 100.0, TODAY) == 0


def test_safety_buffer_of_a_goal_set_today_is_its_margin_not_behind() -> None:
    # set today at the baseline with no pace yet: the line rises 1 a day and the
    # 10-point margin lasts 10 days (day 10: line 10, value 0, exactly 10 under)
    assert safety_buffer(RISING, 0.0, 0.0, SET_ON) == 10
    # just under the line but within the margin: 55 vs 60 is 5 into the margin of
    # 10; at 0.5 a day ((55 − 41)/28) the gap of 5 closes at 0.5 a day → 10
    assert safety_buffer(RISING, 55.0, 41.0, TODAY) == 10


def test_safety_buffer_is_the_days_left_when_progressing_faster_than_the_line() -> None:
    # 70 now, 40 four weeks ago: 30/28 ≈ 1.07 a day > 1 a day for the line
    assert safety_buffer(RISING, 70.0, 40.0, TODAY) == 40


def test_safety_buffer_when_ahead_but_slower_than_the_line() -> None:
    # 10 ahead (70 vs 60) plus the margin of 10: a gap of 20; rate (70 − 63)/28 =
    # 0.25 a day; the gap closes at 0.75 a day → 20/0.75 = 26.7 → 26: on day 86 the
    # line is 86 (behind under 76) and the value 76.5; on day 87, 77 against 76.75
    assert safety_buffer(RISING, 70.0, 63.0, TODAY) == 26


def test_safety_buffer_is_capped_at_the_days_left() -> None:
    # a gap of 20, rate 27/28 a day: it closes at 1/28 a day → 560 days > 40 left
    assert safety_buffer(RISING, 70.0, 43.0, TODAY) == 40


def test_safety_buffer_of_a_decreasing_metric() -> None:
    # 75 vs 78 on the line: 3 ahead, plus the margin 2 → 5. Rate (75 − 76.68)/28 =
    # −0.06 a day against the line's −0.2: the gap closes at 0.14 a day → 35.7 → 35
    # (day 95: line 71, behind above 73, value 75 − 0.06·35 = 72.9; day 96: 72.8
    # against 72.84)
    assert safety_buffer(FALLING, 75.0, 76.68, TODAY) == 35
    # falling 0.3 a day ((75 − 83.4)/28), faster than the line: never behind → 40
    assert safety_buffer(FALLING, 75.0, 83.4, TODAY) == 40


# Stalled goals ----------------------------------------------------------------------

FAR = TODAY + timedelta(days=60)


@pytest.mark.parametrize(
    ("quiet_days", "expected"),
    [(14, True), (15, True), (13, False), (0, False)],
)
def test_active_goal_stalls_after_14_quiet_days(
    quiet_days: int, expected: bool
) -> None:
    last = TODAY - timedelta(days=quiet_days)
    assert is_stalled("active", last, SET_ON, FAR, 10.0, TODAY) is expected


def test_goal_without_activity_is_quiet_since_it_was_set() -> None:
    set_on = TODAY - timedelta(days=14)
    assert is_stalled("active", None, set_on, FAR, 0.0, TODAY) is True
    set_on = TODAY - timedelta(days=13)
    assert is_stalled("active", None, set_on, FAR, 0.0, TODAY) is False


@pytest.mark.parametrize(
    ("due_in", "progress", "expected"),
    [
        (7, 49.0, True),
        (7, 50.0, False),
        (3, 49.9, True),
        (8, 49.0, False),  # not yet within 7 days
    ],
)
def test_goal_due_within_7_days_stalls_under_50_percent(
    due_in: int, progress: float, expected: bool
) -> None:
    due = TODAY + timedelta(days=due_in)
    recent = TODAY - timedelta(days=1)
    assert is_stalled("active", recent, SET_ON, due, progress, TODAY) is expected


@pytest.mark.parametrize("status", ["paused", "achieved", "abandoned"])
def test_only_active_goals_stall(status: str) -> None:
    quiet = TODAY - timedelta(days=30)
    assert (
        is_stalled(status, quiet, SET_ON, TODAY + timedelta(days=2), 0.0, TODAY)
        is False
    )


def test_a_goal_set_today_is_not_stalled_even_if_due_within_7_days() -> None:
    due = TODAY + timedelta(days=3)
    assert not is_stalled("active", None, TODAY, due, 0.0, TODAY)
    # the day after, the near-due rule applies as SPEC 5 says
    tomorrow = TODAY + timedelta(days=1)
    assert is_stalled("active", None, TODAY, due, 0.0, tomorrow)


# The verdict ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "stalled", "on_track", "expected"),
    [
        ("active", False, True, "on_track"),
        ("active", False, False, "behind"),
        ("active", True, True, "stalled"),  # never "stalled" and "on track" at once
        ("active", True, False, "stalled"),
        ("achieved", False, False, "done"),
        ("paused", False, True, "paused"),
        ("abandoned", False, True, "abandoned"),
    ],
)
def test_one_verdict_per_goal(
    status: str, stalled: bool, on_track: bool, expected: str
) -> None:
    assert goal_verdict(status, stalled, on_track) == expected


def test_a_goal_set_today_is_on_track_with_a_buffer() -> None:
    # set today, due in 100 days, 0 % done: 0 ≥ 0 − 10, not stalled, 10 days of margin
    progress = 0.0
    stalled = is_stalled("active", None, SET_ON, DUE_ON, progress, SET_ON)
    fine = on_track(progress, SET_ON, DUE_ON, SET_ON)
    assert goal_verdict("active", stalled, fine) == "on_track"
    assert safety_buffer(RISING, 0.0, 0.0, SET_ON) == 10
