"""The calendar heat map: actions a day over a year, like a contribution graph.

53 ISO week columns (the last holds `end`) by 7 weekday rows, month labels above, a
legend of the 5 levels below; each cell's tooltip and the table (actions per month)
give the numbers. Use it through `web.pages.charts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from web.pages.charts_base import (
    MUTED,
    Chart,
    Shape,
    Table,
    day_text,
    label,
    plural,
    shape,
)

HEAT_FILLS = ("#ffffff", "#c6dbf2", "#82aee0", "#2f6fc0", "#163d73")
HEAT_LABELS = ("0", "1", "2", "3–4", "5+")
CELL_STROKE = "#7a8294"
CELL, STEP = 11, 13
HEAT_LEFT, HEAT_TOP, HEAT_WEEKS = 30, 16, 53


def heat_level(actions: int) -> int:
    """The colour level of a day: 0, 1, 2, 3 (3–4 actions), 4 (5 or more)."""
    if actions < 3:
        return max(0, actions)
    return 3 if actions < 5 else 4


def heat_start(end: date) -> date:
    """The Monday of the first of the 53 ISO weeks shown up to `end`."""
    return end - timedelta(days=end.weekday(), weeks=HEAT_WEEKS - 1)


def heat_position(day: date, end: date) -> tuple[int, int]:
    """(column, row) of `day`: its ISO week counted from the first shown, its
    weekday (Monday 0)."""
    return (day - heat_start(end)).days // 7, day.weekday()


def _cell(x: float, y: float, level: int, class_: str, tip: str = "") -> Shape:
    return shape(
        "rect",
        tip=tip,
        class_=f"{class_} level-{level}",
        x=x,
        y=y,
        width=CELL,
        height=CELL,
        fill=HEAT_FILLS[level],
        stroke=CELL_STROKE,
        stroke_width="0.5",
    )


def _heat_cells(days: Mapping[date, int], end: date) -> list[Shape]:
    first = heat_start(end)
    cells = []
    for offset in range((end - first).days + 1):
        day = first + timedelta(days=offset)
        n = days.get(day, 0)
        col, row = heat_position(day, end)
        tip = f"{day:%a} {day_text(day)}: {plural(n, 'action')}"
        cells.append(
            _cell(
                HEAT_LEFT + col * STEP,
                HEAT_TOP + row * STEP,
                heat_level(n),
                "cell",
                tip,
            )
        )
    return cells


def _heat_labels(end: date) -> list[Shape]:
    first = heat_start(end)
    found = [
        label(0, HEAT_TOP + row * STEP + 9, name, fill=MUTED)
        for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"))
    ]
    months = [
        col
        for col in range(HEAT_WEEKS)
        if col == 0 or (first + timedelta(weeks=col)).day <= 7
    ]
    if len(months) > 1 and months[1] <= 2:  # no room for the first, partial month
        months.pop(0)
    # nor for a month starting in the last two columns
    for col in months[:-1] if months[-1] > HEAT_WEEKS - 3 else months:
        monday = first + timedelta(weeks=col)
        found.append(label(HEAT_LEFT + col * STEP, 11, f"{monday:%b}", fill=MUTED))
    legend_y = HEAT_TOP + 7 * STEP + 8
    found.append(label(HEAT_LEFT, legend_y + 9, "Actions a day:", fill=MUTED))
    for level, text in enumerate(HEAT_LABELS):
        x = HEAT_LEFT + 80 + level * 48
        found.append(_cell(x, legend_y, level, "legend"))
        found.append(label(x + CELL + 4, legend_y + 9, text))
    return found


def _months(days: Mapping[date, int], first: date, end: date) -> list[tuple[str, ...]]:
    """Per month shown: its name, its actions, its days with an action."""
    totals: dict[date, list[int]] = {}
    for offset in range((end - first).days + 1):
        day = first + timedelta(days=offset)
        n = days.get(day, 0)
        month = totals.setdefault(day.replace(day=1), [0, 0])
        month[0] += n
        month[1] += 1 if n else 0
    return [(f"{m:%B %Y}", str(n), str(active)) for m, (n, active) in totals.items()]


def heat_map(days: Mapping[date, int], end: date) -> Chart:
    """Actions a day over the 53 ISO weeks up to `end`, like a contribution graph;
    its table gives the actions per month."""
    first = heat_start(end)
    shown = {d: n for d, n in days.items() if first <= d <= end and n > 0}
    span = f"from {day_text(first)} to {day_text(end)}"
    description = f"No actions {span}."
    if shown:
        busiest = max(shown, key=lambda d: (shown[d], d))
        description = (
            f"{plural(sum(shown.values()), 'action')} on "
            f"{plural(len(shown), 'day')} {span}; the busiest day was "
            f"{day_text(busiest)} with {plural(shown[busiest], 'action')}."
        )
    return Chart(
        kind="heat-map",
        title="Actions over the last year",
        description=description,
        width=HEAT_LEFT + HEAT_WEEKS * STEP,
        height=HEAT_TOP + 7 * STEP + 26,
        shapes=(*_heat_cells(shown, end), *_heat_labels(end)),
        table=Table(
            "Actions per month",
            ("Month", "Actions", "Days with an action"),
            tuple(_months(shown, first, end)),
        ),
    )
