"""Mentors (and group members) read what a mentee wrote: the review page, the action
page, the signals chart, excerpts without raw Markdown, dates in the owner's zone
(issue 14). Who may see what is SPEC 9: anyone else gets a 404."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from service import commands as c
from service.clock import FixedClock
from tests.web.conftest import Api, Person
from tests.web.helpers import json_of, log, mentor, share_group
from tests.web.pages.conftest import Browsers, page_of

SIGNALS = ("motivation", "focus", "learning", "recognition", "satisfaction")
WELL = "Gave a **lightning** talk <script>alert(1)</script> " + "and more " * 30
STUCK = "Still *no time* for the [course](https://example.com/c)"
LESSONS = "- Block time early\n- Say no"


def _review(
    api: Api, who: Person, visibility: str = "mentors", level: int = 3, **texts: str
) -> Any:
    body = {
        "signals": {name: level for name in SIGNALS} | {"recognition": 1},
        "went_well": WELL,
        "stuck_on": STUCK,
        "lessons": LESSONS,
        "commitments": [
            {"if_when": "When I open my laptop", "then": "I will apply"},
            {"if_when": "When it is Friday", "then": "I will rest"},
        ],
        "visibility": visibility,
    } | texts
    return json_of(api.post(who, "/reviews", json=body), 201)


def _people(api: Api) -> tuple[Person, Person, Person, Person]:
    """Ann; Ben her mentor; Cat in her group; Dan a stranger."""
    ann, ben, cat, dan = (api.join(n) for n in ("Ann", "Ben", "Cat", "Dan"))
    mentor(api, ann, ben)
    share_group(api, ann, cat)
    return ann, ben, cat, dan


def test_a_mentor_reads_the_whole_review_rendered_and_sanitised(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben, *_ = _people(pages_api)
    review = _review(pages_api, ann)
    first = review["commitments"][0]["id"]
    pages_api.system.write(
        c.MarkCommitment(UUID(ann.id), UUID(review["id"]), UUID(first), True)
    )
    response = browsers.of(ben).get(f"/reviews/{review['id']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = page_of(response)
    assert "<strong>lightning</strong>" in html
    assert "<script>" not in html and "alert(1)" not in html
    assert page.select_one("a[href='https://example.com/c']") is not None
    assert [li.get_text() for li in page.select(".markdown ul li")] == [
        "Block time early",
        "Say no",
    ]
    text = page.get_text(" ")
    for label in ("What went well", "Where I am stuck", "Lessons from setbacks"):
        assert label in text
    signals = [li.get_text(" ", strip=True) for li in page.select(".signal-list li")]
    assert signals[3].startswith("Recognition 1 /5")
    steps = page.select(".commitments li")
    assert "Kept" in steps[0].get_text() and "Open" in steps[1].get_text()
    assert "Ann’s weekly review" in text


def test_who_may_read_a_review_follows_its_visibility(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben, cat, dan = _people(pages_api)
    for_mentors = _review(pages_api, ann, "mentors")["id"]
    for_group = _review(pages_api, ann, "group")["id"]
    private = _review(pages_api, ann, "private")["id"]
    expected = {
        ann: {for_mentors: 200, for_group: 200, private: 200},
        ben: {for_mentors: 200, for_group: 200, private: 404},
        cat: {for_mentors: 404, for_group: 200, private: 404},
        dan: {for_mentors: 404, for_group: 404, private: 404},
    }
    for person, codes in expected.items():
        browser = browsers.of(person)
        seen = {rid: browser.get(f"/reviews/{rid}").status_code for rid in codes}
        assert seen == codes, person.name
    assert browsers.of(ben).get(f"/reviews/{UUID(int=7)}").status_code == 404


def test_lists_show_plain_excerpts_that_link_to_the_whole_text(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben, *_ = _people(pages_api)
    review = _review(pages_api, ann)["id"]
    action = log(pages_api, ann, "Rehearsed", notes="**Bold** " + "word " * 60)
    bens = browsers.of(ben)
    for path in (f"/journal?member={ann.id}", f"/mentees/{ann.id}"):
        page = page_of(bens.get(path))
        excerpts = [p.get_text() for p in page.select(".entry-excerpt")]
        assert excerpts, path
        assert not any("*" in x or "<" in x for x in excerpts), excerpts
        links = {a["href"] for a in page.select("a")}
        assert f"/reviews/{review}" in links and f"/actions/{action}" in links
    own = page_of(browsers.of(ann).get("/reviews"))
    assert own.select_one(f"a[href='/reviews/{review}']") is not None


def test_an_action_page_shows_its_full_notes_to_whoever_may_see_it(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben, cat, dan = _people(pages_api)
    notes = "Asked *three* questions <img src=x onerror=alert(1)> " + "long " * 80
    shared = log(pages_api, ann, "Went to the meetup", notes=notes)
    private = log(pages_api, ann, "Updated my CV", visibility="private")
    response = browsers.of(ben).get(f"/actions/{shared}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<em>three</em>" in html and "long long" in html
    assert "<img" not in html and "onerror" not in html
    assert browsers.of(ben).get(f"/actions/{private}").status_code == 404
    assert browsers.of(ann).get(f"/actions/{private}").status_code == 200
    assert browsers.of(cat).get(f"/actions/{shared}").status_code == 404
    assert browsers.of(dan).get(f"/actions/{shared}").status_code == 404


def test_a_taken_back_action_is_only_its_owners_to_see(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben, *_ = _people(pages_api)
    action = log(pages_api, ann, "Went to the meetup")
    pages_api.system.write(c.RetractAction(UUID(ann.id), UUID(action), "duplicate"))
    assert browsers.of(ben).get(f"/actions/{action}").status_code == 404
    page = browsers.of(ann).get(f"/actions/{action}").get_data(as_text=True)
    assert "Taken back" in page


def test_the_signals_chart_draws_the_latest_twelve_reviews_the_viewer_may_see(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    ann, ben, *_ = _people(pages_api)
    log(pages_api, ann, "Read a chapter")  # not new: the dashboard shows charts
    for week in range(15):
        clock.advance(days=7)
        level, visibility = (1 + week % 5, "mentors") if week < 14 else (5, "private")
        signals = {name: level for name in SIGNALS}
        command = c.RecordReview(UUID(ann.id), signals, visibility=visibility)
        pages_api.system.write(command)
    for browser, path in (
        (browsers.of(ann), "/"),
        (browsers.of(ben), f"/mentees/{ann.id}"),
    ):
        page = page_of(browser.get(path))
        figure = page.select_one("figure.chart-signals")
        assert figure is not None, path
        assert figure.select_one("svg[role=img] title") is not None
        rows = figure.select("tbody tr")
        mine = path == "/"
        assert len(rows) == 12
        last = [td.get_text() for td in rows[-1].select("td")]
        assert last[0] == ("5" if mine else str(1 + 13 % 5))
        assert len(figure.select("circle.point")) == 60


def test_the_dashboard_says_when_there_are_no_reviews_to_chart(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    log(pages_api, ann, "Read a chapter")  # not new: the charts are shown
    figure = page_of(browsers.of(ann).get("/")).select_one("figure.chart-signals")
    assert figure is not None and "No reviews yet" in figure.get_text()


def test_an_entry_is_dated_on_its_owners_clock_with_the_zone_named(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 12, 3, 23, 15, tzinfo=UTC))  # Fri 00:15 in Berlin
    ann = pages_api.join("Ann", timezone="Europe/Berlin")
    ben = pages_api.join("Ben", timezone="America/New_York")
    mentor(pages_api, ann, ben)
    review = _review(pages_api, ann)["id"]
    bens = page_of(browsers.of(ben).get(f"/journal?member={ann.id}"))
    assert "Fri 04 Dec 2026, 00:15 (Berlin time)" in bens.get_text(" ")
    shown = page_of(browsers.of(ben).get(f"/reviews/{review}")).get_text(" ")
    assert "Fri 04 Dec 2026, 00:15 (Berlin time)" in shown
    anns = browsers.of(ann)
    assert "Fri 04 Dec 2026, 00:15" in page_of(anns.get("/journal")).get_text(" ")
    assert "Berlin time" not in page_of(anns.get("/journal")).get_text(" ")
    clock.advance(hours=1)
    asked = page_of(anns.get("/reviews/new")).get_text(" ")
    assert "From your review of Fri 04 Dec 2026" in asked
    amend = page_of(anns.get(f"/reviews/{review}/amend")).get_text(" ")
    assert "review of Fri 04 Dec 2026" in amend
