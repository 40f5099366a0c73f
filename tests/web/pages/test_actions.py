"""Log an action, edit it, take it back: the form, the domain's refusals next to the
fields, the dashboard's one-line form, CSRF, and 404 for anyone else's action."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from service.clock import FixedClock
from tests.web.conftest import Api, Person
from tests.web.helpers import json_of, log, mentor, set_goal
from tests.web.pages.conftest import (
    Browsers,
    csrf_token_of,
    field_error,
    form_errors,
    page_of,
)

TODAY = "2026-03-02"  # the fixed clock's Monday, in UTC
FULL = {
    "title": "Asked Priya for a coffee chat",
    "category": "networking",
    "notes": "She said **yes**",
    "minutes": "30",
    "occurred_on": "2026-02-27",
    "evidence_url": "https://example.com/chat",
    "win": "y",
    "visibility": "",
}


def _journal(api: Api, who: Person, **query: str) -> list[dict[str, Any]]:
    found = json_of(api.get(who, "/journal", query_string=query))
    return list(found["items"])


def _titles(api: Api, who: Person) -> list[str]:
    return [e["title"] for e in _journal(api, who)]


def test_the_form_offers_the_categories_my_active_goals_and_today(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    goal = set_goal(pages_api, ann)
    page = page_of(browsers.of(ann).get(f"/actions/new?goal={goal}"))
    categories = [o["value"] for o in page.select("select[name=category] option")]
    assert categories == [
        "learning",
        "networking",
        "challenge",
        "visibility",
        "portfolio",
        "mentoring",
        "exploration",
        "other",
    ]
    assert "stretch project" in page.select_one("select[name=category]").get_text()
    chosen = page.select_one("select[name=goal] option[selected]")
    assert chosen is not None and chosen["value"] == goal
    assert page.select_one("input[name=occurred_on]")["value"] == TODAY
    assert page.find("label", attrs={"for": "occurred_on"}) is not None


def test_logging_an_action_shows_it_in_my_journal(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    goal = set_goal(pages_api, ann)
    browser = browsers.of(ann)
    before = pages_api.events()
    response = browser.submit("/actions/new", {**FULL, "goal": goal})
    assert response.status_code == 302
    assert response.headers["Location"] == "/journal"
    assert pages_api.events() > before
    logged = _journal(pages_api, ann, kind="action")[0]
    assert (logged["title"], logged["day"], logged["win"], logged["goal_id"]) == (
        FULL["title"],
        "2026-02-27",
        True,
        goal,
    )
    journal = browser.get("/journal").get_data(as_text=True)
    assert FULL["title"] in journal and "She said yes" in journal  # an excerpt
    shown = browser.get(f"/actions/{logged['item_id']}").get_data(as_text=True)
    assert "She said <strong>yes</strong>" in shown  # the notes in full


def test_the_dashboard_one_line_form_logs_with_defaults_and_returns_there(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    response = browser.submit(
        "/actions/new",
        {"title": "Updated my CV", "category": "portfolio", "next": "/"},
        page="/",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    logged = _journal(pages_api, ann)[0]
    assert (logged["title"], logged["day"], logged["visibility"]) == (
        "Updated my CV",
        TODAY,
        "mentors",
    )


def test_next_is_followed_only_to_a_local_path(
    browsers: Browsers, pages_api: Api
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    for target in ("//evil.example/x", "https://evil.example/"):
        response = browser.submit(
            "/actions/new",
            {"title": "Read a paper", "category": "learning", "next": target},
        )
        assert response.headers["Location"] == "/journal"
    page = page_of(browser.get("/actions/new?next=/goals"))
    assert page.select_one("input[name=next]")["value"] == "/goals"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("occurred_on", "2026-03-03", "future"),
        ("occurred_on", "2026-01-30", "30 days"),
        ("title", "   ", "Title"),
        ("minutes", "0", "1 to 1440"),
        ("category", "napping", "Category"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_logs_nothing(
    browsers: Browsers, pages_api: Api, field: str, value: str, expected: str
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    before = pages_api.events()
    response = browser.submit("/actions/new", {**FULL, field: value})
    assert response.status_code == 422
    assert expected in field_error(response, field)
    assert pages_api.events() == before
    kept = page_of(response).select_one("input[name=title]")["value"]
    assert kept == (value if field == "title" else FULL["title"])


def test_the_corrected_form_is_logged_once_after_a_refusal(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    refused = browser.submit("/actions/new", {**FULL, "occurred_on": "2026-03-03"})
    again = {
        **FULL,
        "csrf_token": csrf_token_of(refused),
        "form_key": page_of(refused).select_one("input[name=form_key]")["value"],
    }
    assert browser.client.post("/actions/new", data=again).status_code == 302
    before = pages_api.events()
    assert browser.client.post("/actions/new", data=again).status_code == 302
    assert pages_api.events() == before  # a double submit logs once
    assert _titles(pages_api, ann) == [FULL["title"]]


def test_today_is_the_members_own_today(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    kenji = pages_api.join("Kenji", timezone="Asia/Tokyo")
    page = page_of(browsers.of(kenji).get("/actions/new"))
    assert page.select_one("input[name=occurred_on]")["value"] == "2026-03-03"


def test_an_action_cannot_be_shown_more_widely_than_its_goal(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    goal = set_goal(pages_api, ann, visibility="private")
    before = pages_api.events()
    response = browsers.of(ann).submit(
        "/actions/new", {**FULL, "goal": goal, "visibility": "group"}
    )
    assert response.status_code == 422
    assert "more widely than its goal" in field_error(response, "visibility")
    assert pages_api.events() == before


def test_logging_without_the_csrf_token_is_refused(
    browsers: Browsers, pages_api: Api
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    before = pages_api.events()
    assert browser.post("/actions/new", FULL).status_code == 400
    assert pages_api.events() == before


def test_visitors_are_sent_to_sign_in(browsers: Browsers) -> None:
    response = browsers.anonymous().get("/actions/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin")


def test_the_owner_edits_an_action_and_the_journal_shows_the_change(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    ann = pages_api.join("Ann")
    action = log(pages_api, ann, occurred_on="2026-02-01")
    browser = browsers.of(ann)
    form = page_of(browser.get(f"/actions/{action}/edit"))
    assert form.select_one("input[name=title]")["value"] == "Read a chapter on testing"
    clock.advance(days=5)
    # The date is now 34 days back: unchanged, it is not checked again.
    response = browser.submit(
        f"/actions/{action}/edit",
        {
            "title": "Read two chapters on testing",
            "category": "learning",
            "occurred_on": "2026-02-01",
        },
    )
    assert response.status_code == 302, form_errors(response)
    assert "Read two chapters on testing" in _titles(pages_api, ann)


def test_editing_to_a_future_date_is_refused_next_to_the_date(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    action = log(pages_api, ann)
    before = pages_api.events()
    response = browsers.of(ann).submit(
        f"/actions/{action}/edit",
        {
            "title": "Read a chapter on testing",
            "category": "learning",
            "occurred_on": "2026-03-09",
        },
    )
    assert response.status_code == 422
    assert "future" in field_error(response, "occurred_on")
    assert pages_api.events() == before


def test_nobody_else_can_edit_or_retract_my_action_not_even_my_mentor(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, bob = pages_api.join("Ann"), pages_api.join("Bob")
    mentor(pages_api, ann, bob)
    action = log(pages_api, ann)
    browser = browsers.of(bob)
    before = pages_api.events()
    for path in (f"/actions/{action}/edit", f"/actions/{action}/retract"):
        assert browser.get(path).status_code == 404
        changed = browser.submit(
            path, {"title": "Hacked", "category": "other"}, page="/actions/new"
        )
        assert changed.status_code == 404
    assert browser.get(f"/actions/{bob.id}/edit").status_code == 404
    assert pages_api.events() == before
    assert "Hacked" not in _titles(pages_api, ann)


def test_retracting_asks_first_then_takes_the_action_out_of_the_journal(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    action = log(pages_api, ann, title="Skimmed a blog post")
    browser = browsers.of(ann)
    confirm = browser.get(f"/actions/{action}/retract")
    assert confirm.status_code == 200
    assert "Skimmed a blog post" in confirm.get_data(as_text=True)
    assert "Skimmed a blog post" in _titles(pages_api, ann)  # asking changes nothing
    assert browser.post(f"/actions/{action}/retract").status_code == 400
    assert "Skimmed a blog post" in _titles(pages_api, ann)
    response = browser.submit(f"/actions/{action}/retract", {"reason": "Too small"})
    assert response.status_code == 302
    assert "Skimmed a blog post" not in _titles(pages_api, ann)
    assert browser.get(f"/actions/{action}/edit").status_code == 404
