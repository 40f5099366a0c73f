"""The audit search page (`/admin/audit`): the form on the admin page and above
the results, a page of events with a next-page link and links to each item's
trail, errors on the fields, downloads, and 404 for anyone but an admin."""

from __future__ import annotations

import json

from bs4 import Tag

from service import commands as c
from tests.web.conftest import Api, Person
from tests.web.helpers import set_goal
from tests.web.pages.conftest import Browsers, page_of

PAGE = "/admin/audit"


def make_admin(api: Api, name: str = "Ada") -> Person:
    admin = api.join(name)
    api.system.write(c.GrantRole(None, admin.email))
    return admin


def _rows(html: Tag) -> list[Tag]:
    table = html.find(id="audit-results")
    assert isinstance(table, Tag)
    return [row for row in table.select("tbody tr") if isinstance(row, Tag)]


def test_the_admin_page_has_the_search_form(browsers: Browsers, pages_api: Api) -> None:
    browser = browsers.of(make_admin(pages_api))
    form = page_of(browser.get("/admin")).find("form", role="search")
    assert isinstance(form, Tag)
    assert form["action"] == PAGE and form["method"] == "get"
    names = {i["name"] for i in form.find_all("input")}
    assert names == {"member", "aggregate", "type", "from", "to"}


def test_an_admin_searches_by_member_email_and_pages_through(
    browsers: Browsers, pages_api: Api
) -> None:
    ada, ann = make_admin(pages_api), pages_api.join("Ann")
    goals = [
        set_goal(pages_api, ann, "private", title=f"Write chapter {n} of the handbook")
        for n in "ABC"
    ]
    browser = browsers.of(ada)
    query = {"member": ann.email, "type": "Goal.GoalSet", "limit": "2"}
    first = browser.get(PAGE, query_string=query)
    assert first.status_code == 200
    html = page_of(first)
    member_field = html.find("input", attrs={"name": "member"})
    assert isinstance(member_field, Tag) and member_field["value"] == ann.email
    rows = _rows(html)
    assert len(rows) == 2
    links = [a["href"] for row in rows for a in row.select("a.item-history")]
    assert links == [f"{PAGE}?aggregate={goal}" for goal in goals[:2]]
    goal_pages = [a["href"] for row in rows for a in row.select("a.goal-history")]
    assert goal_pages == [f"/goals/{goal}#history" for goal in goals[:2]]
    assert all("Goal.GoalSet" in row.get_text() for row in rows)
    actors = [row.find_all("td")[1].get_text(" ", strip=True) for row in rows]
    assert actors == [f"Ann {ann.id[:8]}"] * 2  # who, by name
    assert "chapter A" not in first.get_data(as_text=True)  # no content
    after = html.find("a", rel="next")
    assert isinstance(after, Tag)
    second = page_of(browser.get(str(after["href"])))
    rows = _rows(second)
    assert [a["href"] for row in rows for a in row.select("a.item-history")] == [
        f"{PAGE}?aggregate={goals[2]}"
    ]
    assert second.find("a", rel="next") is None
    trail = page_of(browser.get(f"{PAGE}?aggregate={goals[0]}"))
    assert len(_rows(trail)) == 1


def test_bad_input_is_shown_on_its_field(browsers: Browsers, pages_api: Api) -> None:
    browser = browsers.of(make_admin(pages_api))
    for query, field in (
        ({"member": "nobody@example.com"}, "member"),
        ({"aggregate": "not-an-id"}, "aggregate"),
        ({"from": "31/12/2026"}, "from"),
    ):
        response = browser.get(PAGE, query_string=query)
        assert response.status_code == 422, query
        error = page_of(response).find(id=f"audit-{field}-error")
        assert isinstance(error, Tag), query
        assert page_of(response).find(id="audit-results") is None


def test_downloads_stream_the_same_events(browsers: Browsers, pages_api: Api) -> None:
    ada, ann = make_admin(pages_api), pages_api.join("Ann")
    set_goal(pages_api, ann)
    browser = browsers.of(ada)
    lines = browser.get(PAGE, query_string={"member": ann.id, "format": "jsonl"})
    assert lines.status_code == 200 and lines.mimetype == "application/x-ndjson"
    assert "attachment" in lines.headers["Content-Disposition"]
    found = [json.loads(line) for line in lines.get_data(as_text=True).splitlines()]
    table = page_of(browser.get(PAGE, query_string={"member": ann.id}))
    shown = [int(row.find("th").get_text()) for row in _rows(table)]
    assert [line["position"] for line in found] == shown and shown
    text = browser.get(PAGE, query_string={"member": ann.id, "format": "csv"})
    assert text.mimetype == "text/csv"
    assert len(text.get_data(as_text=True).splitlines()) == len(shown) + 1


def test_only_admins_find_the_search_page(browsers: Browsers, pages_api: Api) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    for query in ({}, {"format": "csv"}, {"member": ann.email}):
        assert browser.get(PAGE, query_string=query).status_code == 404
    assert browsers.anonymous().get(PAGE).status_code == 302
