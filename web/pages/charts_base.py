"""What every chart is made of: `Chart`, `Shape`, `Table` and drawing helpers.

The builders are in `web.pages.charts`; `macros/charts.html` renders a `Chart`.
Shapes carry presentation attributes only (the CSP allows no style attributes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import count

INK, MUTED, GRID, ACCENT, TARGET = "#1d2433", "#4d5566", "#c9cfdb", "#1f5fbf", "#b3261e"
FONT = "system-ui, sans-serif"
_ids = count(1)


@dataclass(frozen=True)
class Shape:
    """One SVG element: its tag, presentation attributes, text and tooltip."""

    tag: str
    attrs: tuple[tuple[str, str], ...]
    text: str = ""
    tip: str = ""

    def get(self, name: str) -> str:
        """The value of attribute `name` ('' if absent)."""
        return dict(self.attrs).get(name, "")

    def at(self, name: str) -> float:
        """A numeric attribute (a coordinate or size)."""
        return float(self.get(name))


@dataclass(frozen=True)
class Table:
    """The text alternative: a caption, column headers and rows (first: row head)."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    """A chart ready to render: `kind` names it, `uid` makes its ids unique."""

    kind: str
    title: str
    description: str
    width: int
    height: int
    shapes: tuple[Shape, ...]
    table: Table
    uid: str = field(default_factory=lambda: f"chart-{next(_ids)}", compare=False)

    @property
    def view_box(self) -> str:
        """The SVG viewBox."""
        return f"0 0 {self.width} {self.height}"

    def having(self, class_: str) -> list[Shape]:
        """The shapes whose class list holds `class_`, in drawing order."""
        return [s for s in self.shapes if class_ in s.get("class").split()]


@dataclass(frozen=True)
class Plot:
    """A plotting area inside a chart: its box and the value range of its y axis."""

    left: float
    top: float
    width: float
    height: float
    y_max: float = 100.0

    @property
    def bottom(self) -> float:
        """The y of the x axis."""
        return self.top + self.height

    def y(self, value: float) -> float:
        """The y of `value` (0 at the bottom, `y_max` at the top), clamped."""
        share = max(0.0, min(1.0, value / self.y_max)) if self.y_max else 0.0
        return self.bottom - self.height * share

    def x(self, i: float, n: float) -> float:
        """The x of position `i` of `n` (0 … n), spread over the width."""
        return self.left + (self.width * i / n if n else 0.0)


def num(value: float) -> str:
    """A coordinate as SVG text: at most one decimal, no trailing zeros."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def shape(tag: str, text: str = "", tip: str = "", **attrs: float | str) -> Shape:
    """A shape; `class_` becomes `class`, `stroke_width` becomes `stroke-width`."""
    return make(tag, attrs, text, tip)


def make(
    tag: str, attrs: Mapping[str, float | str], text: str = "", tip: str = ""
) -> Shape:
    """A shape from attributes named as in `shape`."""
    pairs = tuple(
        (k.rstrip("_").replace("_", "-"), v if isinstance(v, str) else num(v))
        for k, v in attrs.items()
    )
    return Shape(tag, pairs, text, tip)


def label(
    x: float, y: float, text: str, anchor: str = "start", **attrs: float | str
) -> Shape:
    """A text label in the chart's font (10 units, ink unless told)."""
    base: dict[str, float | str] = {"x": x, "y": y, "text_anchor": anchor}
    base |= {"font_family": FONT, "font_size": "10", "fill": INK}
    return make("text", base | attrs, text)


def y_axis(plot: Plot, ticks: Sequence[float], suffix: str = "") -> list[Shape]:
    """Horizontal grid lines with their values at the left."""
    found = []
    for tick in ticks:
        y = plot.y(tick)
        found.append(
            shape(
                "line",
                class_="grid",
                x1=plot.left,
                x2=plot.left + plot.width,
                y1=y,
                y2=y,
                stroke=GRID,
                stroke_width="1",
            )
        )
        found.append(label(plot.left - 5, y + 3.5, f"{num(tick)}{suffix}", "end"))
    return found


def polyline(points: Sequence[tuple[float, float]], **attrs: float | str) -> Shape:
    """A polyline through `points`."""
    text = " ".join(f"{num(x)},{num(y)}" for x, y in points)
    return make("polyline", {"points": text, "fill": "none"} | attrs)


def day_text(day: date) -> str:
    """'2 Mar 2026'."""
    return f"{day.day} {day:%b %Y}"


def short_day(day: date) -> str:
    """'2 Mar'."""
    return f"{day.day} {day:%b}"


def plural(n: int, word: str) -> str:
    """'1 action', '3 actions'."""
    return f"{n} {word}{'' if n == 1 else 's'}"
