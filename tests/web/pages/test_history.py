"""The "My history" page (/settings/history), on SQLite and PostgreSQL: linked from
the settings page; my events and what others did to my items with who, when and
what; a revision as before → after; the kind filter and "only this item"; older
pages; bad filters shown on the page (422) with nothing appended; visitors sent to
sign in; an erased counterpart still listed."""

from __future__ import annotations

from uuid import UUID

from bs4 import Tag

from service import commands as c
from tests.conftest import PASSWORD
from tests.web.conftest import Api, Person
from tests.web.helpers import GOAL_TITLE, log, mentor, set_goal, share_group
from tests.web.pages.conftest import Browser, Browsers, page_of

PATH = "/settings/history"


def _rows(browser: Browser, path: str = PATH) -> list[Tag]:
    response = browser.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(page_of(response).select("tbody tr"))


def _cells(row: Tag) -> list[str]:
    return [cell.get_text(" ", strip=True) for cell in row.find_all(["td", "th"])]


def _row(rows: list[Tag], what: str) -> Tag:
    (found,) = [r for r in rows if _cells(r)[2] == what]
    return found


def _scene(api: Api) -> tuple[Person, Person, Person, str]:
    """Ann's goal; Ben mentors her and gives feedback; Cat pairs her with Dan."""
    ann, ben, cat, dan = (api.join(n) for n in ("Ann", "Ben", "Cat", "Dan"))
    goal = set_goal(api, ann)
    mentor(api, ann, ben)
    api.system.write(c.GiveFeedback(UUID(ben.id), "goal", UUID(goal), "Keep *going*"))
    group = share_group(api, cat, ann, dan)
    api.system.write(c.PairBuddies(UUID(cat.id), group, UUID(ann.id), UUID(dan.id)))
    return ann, ben, cat, goal


def test_the_settings_page_links_to_my_history_read_under_settings(
    browsers: Browsers, pages_api: Api
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    data = page_of(browser.get("/settings")).select_one("#data")
    assert data is not None
    links = [a.get_text(strip=True) for a in data.select("a")]
    assert "My history" in links
    assert data.select_one(f"a[href='{PATH}']") is not None
    current = page_of(browser.get(PATH)).select_one("nav a[aria-current=page]")
    assert current is not None and current.get_text(strip=True) == "Settings"


def test_my_history_shows_who_when_what_and_the_item(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, _, _, goal = _scene(pages_api)
    rows = _rows(browsers.of(ann))
    when, who, _, item, details = _cells(_row(rows, "Feedback given"))
    assert when == "Mon 02 Mar 2026, 09:00" and who == "Ben"
    assert item.startswith("On your goal") and "going" in details
    feedback = _row(rows, "Feedback given")
    assert feedback.select_one(f"a[href='/goals/{goal}']") is not None
    assert feedback.select_one(".markdown em") is not None  # sanitised Markdown
    set_row = _cells(_row(rows, "Goal set"))
    assert set_row[1] == "You" and set_row[3].startswith(f"Goal: {GOAL_TITLE}")
    paired = _cells(_row(rows, "Buddies paired"))
    assert paired[1] == "Cat" and "Ann" in paired[4] and "Dan" in paired[4]
    assert _cells(_row(rows, "Mentorship accepted"))[1] == "Ben"
    assert "Group created" not in [_cells(r)[2] for r in rows]  # Cat's own


def test_a_revision_shows_before_and_after(browsers: Browsers, pages_api: Api) -> None:
    ann = pages_api.join("Ann")
    goal = set_goal(pages_api, ann)
    pages_api.system.write(
        c.ReviseGoal(
            UUID(ann.id), UUID(goal), {"title": "Give two talks on testing"}, "More"
        )
    )
    row = _row(_rows(browsers.of(ann)), "Goal revised")
    assert row.select_one("del").get_text(" ", strip=True) == f"was {GOAL_TITLE}"
    assert row.select_one("ins").get_text(" ", strip=True) == (
        "now Give two talks on testing"
    )
    assert "Reason" in _cells(row)[4] and "More" in _cells(row)[4]


def test_filters_by_kind_and_by_item(browsers: Browsers, pages_api: Api) -> None:
    ann, _, _, goal = _scene(pages_api)
    other = set_goal(pages_api, ann, title="Find a mentor in data science")
    browser = browsers.of(ann)
    kinds = {_cells(r)[2] for r in _rows(browser, f"{PATH}?kind=group")}
    assert kinds == {"Joined the group", "Buddies paired"}
    everything = _rows(browser)
    only = _row(everything, "Feedback given").select_one("a.only-this")
    assert only is not None and only["href"] == f"{PATH}?item={goal}"
    on_goal = {_cells(r)[2] for r in _rows(browser, str(only["href"]))}
    assert on_goal == {"Goal set", "Feedback given"}
    assert other not in str(_rows(browser, str(only["href"])))
    feedback_only = _rows(browser, f"{PATH}?item={goal}&kind=feedback")
    assert [_cells(r)[2] for r in feedback_only] == ["Feedback given"]


def test_older_pages_go_back_to_the_first_event(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    for n in range(55):
        log(pages_api, ann, f"Read chapter {n} of the testing book")
    browser = browsers.of(ann)
    first = page_of(browser.get(PATH))
    older = first.select_one("a[rel=next]")
    assert older is not None and len(first.select("tbody tr")) == 50
    second = page_of(browser.get(str(older["href"])))
    assert second.select_one("a[rel=next]") is None
    assert second.select_one(".pagination a").get_text(strip=True) == "Newest events"
    shown = [r["id"] for r in [*first.select("tbody tr"), *second.select("tbody tr")]]
    assert len(shown) == len(set(shown))
    assert _cells(second.select("tbody tr")[-1])[2] == "Account created"


def test_bad_filters_are_shown_on_the_page_and_append_nothing(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    before = pages_api.events()
    bad_kind = browser.get(f"{PATH}?kind=secrets")
    assert bad_kind.status_code == 422
    select = page_of(bad_kind).select_one("select[name=kind]")
    assert select is not None and select.get("aria-invalid") == "true"
    for query in ("cursor=nonsense", "item=nope"):
        response = browser.get(f"{PATH}?{query}")
        assert response.status_code == 422, query
        alert = page_of(response).select_one(".form-errors")
        assert alert is not None and alert.get_text(strip=True), query
    assert pages_api.events() == before


def test_visitors_are_sent_to_sign_in(browsers: Browsers) -> None:
    response = browsers.anonymous().get(PATH)
    assert response.status_code == 302
    assert "/signin" in response.headers["Location"]


def test_an_erased_counterpart_still_renders(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben, _, _ = _scene(pages_api)
    pages_api.system.write(c.EraseMember(UUID(ben.id), PASSWORD))
    rows = _rows(browsers.of(ann))
    row = _row(rows, "Feedback given")
    cells = _cells(row)
    assert cells[1] == "an erased member"
    assert "erased with its author’s account" in cells[4]
    assert "going" not in cells[4]
    assert _cells(_row(rows, "Mentorship accepted"))[1] == "an erased member"
