"""Feedback and cheers from the pages: the embedded forms post here and return to
the page they came from; what one may not see is a 404."""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

from service import commands as c
from tests.web.conftest import Api, Person
from tests.web.helpers import log, mentor, set_goal
from tests.web.pages.conftest import Browser, Browsers, page_of


def _feedback(item_kind: str, item_id: str, text: str, nxt: str) -> dict[str, Any]:
    return {"item_kind": item_kind, "item_id": item_id, "text": text, "next": nxt}


def _flashes(browser: Browser, path: str) -> str:
    box = page_of(browser.get(path)).find(class_="flashes")
    return box.get_text(" ", strip=True) if box else ""


def _pair(pages_api: Api) -> tuple[Person, Person]:
    """Ann, mentored by Ben."""
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    mentor(pages_api, ann, ben)
    return ann, ben


def test_a_mentor_leaves_feedback_and_the_mentee_is_notified(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = _pair(pages_api)
    goal = set_goal(pages_api, ann, "mentors")
    bens = browsers.of(ben)
    timeline = f"/mentees/{ann.id}"
    back = f"{timeline}#goal-{goal}"
    sent = bens.submit(
        "/feedback", _feedback("goal", goal, "A **bold** plan", back), page=timeline
    )
    assert sent.status_code == 302
    assert sent.headers["Location"] == back

    card = page_of(bens.get(timeline)).find(id=f"goal-{goal}")
    assert card is not None
    bold = card.find("strong", string="bold")  # Markdown, rendered
    assert bold is not None
    assert "Ben" in card.get_text(" ")
    notices = page_of(browsers.of(ann).get("/notifications")).get_text(" ")
    assert "Ben left feedback on your goal" in notices


def test_feedback_on_an_item_one_may_not_see_is_404_and_appends_nothing(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = _pair(pages_api)
    secret = set_goal(pages_api, ann, "private")
    before = pages_api.events()
    response = browsers.of(ben).submit(
        "/feedback", _feedback("goal", secret, "Nice", "/"), page="/mentoring"
    )
    assert response.status_code == 404
    assert pages_api.events() == before


def test_cheering_an_item_one_may_not_see_is_404_and_appends_nothing(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, cat = pages_api.join("Ann"), pages_api.join("Cat")
    goal = set_goal(pages_api, ann, "mentors")
    cats = browsers.of(cat)
    before = pages_api.events()
    for item_kind, item_id in [("goal", goal), ("goal", "not-an-id"), ("member", goal)]:
        fields = {"item_kind": item_kind, "item_id": item_id, "next": "/"}
        assert cats.submit("/cheers", fields, page="/mentoring").status_code == 404
    assert pages_api.events() == before


def test_a_cheer_counts_once_and_never_for_ones_own_item(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = _pair(pages_api)
    action = log(pages_api, ann, "Rehearsed the talk", visibility="mentors")
    fields = {"item_kind": "action", "item_id": action, "next": "/mentoring"}
    bens = browsers.of(ben)
    assert bens.submit("/cheers", fields, page="/mentoring").status_code == 302
    before = pages_api.events()
    assert bens.submit("/cheers", fields, page="/mentoring").status_code == 302
    assert "already cheered" in _flashes(bens, "/mentoring")
    anns = browsers.of(ann)
    assert anns.submit("/cheers", fields, page="/mentoring").status_code == 302
    assert "cannot cheer your own" in _flashes(anns, "/mentoring")
    assert pages_api.events() == before
    text = " ".join(page_of(bens.get(f"/mentees/{ann.id}")).get_text(" ").split())
    assert "0 feedback · 1 cheer" in text


def test_empty_feedback_goes_back_with_the_error_and_appends_nothing(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = _pair(pages_api)
    goal = set_goal(pages_api, ann, "mentors")
    bens = browsers.of(ben)
    before = pages_api.events()
    response = bens.submit(
        "/feedback", _feedback("goal", goal, "   ", "/mentoring"), page="/mentoring"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/mentoring"
    assert "Feedback" in _flashes(bens, "/mentoring")
    assert pages_api.events() == before


def test_next_only_ever_returns_to_a_page_of_this_site(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = _pair(pages_api)
    goal = set_goal(pages_api, ann, "mentors")
    bens = browsers.of(ben)
    for target in ["//evil.example/x", "https://evil.example/", "/\\evil.example"]:
        fields = _feedback("goal", goal, f"Off to {target}?", target)
        response = bens.submit("/feedback", fields, page="/mentoring")
        assert response.status_code == 302
        assert response.headers["Location"] == "/"


def test_only_the_author_withdraws_feedback(browsers: Browsers, pages_api: Api) -> None:
    ann, ben = _pair(pages_api)
    goal = set_goal(pages_api, ann, "mentors")
    given = c.GiveFeedback(UUID(ben.id), "goal", UUID(goal), "Keep going")
    feedback = pages_api.system.write(given).id
    before = pages_api.events()
    anns = browsers.of(ann)
    refused = anns.submit(f"/feedback/{feedback}/withdraw", {}, page="/mentoring")
    assert refused.status_code == 404
    assert pages_api.events() == before

    bens = browsers.of(ben)
    timeline = f"/mentees/{ann.id}"
    assert "Keep going" in bens.get(timeline).get_data(as_text=True)
    withdrawn = bens.submit(
        f"/feedback/{feedback}/withdraw", {"next": timeline}, page=timeline
    )
    assert withdrawn.status_code == 302
    assert "Keep going" not in bens.get(timeline).get_data(as_text=True)


def test_feedback_forms_without_a_csrf_token_are_refused(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = _pair(pages_api)
    goal = set_goal(pages_api, ann, "mentors")
    given = c.GiveFeedback(UUID(ben.id), "goal", UUID(goal), "Keep going")
    feedback = pages_api.system.write(given).id
    bens = browsers.of(ben)
    before = pages_api.events()
    assert bens.post("/feedback", _feedback("goal", goal, "Hi", "/")).status_code == 400
    cheer = {"item_kind": "goal", "item_id": goal, "next": "/"}
    assert bens.post("/cheers", cheer).status_code == 400
    assert bens.post(f"/feedback/{feedback}/withdraw").status_code == 400
    assert pages_api.events() == before


def test_every_feedback_form_on_a_page_has_its_own_labelled_textarea(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = _pair(pages_api)
    set_goal(pages_api, ann, "mentors")
    log(pages_api, ann, "Rehearsed the talk", visibility="mentors")
    log(pages_api, ann, "Wrote the abstract", visibility="mentors")
    page = page_of(browsers.of(ben).get(f"/mentees/{ann.id}"))
    areas = page.find_all("textarea", attrs={"name": "text"})
    assert len(areas) == 3
    ids = [str(area["id"]) for area in page.find_all(id=True)]
    assert not [i for i, n in Counter(ids).items() if n > 1]
    for area in areas:
        assert page.find("label", attrs={"for": area["id"]}) is not None
