"""The journal page: my entries, a mentee's shared ones (never private ones), 404 for
a stranger's, filters, older pages down to the first entry, cheers and feedback."""

from __future__ import annotations

from tests.web.conftest import Api, Person
from tests.web.helpers import log, mentor, set_goal, share_group
from tests.web.pages.conftest import Browser, Browsers, page_of


def _titles(browser: Browser, path: str) -> list[str]:
    response = browser.get(path)
    assert response.status_code == 200, path
    return [h.get_text(strip=True) for h in page_of(response).select(".entry-title")]


def _scene(api: Api) -> tuple[Person, Person, str]:
    """Ann, her mentor Bob, and her private goal with a private action; plus a
    shared goal with a shared action and a private one."""
    ann, bob = api.join("Ann"), api.join("Bob")
    mentor(api, ann, bob)
    secret = set_goal(api, ann, visibility="private", title="Leave for a rival firm")
    log(api, ann, "Called the rival's recruiter", goal_id=secret)
    shared = set_goal(api, ann)
    log(api, ann, "Drafted the talk outline", goal_id=shared)
    log(api, ann, "Wrote a diary page", visibility="private")
    return ann, bob, shared


def test_my_journal_shows_my_entries_newest_first_with_their_details(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    goal = set_goal(pages_api, ann)
    log(
        pages_api,
        ann,
        "Read a chapter on testing",
        goal_id=goal,
        win=True,
        notes="Chapter *three*",
    )
    browser = browsers.of(ann)
    response = browser.get("/journal")
    page = page_of(response)
    assert _titles(browser, "/journal") == [
        "Read a chapter on testing",
        "Give a conference talk on testing",
    ]
    newest = page.select_one(".journal-entry")
    text = newest.get_text(" ", strip=True)
    assert "Action" in text and "Win" in text and "Mon 02 Mar 2026" in text
    assert "visible to mentors" in text and "0 feedback · 0 cheers" in text
    assert newest.select_one(f"a[href='/goals/{goal}']") is not None
    assert newest.select_one("a[href$='/edit']") is not None


def test_a_mentor_sees_the_mentees_shared_entries_but_never_private_ones(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, bob, _ = _scene(pages_api)
    titles = _titles(browsers.of(bob), f"/journal?member={ann.id}")
    assert titles == ["Drafted the talk outline", "Give a conference talk on testing"]
    page = page_of(browsers.of(bob).get(f"/journal?member={ann.id}"))
    assert "Journal of Ann" in page.h1.get_text()
    assert page.select_one("a[href$='/edit']") is None  # not his to edit


def test_a_group_member_sees_only_group_items(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, carl = pages_api.join("Ann"), pages_api.join("Carl")
    share_group(pages_api, ann, carl)
    log(pages_api, ann, "Shared with the group", visibility="group")
    log(pages_api, ann, "Only for my mentors")
    assert _titles(browsers.of(carl), f"/journal?member={ann.id}") == [
        "Shared with the group"
    ]


def test_a_strangers_journal_is_not_found_and_reveals_nothing(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, _, _ = _scene(pages_api)
    dan = pages_api.join("Dan")
    browser = browsers.of(dan)
    for member in (ann.id, "not-a-member", "00000000-0000-0000-0000-000000000000"):
        response = browser.get(f"/journal?member={member}")
        assert response.status_code == 404
        body = response.get_data(as_text=True)
        assert "Drafted the talk outline" not in body and "Ann" not in body


def test_filters_narrow_the_journal_to_a_kind_or_a_goal(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, bob, shared = _scene(pages_api)
    browser = browsers.of(ann)
    assert _titles(browser, "/journal?kind=action") == [
        "Wrote a diary page",
        "Drafted the talk outline",
        "Called the rival's recruiter",
    ]
    assert _titles(browser, f"/journal?goal={shared}") == [
        "Drafted the talk outline",
        "Give a conference talk on testing",
    ]
    mentor_view = f"/journal?member={ann.id}&kind=goal_set"
    assert _titles(browsers.of(bob), mentor_view) == [
        "Give a conference talk on testing"
    ]
    page = page_of(browser.get("/journal?kind=action"))
    chosen = page.select_one("select[name=kind] option[selected]")
    assert chosen is not None and chosen["value"] == "action"


def test_older_links_page_back_to_the_very_first_entry(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    for n in range(1, 31):
        log(pages_api, ann, f"Step {n:02d}")
    browser = browsers.of(ann)
    seen: list[str] = []
    path: str | None = "/journal?kind=action"
    pages = 0
    while path is not None:
        response = browser.get(path)
        assert response.status_code == 200
        page = page_of(response)
        seen += [h.get_text(strip=True) for h in page.select(".entry-title")]
        older = page.select_one("a[rel=next]")
        path = str(older["href"]) if older else None
        pages += 1
        if path:
            assert "kind=action" in path  # the filter is kept
    assert pages == 2
    assert seen == [f"Step {n:02d}" for n in range(30, 0, -1)]


def test_a_forged_cursor_is_refused(browsers: Browsers, pages_api: Api) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    assert browser.get("/journal?cursor=bm9wZQ==").status_code == 422
    assert browser.get("/journal?kind=naps").status_code == 422


def test_a_mentor_cheers_an_entry_from_the_journal(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, bob, _ = _scene(pages_api)
    browser = browsers.of(bob)
    path = f"/journal?member={ann.id}"
    page = page_of(browser.get(path))
    cheer = page.select_one(".journal-entry form[action='/cheers']")
    assert cheer is not None
    fields = {
        i["name"]: i.get("value", "")
        for i in cheer.select("input[type=hidden]")
        if i["name"] != "csrf_token"
    }
    assert browser.post("/cheers", fields).status_code == 400
    response = browser.submit("/cheers", fields, page=path)
    assert response.status_code in (302, 303)
    entry = page_of(browser.get(path)).select_one(".journal-entry")
    assert "1 cheer" in entry.get_text(" ", strip=True)
    mine = page_of(browsers.of(ann).get("/journal")).get_text(" ", strip=True)
    assert "1 cheer" in mine


def test_visitors_are_sent_to_sign_in(browsers: Browsers) -> None:
    response = browsers.anonymous().get("/journal")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin")
