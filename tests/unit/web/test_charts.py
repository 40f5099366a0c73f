"""The chart maths: where each shape sits, and that the table tells the same story."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from jinja2 import Environment, FileSystemLoader

from projections.goals_queries import ProgressSeries
from web.pages.charts import (
    Chart,
    goal_progress_chart,
    heat_level,
    heat_map,
    heat_position,
    momentum_line,
    weekly_bars,
)
from web.pages.charts_calendar import CELL, HEAT_LEFT, HEAT_TOP, STEP

END = date(2026, 3, 4)  # a Wednesday


def _render(chart: Chart) -> str:
    env = Environment(loader=FileSystemLoader("web/templates"), autoescape=True)
    template = env.from_string(
        '{% from "macros/charts.html" import chart %}{{ chart(c) }}'
    )
    return template.render(c=chart)


def test_heat_levels_follow_the_legend() -> None:
    assert [heat_level(n) for n in range(7)] == [0, 1, 2, 3, 3, 4, 4]


def test_the_heat_map_has_53_week_columns_ending_with_the_week_of_end() -> None:
    assert heat_position(END, END) == (52, 2)
    assert heat_position(date(2025, 3, 3), END) == (0, 0)  # the first Monday
    assert heat_position(date(2026, 3, 1), END) == (51, 6)  # last Sunday


def test_the_heat_map_has_a_cell_per_day_in_its_column_and_row() -> None:
    chart = heat_map({date(2026, 3, 2): 3, date(2025, 12, 25): 1}, END)
    cells = chart.having("cell")
    assert len(cells) == 52 * 7 + 3  # up to Wednesday of the last week
    by_tip = {c.tip.split(":")[0]: c for c in cells}
    monday = by_tip["Mon 2 Mar 2026"]
    assert (monday.at("x"), monday.at("y")) == (HEAT_LEFT + 52 * STEP, HEAT_TOP)
    assert monday.at("width") == CELL
    assert "level-3" in monday.get("class")
    assert monday.tip == "Mon 2 Mar 2026: 3 actions"
    christmas = by_tip["Thu 25 Dec 2025"]
    col, row = heat_position(date(2025, 12, 25), END)
    assert (christmas.at("x"), christmas.at("y")) == (
        HEAT_LEFT + col * STEP,
        HEAT_TOP + row * STEP,
    )
    assert "level-1" in christmas.get("class")
    assert sum("level-0" in c.get("class") for c in cells) == len(cells) - 2


def test_the_heat_map_legend_shows_five_labelled_levels() -> None:
    chart = heat_map({}, END)
    assert [s.get("class") for s in chart.having("legend")] == [
        f"legend level-{n}" for n in range(5)
    ]
    texts = [s.text for s in chart.shapes if s.tag == "text"]
    assert {"0", "1", "2", "3–4", "5+", "Mon", "Wed", "Fri", "Jan"} <= set(texts)


def test_the_heat_map_table_counts_actions_per_month() -> None:
    days = {date(2026, 3, 2): 3, date(2026, 3, 3): 1, date(2026, 2, 10): 2}
    days[date(2020, 1, 1)] = 9  # outside the year shown: ignored
    chart = heat_map(days, END)
    rows = dict((r[0], r[1:]) for r in chart.table.rows)
    assert rows["March 2026"] == ("4", "2")
    assert rows["February 2026"] == ("2", "1")
    assert rows["January 2026"] == ("0", "0")
    assert chart.table.rows[0][0] == "March 2025" and len(rows) == 13  # not 365
    assert "6 actions on 3 days" in chart.description
    assert "busiest day was 2 Mar 2026 with 3 actions" in chart.description


def test_an_empty_heat_map_says_there_is_nothing_yet() -> None:
    chart = heat_map({}, END)
    assert chart.description.startswith("No actions from 3 Mar 2025")
    assert all(r[1] == "0" for r in chart.table.rows)


WEEKS = [(date(2026, 2, 16), 1), (date(2026, 2, 23), 6), (date(2026, 3, 2), 3)]


def test_weekly_bars_scale_to_the_highest_week() -> None:
    chart = weekly_bars(WEEKS, target=3)
    bars = chart.having("bar")
    heights = [b.at("height") for b in bars]
    grid = [g.at("y1") for g in chart.having("grid")]  # at 0 and at 6
    assert heights[1] == max(grid) - min(grid)  # the whole plot's height
    assert heights[0] == pytest.approx(heights[1] / 6, abs=0.05)
    assert all(b.at("y") + b.at("height") == bars[0].at("y") + heights[0] for b in bars)


def test_the_target_line_sits_at_the_target() -> None:
    chart = weekly_bars(WEEKS, target=3)
    (line,) = chart.having("target")
    tall, three = chart.having("bar")[1], chart.having("bar")[2]
    assert line.at("y1") == line.at("y2") == three.at("y")
    assert line.at("y1") == tall.at("y") + tall.at("height") / 2


def test_weeks_that_met_the_target_are_filled_and_ticked() -> None:
    chart = weekly_bars(WEEKS, target=3)
    assert [("met" in b.get("class")) for b in chart.having("bar")] == [
        False,
        True,
        True,
    ]
    assert [v.text for v in chart.having("value")] == ["1", "6 ✓", "3 ✓"]
    assert chart.table.rows == (
        ("16 Feb 2026", "1", "no"),
        ("23 Feb 2026", "6", "yes"),
        ("2 Mar 2026", "3", "yes"),
    )


def test_a_target_above_every_week_still_shows_within_the_chart() -> None:
    chart = weekly_bars([(date(2026, 3, 2), 0)], target=5)
    (line,) = chart.having("target")
    assert 0 < line.at("y1") < chart.height
    assert chart.having("bar")[0].at("height") == 0


def test_the_momentum_line_runs_over_every_day_capped_at_100() -> None:
    series = [(END - timedelta(days=9 - n), v) for n, v in enumerate(range(0, 150, 15))]
    chart = momentum_line(series)
    (line,) = chart.having("line")
    points = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    assert len(points) == 10
    ys = [y for _, y in points]
    assert ys[0] > ys[1] and ys[-1] == ys[-2] == ys[-3]  # 120, 135 → 100
    assert chart.having("last")[0].text == "100"


def test_the_momentum_table_lists_the_marked_days() -> None:
    series = [(END - timedelta(days=9 - n), 10 * n) for n in range(10)]
    chart = momentum_line(series)
    assert chart.table.rows == (
        ("25 Feb 2026", "20"),
        ("4 Mar 2026", "90"),
    )
    assert [p.tip for p in chart.having("point")] == [
        "25 Feb 2026: momentum 20",
        "4 Mar 2026: momentum 90",
    ]


def test_an_empty_momentum_line_says_so() -> None:
    chart = momentum_line([])
    assert chart.having("line") == [] and chart.table.rows == ()
    assert chart.description == "No momentum recorded yet."


SET, DUE = date(2026, 1, 1), date(2026, 4, 11)  # 100 days


def test_the_on_track_line_goes_from_set_at_0_to_due_at_100() -> None:
    series = ProgressSeries(
        points=((date(2026, 1, 21), 30.0), (date(2026, 2, 20), 60.0)),
        line=((SET, 10.0), (DUE, 110.0)),
    )
    chart = goal_progress_chart(series, SET, DUE)
    (line,) = chart.having("on-track")
    grid = chart.having("grid")  # 0%, 25%, … 100%
    assert (line.at("x1"), line.at("y1")) == (grid[0].at("x1"), grid[0].at("y1"))
    assert (line.at("x2"), line.at("y2")) == (grid[-1].at("x2"), grid[-1].at("y1"))
    # values become % of the way from baseline 10 to target 110
    assert chart.table.rows == (
        ("21 Jan 2026", "20%", "20%"),
        ("20 Feb 2026", "50%", "50%"),
    )
    (progress,) = chart.having("line")
    first_x = float(progress.get("points").split()[0].split(",")[0])
    left, right = grid[0].at("x1"), grid[0].at("x2")
    assert first_x == left + (right - left) * 20 / 100


def test_a_goal_without_a_metric_shows_its_current_progress() -> None:
    empty = ProgressSeries(points=(), line=None)
    chart = goal_progress_chart(empty, SET, DUE, current=(date(2026, 2, 20), 25.0))
    assert chart.table.rows == (("20 Feb 2026", "25%", "50%"),)
    assert "Progress 25% on 20 Feb 2026" in chart.description
    bare = goal_progress_chart(empty, SET, DUE)
    assert bare.table.rows == () and bare.description.startswith("No progress")
    assert len(bare.having("on-track")) == 1


def test_milestone_progress_is_drawn_in_steps() -> None:
    # 0 % on 1 Jan, 50 % on 21 Jan (1 of 2), 33 % on 31 Jan (a third added)
    series = ProgressSeries(
        points=((SET, 0.0), (date(2026, 1, 21), 50.0), (date(2026, 1, 31), 100 / 3)),
        line=((SET, 0.0), (DUE, 100.0)),
        measure="milestones",
    )
    chart = goal_progress_chart(series, SET, DUE, current=(date(2026, 2, 10), 100 / 3))
    (progress,) = chart.having("line")
    corners = [
        tuple(float(n) for n in pair.split(","))
        for pair in progress.get("points").split()
    ]
    # each value holds until the next day it changed: a flat run, then a riser
    assert len(corners) == 7  # 4 points, 3 steps of two corners each after the first
    ys = [y for _, y in corners]
    xs = [x for x, _ in corners]
    assert ys[0] == ys[1] and xs[1] == xs[2]  # flat at 0 to 21 Jan, up to 50
    assert ys[2] == ys[3] and xs[3] == xs[4]  # flat at 50 to 31 Jan, down to 33
    assert ys[4] == ys[5] == ys[6]  # flat at 33 to today
    assert len(chart.having("point")) == 4  # markers only where progress was read
    assert chart.table.rows == (
        ("1 Jan 2026", "0%", "0%"),
        ("21 Jan 2026", "50%", "20%"),
        ("31 Jan 2026", "33%", "30%"),
        ("10 Feb 2026", "33%", "40%"),
    )
    assert "in steps as milestones were added, done and reopened" in chart.description


def test_the_rendered_chart_names_itself_and_carries_its_table() -> None:
    first, second = weekly_bars(WEEKS, 3), weekly_bars(WEEKS, 3)
    html = _render(first)
    assert first.uid != second.uid
    assert f'aria-labelledby="{first.uid}-title {first.uid}-desc"' in html
    assert f'<title id="{first.uid}-title">Actions per week' in html
    assert '<th scope="col">Actions</th>' in html
    assert '<th scope="row">2 Mar 2026</th>' in html
    assert "style=" not in html and "<script" not in html
