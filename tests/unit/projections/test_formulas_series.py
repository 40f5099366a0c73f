"""Raw momentum at many instants by one sweep, and the parts of rut risk, by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from projections.formulas import Interval, raw_score, raw_scores_at, rut_parts

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_one_point_halves_every_14_days() -> None:
    scores = raw_scores_at([(T0, 1.0)], [T0, T0 + 14 * DAY, T0 + 28 * DAY])
    assert scores == pytest.approx([1.0, 0.5, 0.25])


def test_a_point_counts_from_its_instant_not_before() -> None:
    before, same = T0 - timedelta(microseconds=1), T0
    assert raw_scores_at([(T0, 2.0)], [before, same]) == pytest.approx([0.0, 2.0])


def test_checkpoints_may_come_in_any_order() -> None:
    scores = raw_scores_at([(T0, 1.0)], [T0 + 28 * DAY, T0, T0 + 14 * DAY])
    assert scores == pytest.approx([0.25, 1.0, 0.5])


def test_two_points_add_with_their_own_decay() -> None:
    points = [(T0, 1.0), (T0 + 7 * DAY, 1.5)]
    # at day 14: 1 · 0.5 + 1.5 · 0.5^(7/14)
    expected = 0.5 + 1.5 * 0.5**0.5
    assert raw_scores_at(points, [T0 + 14 * DAY]) == pytest.approx([expected])


def test_the_decay_clock_stops_while_away() -> None:
    away = [Interval(T0 + 2 * DAY, T0 + 9 * DAY)]  # 7 days away
    checkpoints = [T0 + 5 * DAY, T0 + 9 * DAY, T0 + 21 * DAY]
    # day 5: 2 active days; day 9: still 2; day 21: 2 + 12 = 14 active days
    expected = [0.5 ** (2 / 14), 0.5 ** (2 / 14), 0.5]
    assert raw_scores_at([(T0, 1.0)], checkpoints, away) == pytest.approx(expected)


def test_overlapping_away_spans_count_once() -> None:
    away = [
        Interval(T0 + 1 * DAY, T0 + 5 * DAY),
        Interval(T0 + 3 * DAY, T0 + 8 * DAY),
    ]  # together 7 days away (day 1 to day 8)
    assert raw_scores_at([(T0, 1.0)], [T0 + 21 * DAY], away) == pytest.approx([0.5])


def test_points_after_a_checkpoint_do_not_count_towards_it() -> None:
    points = [(T0, 1.0), (T0 + 20 * DAY, 3.0)]
    scores = raw_scores_at(points, [T0 + 14 * DAY, T0 + 20 * DAY])
    assert scores == pytest.approx([0.5, 0.5 ** (20 / 14) + 3.0])


def test_the_sweep_agrees_with_the_score_at_each_instant() -> None:
    points = [(T0 + n * 13 * timedelta(hours=7), 1.0 + n % 3) for n in range(40)]
    away = [
        Interval(T0 + 30 * DAY, T0 + 40 * DAY),
        Interval(T0 + 60 * DAY, T0 + 61 * DAY),
    ]
    checkpoints = [T0 + n * 5 * DAY for n in range(20)]
    expected = [raw_score(points, c, away) for c in checkpoints]
    assert raw_scores_at(points, checkpoints, away) == pytest.approx(expected)


def test_rut_parts_for_given_ratings() -> None:
    ratings = {
        "motivation": 3,
        "focus": 2,
        "learning": 4,
        "recognition": 1,
        "satisfaction": 3,
    }
    # s = (2 + 3 + 1 + 4 + 2) / 4 / 5 = 0.6; b = 1 − 40/100; i = 7/21
    s, b, i = rut_parts(ratings, 40, 7)
    assert (s, b, i) == pytest.approx((0.6, 0.6, 1 / 3))


def test_rut_parts_without_review_or_action() -> None:
    assert rut_parts(None, 150, None) == pytest.approx((0.5, 0.0, 1.0))
