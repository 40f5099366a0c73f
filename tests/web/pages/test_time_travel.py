"""Time travel on the pages (`?as_of=YYYY-MM-DD` on the dashboard and the journal):
what a page showed at the end of a day is what it shows for that day later, with a
banner saying so, a link back to now and no form that writes."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

from service.clock import FixedClock
from tests.web.conftest import Api
from tests.web.pages.conftest import Browsers, field_error, page_of
from tests.web.time_travel import D, everything_after_d, until_the_end_of_d

SECTIONS = (
    "momentum-heading",
    "week-heading",
    "risk-heading",
    "stalled-heading",
    "milestones-heading",
    "year-heading",
    "line-heading",
    "bars-heading",
    "signals-chart-heading",
)
PAST = f"?as_of={D.isoformat()}"


def _text(tag: Tag | BeautifulSoup) -> str:
    return " ".join(tag.get_text(" ", strip=True).split())


def _sections(page: BeautifulSoup) -> dict[str, str]:
    """The text of each dashboard section that shows numbers or charts."""
    found = {}
    for heading_id in SECTIONS:
        heading = page.find(id=heading_id)
        assert heading is not None, heading_id
        section = heading.find_parent("section")
        assert isinstance(section, Tag)
        found[heading_id] = _text(section)
    return found


def _banner(page: BeautifulSoup) -> str:
    banner = page.find(class_="as-of-banner")
    return _text(banner) if isinstance(banner, Tag) else ""


def _entries(page: BeautifulSoup) -> list[str]:
    """Each journal entry as read: title, meta, excerpt, goal, counts, feedback."""
    parts = ("entry-title", "entry-meta", "entry-excerpt", "entry-goal")
    parts += ("entry-counts", "feedback-list")
    return [
        " | ".join(_text(t) for part in parts for t in entry.find_all(class_=part))
        for entry in page.find_all(class_="journal-entry")
    ]


def test_the_dashboard_of_a_past_day_shows_what_it_showed_that_day(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    story = until_the_end_of_d(pages_api, clock)
    ann = browsers.of(story.ann)
    then = _sections(page_of(ann.get("/")))
    assert "Submit the abstract" not in then["milestones-heading"]  # done on D

    everything_after_d(pages_api, clock, story)
    now = page_of(ann.get("/"))
    response = ann.get("/" + PAST)
    past = page_of(response)

    assert response.status_code == 200
    assert _sections(past) == then != _sections(now)
    banner = _banner(past)
    assert "You are looking at the past" in banner
    assert f"at the end of {D.isoformat()} (Europe/Berlin)" in banner  # then
    link = past.select_one(".as-of-banner a")
    assert link is not None and link["href"] == "/"
    assert past.find(id="log-heading") is None  # nothing to write in the past
    assert now.find(id="log-heading") is not None and not _banner(now)
    picker = past.find("input", attrs={"name": "as_of"})
    assert picker is not None and picker["value"] == D.isoformat()


def test_the_journal_of_a_past_day_shows_its_entries_as_they_were(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    story = until_the_end_of_d(pages_api, clock)
    ann = browsers.of(story.ann)
    then = _entries(page_of(ann.get("/journal")))
    assert any("Well done — keep going!" in entry for entry in then)

    everything_after_d(pages_api, clock, story)  # Mia withdrew her feedback
    past = page_of(ann.get("/journal" + PAST))

    assert _entries(past) == then != _entries(page_of(ann.get("/journal")))
    assert "You are looking at the past" in _banner(past)
    goal = past.select_one(".entry-goal a")
    assert goal is not None and str(goal["href"]).endswith(PAST)  # the goal then
    assert not past.find_all(string="Edit") and not past.find("textarea")
    assert past.find("a", string="Log an action") is None
    wins = page_of(ann.get(f"/journal{PAST}&kind=wins"))
    assert [e.split(" | ")[0] for e in _entries(wins)] == ["Passed module 3"]
    kept = wins.find("input", attrs={"name": "as_of", "type": "hidden"})
    assert kept is not None and kept["value"] == D.isoformat()  # filters stay there


def test_a_mentor_reads_the_past_journal_without_forms(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    story = until_the_end_of_d(pages_api, clock)
    everything_after_d(pages_api, clock, story)
    mia = browsers.of(story.mia)
    response = mia.get(f"/journal?member={story.ann.id}&as_of={D.isoformat()}")
    page = page_of(response)
    assert response.status_code == 200
    assert "this is Ann’s journal as it was at the end of" in _banner(page)
    titles = [e.split(" | ")[0] for e in _entries(page)]
    assert "Drafted the abstract" in titles and "Passed module 3" not in titles
    assert page.find("button", string="Cheer") is None and not page.find("textarea")
    stranger = browsers.of(pages_api.join("Sam"))
    hers = f"/journal?member={story.ann.id}&as_of={D.isoformat()}"
    assert stranger.get(hers).status_code == 404


def test_a_date_that_is_not_one_is_shown_by_the_field(
    browsers: Browsers, pages_api: Api
) -> None:
    person = pages_api.join("Ann")
    ann = browsers.of(person)
    before = pages_api.events()
    for path in ("/?as_of=yesterday", "/journal?as_of=2026-02-30"):
        response = ann.get(path)
        assert response.status_code == 422, path
        assert "YYYY-MM-DD" in field_error(response, "as_of")
        assert not _banner(page_of(response))
    assert pages_api.events() == before


def test_today_or_before_joining_shows_now_and_says_why(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = browsers.of(pages_api.join("Ann"))
    for path in ("/", "/journal"):
        today = page_of(ann.get(f"{path}?as_of=2026-03-02"))
        assert "That day is not over yet" in _banner(today)
        before = page_of(ann.get(f"{path}?as_of=2026-02-01"))
        assert "There was nothing yet on 2026-02-01" in _banner(before)
    assert page_of(ann.get("/?as_of=2026-03-02")).find(id="log-heading") is not None
