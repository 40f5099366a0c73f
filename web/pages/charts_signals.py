"""The five signals over the latest reviews: one small line per signal, each row
named and its latest value written, the table under it holding every number."""

from __future__ import annotations

from collections.abc import Sequence

from projections.signals_queries import SignalPoint
from service.domain.review import SIGNALS
from web.pages.charts_base import (
    ACCENT,
    GRID,
    MUTED,
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
)

WIDE, ROW, TOP, LEFT, RIGHT = 480, 40, 26, 96, 44


def _row(i: int, name: str, points: Sequence[SignalPoint]) -> list[Shape]:
    """One signal: its name, a baseline, its line and points, its latest value."""
    plot = Plot(LEFT, TOP + i * ROW + 6, WIDE - LEFT - RIGHT, ROW - 14, y_max=4)
    found = [
        label(4, plot.top + plot.height / 2 + 4, name.capitalize(), class_="name"),
        shape(
            "line",
            class_="grid",
            x1=plot.left,
            x2=plot.left + plot.width,
            y1=plot.bottom,
            y2=plot.bottom,
            stroke=GRID,
            stroke_width="1",
        ),
    ]
    span = max(1, len(points) - 1)
    xy = [
        (plot.x(n if len(points) > 1 else 0.5, span), plot.y(p.signals[name] - 1))
        for n, p in enumerate(points)
    ]
    if len(xy) > 1:
        found.append(polyline(xy, class_="line", stroke=ACCENT, stroke_width="2"))
    for (x, y), p in zip(xy, points, strict=True):
        tip = f"{day_text(p.day)}: {name} {p.signals[name]} of 5"
        found.append(
            shape("circle", tip=tip, class_="point", cx=x, cy=y, r=3, fill=ACCENT)
        )
    if points:
        latest = f"{points[-1].signals[name]}/5"
        middle = plot.top + plot.height / 2 + 4
        found.append(label(WIDE - 4, middle, latest, "end", class_="last"))
    return found


def _description(points: Sequence[SignalPoint]) -> str:
    if not points:
        return "No reviews yet: the signals appear after the first weekly review."
    first, last = points[0], points[-1]
    moves = ", ".join(
        f"{name} {first.signals[name]} to {last.signals[name]}" for name in SIGNALS
    )
    return (
        f"The five signals (1 to 5, 5 = thriving) of the last "
        f"{plural(len(points), 'review')}, {day_text(first.day)} to "
        f"{day_text(last.day)}: {moves}."
    )


def signals_chart(points: Sequence[SignalPoint]) -> Chart:
    """The five signals of each review in `points` (oldest first), 1 to 5."""
    height = TOP + len(SIGNALS) * ROW + 20
    shapes = [label(4, 14, "Signals, 1 to 5 (5 = thriving)", fill=MUTED)]
    for i, name in enumerate(SIGNALS):
        shapes += _row(i, name, points)
    if points:
        bottom = height - 6
        shapes.append(label(LEFT, bottom, short_day(points[0].day), fill=MUTED))
        end = WIDE - RIGHT
        shapes.append(label(end, bottom, short_day(points[-1].day), "end", fill=MUTED))
    else:
        shapes.append(label(WIDE / 2, height / 2, "No reviews yet", "middle"))
    rows = tuple(
        (day_text(p.day), *(str(p.signals[name]) for name in SIGNALS)) for p in points
    )
    return Chart(
        kind="signals",
        title="Signals over the latest reviews",
        description=_description(points),
        width=WIDE,
        height=height,
        shapes=tuple(shapes),
        table=Table(
            "Signals of each review (1 to 5, 5 = thriving)",
            ("Review of", *(name.capitalize() for name in SIGNALS)),
            rows,
        ),
    )
