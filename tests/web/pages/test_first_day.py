"""A first day looks like a start (docs/metrics.md): a member who signs up in
Berlin shortly after midnight and meets the weekly target that morning sees
positive momentum and a "new" rut risk, and their mentor's triage does not flag
them."""

from __future__ import annotations

from datetime import UTC, datetime

from bs4 import Tag

from service.clock import FixedClock
from tests.web.conftest import Api
from tests.web.helpers import log, mentor
from tests.web.pages.conftest import Browsers, page_of


def _text(tag: Tag | None) -> str:
    assert tag is not None
    return " ".join(tag.get_text(" ", strip=True).split())


def test_a_first_morning_that_meets_the_target_reads_as_a_start(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 3, 1, 23, 30, tzinfo=UTC))  # 00:30 in Berlin
    ann = pages_api.join("Ann", "Europe/Berlin")
    max_ = pages_api.join("Max")
    mentor(pages_api, ann, max_)
    clock.set(datetime(2026, 3, 2, 7, tzinfo=UTC))  # 08:00 in Berlin
    for title in ("Read a chapter", "Updated my CV", "Asked for a referral"):
        log(pages_api, ann, title)
    page = page_of(browsers.of(ann).get("/"))
    momentum = page.find(id="momentum-heading")
    assert momentum is not None
    shown = _text(momentum.find_parent("section"))
    # raw 3, just logged: round(100 · 3 / (3/7 · 14 / ln 2)) = 35
    assert "35 / 100" in shown and "up 35" in shown
    risk = page.find(id="risk-heading")
    assert risk is not None
    said = _text(risk.find_parent("section"))
    assert "new" in said and "medium" not in said and "high" not in said
    triage = page_of(browsers.of(max_).get("/mentoring"))
    listed = _text(triage.find("ol"))
    assert "Ann" in listed and "Flagged because" not in listed
    assert "New this week" in listed
