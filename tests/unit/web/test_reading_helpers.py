"""The plain excerpt of cut Markdown, dates on the owner's clock, the signals chart."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from projections.signals_queries import SignalPoint
from web.pages.charts_signals import signals_chart
from web.pages.text import plain_excerpt
from web.pages.when import owners_moment


@pytest.mark.parametrize(
    ("cut", "shown"),
    [
        ("Gave a *lightning* talk and **bol…", "Gave a lightning talk and bol…"),
        (
            "# Plan\n> quoted [a link](https://x.org) and [cut",
            "Plan quoted a link and cut",
        ),
        ("`code` and snake_case_name stay", "code and snake_case_name stay"),
        ("x <script>alert(1)</script> &amp; y", "x & y"),
        ("see [the notes](https://example.org/lo…", "see the notes"),
        ("", ""),
    ],
)
def test_an_excerpt_is_plain_text_without_markdown(cut: str, shown: str) -> None:
    assert plain_excerpt(cut) == shown


def test_a_moment_is_on_the_owners_clock_with_the_zone_named_for_others() -> None:
    at = datetime(2026, 12, 3, 23, 15, tzinfo=UTC)
    theirs = owners_moment(at, "Europe/Berlin", "America/New_York")
    assert theirs.text() == "Fri 04 Dec 2026, 00:15 (Berlin time)"
    assert theirs.day == date(2026, 12, 4)
    assert owners_moment(at, "Europe/Berlin", "Europe/Berlin").text() == (
        "Fri 04 Dec 2026, 00:15"
    )
    assert owners_moment(at, "UTC", "Europe/Berlin").text(with_time=False) == (
        "Thu 03 Dec 2026 (UTC)"
    )


def test_the_signals_chart_has_a_row_per_signal_and_a_table_row_per_review() -> None:
    names = ("motivation", "focus", "learning", "recognition", "satisfaction")
    points = [
        SignalPoint("a", date(2026, 3, 6), dict.fromkeys(names, 2)),
        SignalPoint("b", date(2026, 3, 13), dict.fromkeys(names, 4) | {"focus": 5}),
    ]
    chart = signals_chart(points)
    assert len(chart.having("point")) == 10 and len(chart.having("line")) == 5
    assert [s.text for s in chart.having("last")] == ["4/5", "5/5", "4/5", "4/5", "4/5"]
    assert chart.table.rows[-1] == ("13 Mar 2026", "4", "5", "4", "4", "4")
    assert "motivation 2 to 4" in chart.description
    empty = signals_chart([])
    assert empty.table.rows == () and "No reviews yet" in empty.description
