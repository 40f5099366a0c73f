"""Charts people look at rather than read (SPEC 7), drawn on the server as data.

Each builder turns numbers into a `Chart` (`web.pages.charts_base`): a title and a
description (for `<title>` and `<desc>`), a view box, SVG shapes as plain values and
a table carrying the same numbers; `macros/charts.html` renders it as an accessible
`<figure>`. No scripts, no style attributes, and colour never carries meaning alone:
values are labelled, a met target is marked with a tick, the table says it all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import pairwise

from projections.formulas import elapsed_percent, momentum_shown
from projections.goals_queries import ProgressSeries
from service.domain.goal import progress_percent
from web.pages.charts_base import (
    ACCENT,
    MUTED,
    TARGET,
    Chart,
    Plot,
    Shape,
    Table,
    day_text,
    label,
    plural,
    polyline,
    shape,
    short_day,
    y_axis,
)
from web.pages.charts_calendar import heat_level, heat_map, heat_position, heat_start

__all__ = [
    "Chart",
    "Shape",
    "Table",
    "goal_progress_chart",
    "heat_level",
    "heat_map",
    "heat_position",
    "heat_start",
    "momentum_line",
    "weekly_bars",
]

WIDE, TALL = 480, 220
DATE_WIDTH = 40  # units a week's date label needs to stand apart from the next
TICKS = (0, 25, 50, 75, 100)


# --- weekly bars --------------------------------------------------------------


def _bar(
    plot: Plot, slot: float, i: int, week: tuple[date, int], met: bool
) -> list[Shape]:
    monday, actions = week
    x, top = plot.left + slot * (i + 0.2), plot.y(actions)
    middle = x + slot * 0.3
    tip = f"Week of {day_text(monday)}: {plural(actions, 'action')}"
    shapes = [
        shape(
            "rect",
            tip=tip + (", target met" if met else ""),
            class_="bar met" if met else "bar",
            x=x,
            y=top,
            width=slot * 0.6,
            height=plot.bottom - top,
            fill=ACCENT if met else "#ffffff",
            stroke=ACCENT,
            stroke_width="1.5",
        ),
        label(
            middle,
            top - 4,
            f"{actions} ✓" if met else str(actions),
            "middle",
            class_="value",
        ),
    ]
    # A date takes ~36 units at the charts' 10-unit text (the least a phone may
    # show, issue 14): in narrower slots every other week is named (the table
    # under the chart names them all).
    if slot >= DATE_WIDTH or i % 2 == 0:
        day = short_day(monday)
        shapes.append(label(middle, plot.bottom + 14, day, "middle", fill=MUTED))
    return shapes


def _target_line(plot: Plot, target: int) -> list[Shape]:
    """A dashed line across the plot at the target, its value on the axis."""
    y = plot.y(target)
    line = shape(
        "line",
        class_="target",
        x1=plot.left,
        x2=plot.left + plot.width,
        y1=y,
        y2=y,
        stroke=TARGET,
        stroke_width="2",
        stroke_dasharray="6 3",
    )
    value = str(target)
    return [
        line,
        label(plot.left - 5, y + 3.5, value, "end", fill=TARGET, font_weight="bold"),
    ]


def weekly_bars(weeks: Sequence[tuple[date, int]], target: int) -> Chart:
    """Actions of each ISO week (its Monday, its count) against the weekly target:
    a dashed target line; a met week's bar is filled and ticked."""
    highest = max([target, 1, *(n for _, n in weeks)])
    plot = Plot(36, 30, WIDE - 48, TALL - 70, y_max=highest)
    slot = plot.width / max(1, len(weeks))
    title = f"Actions per week; dashed line: the target of {target}"
    shapes = [label(plot.left, 12, title, fill=MUTED)]
    shapes += y_axis(plot, sorted({0, highest} - {target}))
    met = [n >= target for _, n in weeks]
    for i, week in enumerate(weeks):
        shapes += _bar(plot, slot, i, week, met[i])
    shapes += _target_line(plot, target)
    shapes.append(label(WIDE / 2, TALL - 6, "Week starting", "middle", fill=MUTED))
    rows = tuple(
        (day_text(monday), str(n), "yes" if ok else "no")
        for (monday, n), ok in zip(weeks, met, strict=True)
    )
    last = f"; this week so far {weeks[-1][1]}" if weeks else ""
    return Chart(
        kind="weekly-bars",
        title="Actions per week against the target",
        description=(
            f"Actions in each of the last {plural(len(weeks), 'week')} against a "
            f"target of {target} a week: met in {sum(met)} of {len(weeks)}{last}."
        ),
        width=WIDE,
        height=TALL,
        shapes=tuple(shapes),
        table=Table(
            f"Actions per week (target {target})",
            ("Week starting", "Actions", "Target met"),
            rows,
        ),
    )


# --- lines over time ------------------------------------------------------------


def _time_ticks(plot: Plot, days: Sequence[tuple[int, date]], span: int) -> list[Shape]:
    """Date labels under the x axis at (offset in days, day)."""
    found = []
    for n, (offset, day) in enumerate(days):
        anchor = "start" if n == 0 else ("end" if n == len(days) - 1 else "middle")
        x = plot.x(offset, span)
        found.append(label(x, plot.bottom + 14, short_day(day), anchor, fill=MUTED))
    return found


def _steps(xy: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The corners of a step line: each value holds until the next point."""
    corners = list(xy[:1])
    for (_, y), (x_next, y_next) in pairwise(xy):
        corners += [(x_next, y), (x_next, y_next)]
    return corners


def _trace(
    xy: Sequence[tuple[float, float]],
    tips: Sequence[str],
    last: str,
    *,
    stepped: bool = False,
) -> list[Shape]:
    """A line through `xy` (in steps if `stepped`), a marked point (with its
    tooltip) where there is a tip, and the last value written at the end."""
    found = []
    if len(xy) > 1:
        line = _steps(xy) if stepped else xy
        found.append(polyline(line, class_="line", stroke=ACCENT, stroke_width="2"))
    for (x, y), tip in zip(xy, tips, strict=True):
        if tip:
            found.append(
                shape("circle", tip=tip, class_="point", cx=x, cy=y, r=3, fill=ACCENT)
            )
    if xy:
        x, y = xy[-1]
        found.append(label(x, y - 7, last, "end", font_weight="bold", class_="last"))
    return found


def _line_plot(title: str, suffix: str = "") -> tuple[Plot, list[Shape]]:
    """A 0–100 plot with its title and grid."""
    plot = Plot(40, 30, WIDE - 56, TALL - 70)
    return plot, [label(plot.left, 12, title, fill=MUTED), *y_axis(plot, TICKS, suffix)]


def momentum_line(series: Sequence[tuple[date, int]]) -> Chart:
    """Momentum (0–100 shown, capped) at the end of each day; every seventh day
    counting back from the last is marked and listed in the table."""
    values = [(day, momentum_shown(v)) for day, v in series]
    plot, shapes = _line_plot("Momentum (0–100)")
    span = max(0, len(values) - 1)
    marked = set(range(span, -1, -7)) if values else set()
    tips = [
        f"{day_text(d)}: momentum {v}" if i in marked else ""
        for i, (d, v) in enumerate(values)
    ]
    xy = [(plot.x(i, span), plot.y(v)) for i, (_, v) in enumerate(values)]
    shapes += _trace(xy, tips, str(values[-1][1]) if values else "")
    description = "No momentum recorded yet."
    if values:
        ticks = sorted({0, span // 3, 2 * span // 3, span})
        shapes += _time_ticks(plot, [(i, values[i][0]) for i in ticks], span)
        low, high = min(v for _, v in values), max(v for _, v in values)
        (d0, v0), (dn, vn) = values[0], values[-1]
        description = (
            f"Momentum over {plural(len(values), 'day')}: {v0} on {day_text(d0)}, "
            f"{vn} on {day_text(dn)}; lowest {low}, highest {high}."
        )
    else:
        shapes.append(label(WIDE / 2, TALL / 2, "No data yet", "middle"))
    rows = tuple((day_text(values[i][0]), str(values[i][1])) for i in sorted(marked))
    return Chart(
        kind="momentum-line",
        title="Momentum over the last 90 days",
        description=description,
        width=WIDE,
        height=TALL,
        shapes=tuple(shapes),
        table=Table("Momentum, every seventh day", ("Day", "Momentum"), rows),
    )


def _percent(value: float, baseline: float, target: float) -> float:
    """A metric value as % of the way from baseline to target (SPEC 5)."""
    if target == baseline:
        return 100.0 if value == target else 0.0
    metric = {"baseline": baseline, "target": target}
    return progress_percent("active", metric, value, 0, 0)


def _progress_points(
    series: ProgressSeries, current: tuple[date, float] | None
) -> list[tuple[date, float]]:
    points: list[tuple[date, float]] = []
    if series.line is not None:
        (_, baseline), (_, target) = series.line
        points = [(d, _percent(v, baseline, target)) for d, v in series.points]
    if current is not None and (not points or current[0] > points[-1][0]):
        points.append(current)
    return points


def _on_track(start: tuple[float, float], end: tuple[float, float]) -> Shape:
    (x1, y1), (x2, y2) = start, end
    return shape(
        "line",
        class_="on-track",
        x1=x1,
        y1=y1,
        x2=x2,
        y2=y2,
        stroke=MUTED,
        stroke_width="1.5",
        stroke_dasharray="5 4",
    )


def goal_progress_chart(
    series: ProgressSeries,
    set_on: date,
    due_on: date,
    *,
    current: tuple[date, float] | None = None,
) -> Chart:
    """A goal's progress % by day against its straight on-track line from
    (set date, 0 %) to (due date, 100 %).

    `series` is `goals_queries.progress_series` (a metric goal's values become % of
    the way from baseline to target; its line gives the dates; a goal measured by
    milestones is drawn in steps); `current`, e.g. the card's `(today, progress)`,
    adds the latest point when it is later than the last recorded one (a goal with
    neither metric nor milestones has only that point)."""
    if series.line is not None:
        (set_on, _), (due_on, _) = series.line
    points = _progress_points(series, current)
    span = max(1, (max([due_on, *(d for d, _ in points)]) - set_on).days)
    plot, shapes = _line_plot("Progress (%); dashed line: on track", "%")

    def at(day: date, pct: float) -> tuple[float, float]:
        return plot.x(max(0, (day - set_on).days), span), plot.y(pct)

    shapes.append(_on_track(at(set_on, 0), at(due_on, 100)))
    tips = [f"{day_text(d)}: {round(p)}%" for d, p in points]
    last = f"{round(points[-1][1])}%" if points else ""
    xy = [at(d, p) for d, p in points]
    shapes += _trace(xy, tips, last, stepped=series.stepped)
    shapes += _time_ticks(plot, [(0, set_on), ((due_on - set_on).days, due_on)], span)
    rows = tuple(
        (day_text(d), f"{round(p)}%", f"{round(elapsed_percent(set_on, due_on, d))}%")
        for d, p in points
    )
    line = f"0% on {day_text(set_on)} to 100% on {day_text(due_on)}"
    latest = (
        f"Progress {last} on {day_text(points[-1][0])}" if points else "No progress"
    )
    if series.stepped:
        latest += ", in steps as milestones were added, done and reopened"
    return Chart(
        kind="goal-progress",
        title="Progress against the on-track line",
        description=f"{latest}; the on-track line runs from {line}.",
        width=WIDE,
        height=TALL,
        shapes=tuple(shapes),
        table=Table("Progress by day", ("Day", "Progress", "On-track line"), rows),
    )
