"""The navigation highlights the area a page is read from: my own review or action
under Review and Log action; a mentee's under Mentoring; a group member's under
Groups (a mentor who also shares a group reads it as a mentor)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Api, Person
from tests.web.helpers import json_of, log, mentor, share_group
from tests.web.pages.conftest import Browsers, page_of

SIGNALS = ("motivation", "focus", "learning", "recognition", "satisfaction")


def _review(api: Api, who: Person, visibility: str) -> Any:
    body = {"signals": dict.fromkeys(SIGNALS, 3), "visibility": visibility}
    return json_of(api.post(who, "/reviews", json=body), 201)


def _people(api: Api) -> tuple[Person, Person, Person]:
    """Ann; Ben her mentor, also in her group; Cat in her group."""
    ann, ben, cat = (api.join(n) for n in ("Ann", "Ben", "Cat"))
    mentor(api, ann, ben)
    share_group(api, ann, ben, cat)
    return ann, ben, cat


def _current(browsers: Browsers, who: Person, path: str) -> list[str]:
    """The labels of the main navigation's items marked the current page."""
    response = browsers.of(who).get(path)
    assert response.status_code == 200, path
    nav = page_of(response).find("nav", attrs={"aria-label": "Main"})
    assert nav is not None
    return [a.get_text(" ", strip=True) for a in nav.select("a[aria-current=page]")]


@pytest.mark.parametrize(
    ("reader", "expected"),
    [(0, ["Review"]), (1, ["Mentoring"]), (2, ["Groups"])],
)
def test_a_review_page_highlights_where_the_reader_reads_it_from(
    browsers: Browsers, pages_api: Api, reader: int, expected: list[str]
) -> None:
    people = _people(pages_api)
    review = _review(pages_api, people[0], "group")
    path = f"/reviews/{review['id']}"
    assert _current(browsers, people[reader], path) == expected


@pytest.mark.parametrize(
    ("reader", "expected"),
    [(0, ["Log action"]), (1, ["Mentoring"]), (2, ["Groups"])],
)
def test_an_action_page_highlights_where_the_reader_reads_it_from(
    browsers: Browsers, pages_api: Api, reader: int, expected: list[str]
) -> None:
    people = _people(pages_api)
    action = log(pages_api, people[0], "Gave my first talk", visibility="group")
    path = f"/actions/{action}"
    assert _current(browsers, people[reader], path) == expected


def test_a_mentors_only_review_is_read_under_mentoring(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben, _cat = _people(pages_api)
    review = _review(pages_api, ann, "mentors")
    assert _current(browsers, ben, f"/reviews/{review['id']}") == ["Mentoring"]
    assert _current(browsers, ann, "/reviews") == ["Review"]
