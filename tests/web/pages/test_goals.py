"""The goal pages: the board, setting a SMART goal, and the goal page with its
roadmap, progress, status changes, revisions, history and its state on a past day —
for the owner, a mentor (read-only, per visibility) and a stranger (404)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from service.clock import FixedClock
from tests.web.conftest import Api, Person
from tests.web.helpers import GOAL_TITLE, json_of, mentor, set_goal
from tests.web.pages.conftest import (
    Browser,
    Browsers,
    field_error,
    form_errors,
    page_of,
)

NEW_GOAL = {
    "title": "Give a talk at a local meetup",
    "horizon": "short",
    "why": "Speaking is how I get *noticed*",
    "description": "",
    "due_on": "2026-06-30",
    "visibility": "mentors",
    "metric_name": "",
    "metric_unit": "",
    "metric_baseline": "",
    "metric_target": "",
}
METRIC_GOAL = {
    "title": "Give three talks this spring",
    "horizon": "short",
    "why": "Speaking is how I get noticed",
    "due_on": "2026-06-30",
    "metric": {"name": "Talks given", "unit": "talks", "baseline": 0, "target": 3},
    "milestones": [{"title": "Submit a proposal", "due_on": "2026-03-20"}],
}


def _metric_goal(api: Api, owner: Person, **fields: Any) -> dict[str, Any]:
    goal: dict[str, Any] = json_of(
        api.post(owner, "/goals", json=METRIC_GOAL | fields), 201
    )
    return goal


def _text(response: Any) -> str:
    return page_of(response).get_text(" ", strip=True)


@pytest.fixture
def ann(pages_api: Api) -> Person:
    return pages_api.join("Ann")


@pytest.fixture
def owner(browsers: Browsers, ann: Person) -> Browser:
    return browsers.of(ann)


# The board ---------------------------------------------------------------------------


def test_the_board_shows_my_goals_active_first_with_progress_and_a_link_to_set_one(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    closed = set_goal(pages_api, ann, title="Learn the basics of Rust")
    pages_api.post(
        ann, f"/goals/{closed}/status", json={"change": "abandon", "note": "No time"}
    )
    _metric_goal(pages_api, ann)
    response = owner.get("/goals")
    assert response.status_code == 200
    page = page_of(response)
    titles = [h.get_text(strip=True) for h in page.select(".goal-card h2")]
    assert titles == ["Give three talks this spring", "Learn the basics of Rust"]
    assert "Submit a proposal" in _text(response)  # the next milestone
    assert "Progress: 0%" in _text(response)
    assert page.find("a", href="/goals/new") is not None


def test_the_board_filters_by_status(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    closed = set_goal(pages_api, ann, title="Learn the basics of Rust")
    pages_api.post(
        ann, f"/goals/{closed}/status", json={"change": "abandon", "note": "No time"}
    )
    set_goal(pages_api, ann)
    abandoned = _text(owner.get("/goals?status=abandoned"))
    assert "Learn the basics of Rust" in abandoned and GOAL_TITLE not in abandoned
    active = _text(owner.get("/goals?status=active"))
    assert GOAL_TITLE in active and "Learn the basics of Rust" not in active


def test_a_visitor_is_sent_to_sign_in(browsers: Browsers) -> None:
    response = browsers.anonymous().get("/goals")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin")


# Setting a goal ----------------------------------------------------------------------


def test_the_owner_sets_a_smart_goal_with_a_metric_and_first_milestones(
    owner: Browser,
) -> None:
    form = NEW_GOAL | {
        "metric_name": "Talks given",
        "metric_unit": "talks",
        "metric_baseline": "0",
        "metric_target": "2",
        "milestone_1_title": "Find a meetup that takes talks",
        "milestone_1_due_on": "2026-03-15",
        "milestone_3_title": "Rehearse with a friend",
    }
    response = owner.submit("/goals/new", form)
    assert response.status_code == 302
    goal = owner.get(response.headers["Location"])
    assert goal.status_code == 200
    text = _text(goal)
    assert "Give a talk at a local meetup" in text
    assert "Find a meetup that takes talks" in text and "Rehearse with a friend" in text
    assert "Talks given" in text
    assert page_of(goal).find("em", string="noticed") is not None  # why: Markdown
    assert "Give a talk at a local meetup" in _text(owner.get("/goals"))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "Speaking"}, "title", "at least 3 words"),
        ({"due_on": "2026-03-01"}, "due_on", "in the future"),
        ({"why": ""}, "why", "required"),
        (
            {"metric_name": "Talks", "metric_baseline": "2", "metric_target": "2"},
            "metric_target",
            "differ from the baseline",
        ),
        ({"milestone_2_due_on": "2026-04-01"}, "milestone_2_title", "required"),
    ],
)
def test_setting_a_goal_with_bad_input_shows_the_domains_message_by_the_field(
    owner: Browser,
    pages_api: Api,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    before = pages_api.events()
    response = owner.submit("/goals/new", NEW_GOAL | changes)
    assert response.status_code == 422
    assert message in field_error(response, field)
    assert pages_api.events() == before


def test_setting_a_goal_without_the_csrf_token_is_refused(
    owner: Browser, pages_api: Api
) -> None:
    before = pages_api.events()
    assert owner.post("/goals/new", NEW_GOAL).status_code == 400
    assert pages_api.events() == before


# Who sees the goal page --------------------------------------------------------------


def test_a_mentor_sees_a_mentors_goal_read_only_with_feedback_and_cheers(
    browsers: Browsers, pages_api: Api, ann: Person
) -> None:
    bob = pages_api.join("Bob")
    mentor(pages_api, ann, bob)
    goal = _metric_goal(pages_api, ann, visibility="mentors")
    response = browsers.of(bob).get(f"/goals/{goal['id']}")
    assert response.status_code == 200
    page = page_of(response)
    assert "Give three talks this spring" in _text(response)
    assert "Ann’s goal" in _text(response)
    assert page.find("textarea", attrs={"name": "text"}) is not None  # feedback
    assert page.find("button", string="Mark done") is None
    assert page.find(attrs={"name": "change"}) is None
    assert page.find("a", href=f"/goals/{goal['id']}/revise") is None
    actions = {f.get("action") for f in page.find_all("form")}
    assert "/feedback" in actions and "/cheers" in actions
    assert not any(str(a).startswith(f"/goals/{goal['id']}/") for a in actions)


def test_mentor_cannot_see_private_goal(
    browsers: Browsers, pages_api: Api, ann: Person
) -> None:
    bob = pages_api.join("Bob")
    mentor(pages_api, ann, bob)
    goal = set_goal(pages_api, ann, visibility="private")
    assert browsers.of(bob).get(f"/goals/{goal}").status_code == 404


def test_a_stranger_gets_404_for_the_page_and_every_form(
    browsers: Browsers, pages_api: Api, ann: Person
) -> None:
    goal = _metric_goal(pages_api, ann, visibility="group")
    stranger = browsers.of(pages_api.join("Eve"))
    path = f"/goals/{goal['id']}"
    assert stranger.get(path).status_code == 404
    assert stranger.get(path + "/revise").status_code == 404
    assert stranger.get(path + "?as_of=2026-03-01").status_code == 404
    before = pages_api.events()
    response = stranger.submit(path + "/progress", {"value": "1"}, page="/goals")
    assert response.status_code == 404
    assert pages_api.events() == before


def test_a_mentor_cannot_change_the_goal_they_see(
    browsers: Browsers, pages_api: Api, ann: Person
) -> None:
    bob = pages_api.join("Bob")
    mentor(pages_api, ann, bob)
    goal = _metric_goal(pages_api, ann)
    path = f"/goals/{goal['id']}"
    mentor_browser = browsers.of(bob)
    before = pages_api.events()
    added = mentor_browser.submit(
        path + "/milestones", {"milestone_title": "Sneak in a step"}, page=path
    )
    assert added.status_code == 404
    assert mentor_browser.get(path + "/revise").status_code == 404
    assert pages_api.events() == before


# Roadmap -----------------------------------------------------------------------------


def test_the_owner_adds_completes_and_reopens_milestones(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    goal = set_goal(pages_api, ann)
    path = f"/goals/{goal}"
    added = owner.submit(
        path + "/milestones",
        {"milestone_title": "Write the abstract", "milestone_due_on": "2026-04-01"},
        page=path,
    )
    assert added.status_code == 302
    assert "Write the abstract" in _text(owner.get(path))
    milestone = json_of(pages_api.get(ann, path))["milestones"][0]["id"]
    done = owner.submit(f"{path}/milestones/{milestone}/complete", {}, page=path)
    assert done.status_code == 302
    page = owner.get(path)
    assert "100%" in _text(page)
    assert page_of(page).find("button", string="Reopen") is not None
    reopened = owner.submit(f"{path}/milestones/{milestone}/reopen", {}, page=path)
    assert reopened.status_code == 302
    assert page_of(owner.get(path)).find("button", string="Mark done") is not None


def test_adding_a_milestone_without_a_title_shows_the_error_by_the_field(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    path = f"/goals/{set_goal(pages_api, ann)}"
    before = pages_api.events()
    response = owner.submit(path + "/milestones", {"milestone_title": ""}, page=path)
    assert response.status_code == 422
    assert "required" in field_error(response, "milestone_title")
    assert pages_api.events() == before


def test_completing_a_milestone_twice_is_refused_next_to_the_milestone(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    goal = _metric_goal(pages_api, ann)
    path = f"/goals/{goal['id']}"
    complete = f"{path}/milestones/{goal['milestones'][0]['id']}/complete"
    assert owner.submit(complete, {}, page=path).status_code == 302
    before = pages_api.events()
    response = owner.submit(complete, {}, page=path)
    assert response.status_code == 422
    row = page_of(response).find(id=f"milestone-{goal['milestones'][0]['id']}")
    assert row is not None and "already completed" in row.get_text()
    assert pages_api.events() == before


# Progress and status -----------------------------------------------------------------


def test_the_owner_records_progress_and_sees_the_chart_and_safety_buffer(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    goal = _metric_goal(pages_api, ann)
    path = f"/goals/{goal['id']}"
    response = owner.submit(
        path + "/progress", {"value": "2", "note": "Two talks *booked*"}, page=path
    )
    assert response.status_code == 302
    page = owner.get(path)
    text = _text(page)
    assert "67%" in text and "now 2." in text
    assert "Safety buffer" in text
    assert page_of(page).find("figure", class_="chart") is not None
    assert "Progress recorded" in text and "Two talks" in text  # history


def test_progress_on_an_abandoned_goal_is_refused_and_appends_nothing(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    goal = _metric_goal(pages_api, ann)
    path = f"/goals/{goal['id']}"
    pages_api.post(
        ann, path + "/status", json={"change": "abandon", "note": "Changed plans"}
    )
    before = pages_api.events()
    response = owner.submit(path + "/progress", {"value": "1"}, page=path)
    assert response.status_code == 422
    assert "abandoned" in form_errors(response)
    assert pages_api.events() == before


def test_abandoning_needs_a_reason_shown_by_the_field(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    path = f"/goals/{set_goal(pages_api, ann)}"
    before = pages_api.events()
    response = owner.submit(
        path + "/status", {"change": "abandon", "reason": ""}, page=path
    )
    assert response.status_code == 422
    assert "required" in field_error(response, "reason")
    assert pages_api.events() == before


def test_the_owner_pauses_resumes_and_achieves_with_a_reflection(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    path = f"/goals/{set_goal(pages_api, ann)}"
    assert owner.submit(path + "/status", {"change": "pause"}, page=path).status_code
    assert "Paused" in _text(owner.get(path))
    owner.submit(path + "/status", {"change": "resume"}, page=path)
    response = owner.submit(
        path + "/status",
        {"change": "achieve", "reflection": "Practice made it *easy*"},
        page=path,
    )
    assert response.status_code == 302
    page = owner.get(path)
    text = _text(page)
    assert "Achieved" in text and "Resumed" in text and "100%" in text
    assert page_of(page).find("em", string="easy") is not None
    assert page_of(page).find(attrs={"name": "reflection"}) is None  # closed


# Revising, history and the past ------------------------------------------------------


def test_the_owner_revises_a_goal_and_the_old_value_stays_in_history(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    path = f"/goals/{set_goal(pages_api, ann)}"
    form = owner.get(path + "/revise")
    assert form.status_code == 200
    assert page_of(form).find(attrs={"name": "title"})["value"] == GOAL_TITLE
    response = owner.submit(
        path + "/revise",
        {"title": "Give two conference talks on testing", "reason": "Aim higher"},
    )
    assert response.status_code == 302
    text = _text(owner.get(path))
    assert "Give two conference talks on testing" in text
    assert "Goal revised" in text and GOAL_TITLE in text and "Aim higher" in text


def test_revising_without_a_reason_is_refused_by_the_reason_field(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    path = f"/goals/{set_goal(pages_api, ann)}"
    before = pages_api.events()
    response = owner.submit(
        path + "/revise", {"title": "Give two conference talks", "reason": ""}
    )
    assert response.status_code == 422
    assert "required" in field_error(response, "reason")
    assert pages_api.events() == before


def test_as_of_shows_the_old_title_after_a_revision(
    pages_api: Api, ann: Person, owner: Browser, clock: FixedClock
) -> None:
    path = f"/goals/{set_goal(pages_api, ann)}"
    clock.advance(days=2)
    owner.submit(path + "/revise", {"title": "Give two talks", "reason": "Bolder"})
    now = owner.get(path)
    assert page_of(now).h1.get_text() == "Give two talks"
    past = owner.get(path + "?as_of=2026-03-02")
    assert past.status_code == 200
    assert page_of(past).h1.get_text() == GOAL_TITLE
    assert "You are looking at the past" in _text(past)
    assert page_of(past).find(attrs={"name": "change"}) is None  # no acting on it


def test_as_of_before_the_goal_existed_says_so(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    path = f"/goals/{set_goal(pages_api, ann)}"
    response = owner.get(path + "?as_of=2026-02-01")
    assert response.status_code == 200
    assert "did not exist yet on 2026-02-01" in _text(response)


def test_as_of_with_a_date_that_is_not_one_shows_the_error_by_the_field(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    path = f"/goals/{set_goal(pages_api, ann)}"
    response = owner.get(path + "?as_of=yesterday")
    assert response.status_code == 422
    assert "YYYY-MM-DD" in field_error(response, "as_of")


# Safety ------------------------------------------------------------------------------


def test_every_goal_form_without_the_csrf_token_is_refused(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    goal = _metric_goal(pages_api, ann)
    path = f"/goals/{goal['id']}"
    milestone = f"{path}/milestones/{goal['milestones'][0]['id']}"
    posts = {
        path + "/milestones": {"milestone_title": "Another step"},
        milestone + "/complete": {},
        path + "/progress": {"value": "1"},
        path + "/status": {"change": "pause"},
        path + "/revise": {"title": "Give four talks this year", "reason": "More"},
    }
    before = pages_api.events()
    for target, data in posts.items():
        assert owner.post(target, data).status_code == 400, target
    assert pages_api.events() == before


def test_the_goal_page_has_one_h1_unique_ids_and_no_inline_style(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    goal = _metric_goal(pages_api, ann)
    page = page_of(owner.get(f"/goals/{goal['id']}"))
    assert len(page.find_all("h1")) == 1
    ids = Counter(str(tag["id"]) for tag in page.find_all(id=True))
    assert [i for i, n in ids.items() if n > 1] == []
    assert page.find(style=True) is None and page.find("style") is None


def test_a_milestone_due_before_the_goal_was_set_is_an_error_by_its_field(
    pages_api: Api, ann: Person, owner: Browser
) -> None:
    path = f"/goals/{set_goal(pages_api, ann)}"
    before = pages_api.events()
    response = owner.submit(
        path + "/milestones",
        {"milestone_title": "Pick a topic", "milestone_due_on": "2026-01-21"},
        page=path,
    )
    assert response.status_code == 422
    assert "before its goal was set" in field_error(response, "milestone_due_on")
    assert pages_api.events() == before


def _verdicts(response: Any) -> list[str]:
    return [b.get_text(strip=True) for b in page_of(response).select(".verdict")]


def test_each_goal_shows_one_verdict_on_the_board_and_its_page(
    pages_api: Api, ann: Person, owner: Browser, clock: FixedClock
) -> None:
    goal = _metric_goal(pages_api, ann)
    path = f"/goals/{goal['id']}"
    # set seconds ago: on track, and the safety buffer does not say behind
    assert _verdicts(owner.get("/goals")) == ["On track"]
    page = owner.get(path)
    assert _verdicts(page) == ["On track"]
    buffer = page_of(page).select_one(".safety-buffer")
    assert buffer is not None and "behind the on-track" not in buffer.get_text()
    assert "before you would fall behind" in buffer.get_text()
    # 14 quiet days later it is stalled, and only stalled (not also on track/behind)
    clock.advance(days=14)
    assert _verdicts(owner.get("/goals")) == ["Stalled"]
    text = _text(owner.get(path))
    assert _verdicts(owner.get(path)) == ["Stalled"]
    assert "On track" not in text and "Behind" not in text
