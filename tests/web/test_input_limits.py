"""Input no real member sends, over the API and the pages (issue 11): dates outside
the domain's window and numbers beyond ±1e12 are a 422 naming the field, a body
nested too deeply is a 400 and one too large a 413 — and none of them appends an
event or stops a read model. Clock: Monday 2 March 2026, so the last date a member
may give is 2 March 2031 and the first 1 January 1900.
"""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from service.clock import FixedClock
from service.domain.base import NUMBER_LIMIT
from tests.conftest import PASSWORD
from tests.web.conftest import Api, Person
from tests.web.helpers import PROBLEM, assert_rejected, json_of, mentor
from web.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH

LAST_DAY = "2031-03-02"
"""Five years after the clock's today: the last date a member may give."""
TOO_LATE = "2031-03-03"
TOO_EARLY = "1899-12-31"


def goal_body(**changes: Any) -> dict[str, Any]:
    """A valid new goal, with `changes`."""
    return {
        "title": "Give a talk at a meetup",
        "horizon": "short",
        "why": "Be seen as the expert I already am",
        "due_on": "2026-06-30",
    } | changes


def post_goal(api: Api, who: Person, **changes: Any) -> str:
    """Set a goal as `who`; its id."""
    goal: dict[str, Any] = json_of(
        api.post(who, "/goals", json=goal_body(**changes)), 201
    )
    return str(goal["id"])


def assert_reads_work(api: Api, who: Person) -> None:
    """Every read model still applies the log: the goal list and momentum answer."""
    assert api.get(who, "/goals").status_code == 200
    assert api.get(who, "/momentum").status_code == 200


def test_away_periods_outside_the_window_are_refused_those_on_its_edges_applied(
    api: Api,
) -> None:
    ann = api.join("Ann", "Pacific/Kiritimati")  # UTC+14: its days end earliest
    cases = [
        ({"starts_on": "9999-12-31", "ends_on": "9999-12-31"}, "starts_on"),
        ({"starts_on": TOO_LATE, "ends_on": TOO_LATE}, "starts_on"),
        ({"starts_on": "2031-03-01", "ends_on": TOO_LATE}, "ends_on"),
        ({"starts_on": TOO_EARLY, "ends_on": "1900-01-05"}, "starts_on"),
        ({"starts_on": "0001-01-01", "ends_on": "0001-01-01"}, "starts_on"),
    ]
    for body, field in cases:
        before = api.events()
        refused = api.post(ann, "/me/away-periods", json=body)
        assert_rejected(api, refused, field, before)
    for starts_on, ends_on in (("1900-01-01", "1900-12-31"), (LAST_DAY, LAST_DAY)):
        body = {"starts_on": starts_on, "ends_on": ends_on}
        assert api.post(ann, "/me/away-periods", json=body).status_code == 201
    assert_reads_work(api, ann)
    periods = json_of(api.get(ann, "/me"))["away_periods"]
    assert [p["ends_on"] for p in periods] == ["1900-12-31", LAST_DAY]


@pytest.mark.parametrize(
    ("metric", "field"),
    [
        ({"baseline": -1e308, "target": 1e308}, "metric.baseline"),
        ({"baseline": 0, "target": 1e13}, "metric.target"),
        ({"baseline": -1_000_000_000_001, "target": 0}, "metric.baseline"),
    ],
)
def test_metric_values_beyond_a_trillion_are_refused_and_the_list_still_reads(
    api: Api, metric: dict[str, Any], field: str
) -> None:
    ann = api.join("Ann")
    before = api.events()
    body = goal_body(metric={"name": "m"} | metric)
    assert_rejected(api, api.post(ann, "/goals", json=body), field, before)
    assert json_of(api.get(ann, "/goals"))["items"] == []


def test_progress_and_revised_metrics_beyond_a_trillion_are_refused(api: Api) -> None:
    ann = api.join("Ann")
    goal = post_goal(api, ann, metric={"name": "m", "baseline": 0, "target": 10})
    before = api.events()
    too_big = api.post(ann, f"/goals/{goal}/progress", json={"value": -1e13})
    assert_rejected(api, too_big, "value", before)
    revised = api.patch(
        ann,
        f"/goals/{goal}",
        json={"metric": {"name": "m", "baseline": 0, "target": 2e12}, "reason": "x"},
    )
    assert_rejected(api, revised, "metric.target", before)
    assert_reads_work(api, ann)


def test_extreme_but_accepted_metrics_leave_every_read_working(
    api: Api, clock: FixedClock
) -> None:
    ann = api.join("Ann")
    edges = [(-NUMBER_LIMIT, NUMBER_LIMIT), (NUMBER_LIMIT, -NUMBER_LIMIT)]
    edges.append((0, 1e-300))  # a target a hair from its baseline
    for baseline, target in edges:
        metric = {"name": "m", "baseline": baseline, "target": target}
        goal = post_goal(api, ann, metric=metric, due_on=LAST_DAY)
        for value in (-NUMBER_LIMIT, 5e-324, NUMBER_LIMIT):
            answer = api.post(ann, f"/goals/{goal}/progress", json={"value": value})
            assert answer.status_code == 200, answer.json
    # 28 days on, the value has not moved: the tiny line is never caught up with.
    clock.advance(days=28)
    cards = json_of(api.get(ann, "/goals"))["items"]
    assert len(cards) == 3
    assert all(0 <= card["progress"] <= 100 for card in cards)
    assert all(0 <= card["safety_buffer"] <= card["days_left"] for card in cards), cards
    assert_reads_work(api, ann)


def test_due_dates_outside_the_window_are_refused_everywhere(api: Api) -> None:
    ann, max_ = api.join("Ann"), api.join("Max")
    mentor(api, ann, max_)
    goal = post_goal(api, ann)
    path = f"/goals/{goal}"
    before = api.events()
    refused = [
        (api.post(ann, "/goals", json=goal_body(due_on="9999-12-31")), "due_on"),
        (api.post(ann, "/goals", json=goal_body(due_on=TOO_LATE)), "due_on"),
        (
            api.post(
                ann,
                "/goals",
                json=goal_body(milestones=[{"title": "Step", "due_on": "9999-12-31"}]),
            ),
            "milestones.0.due_on",
        ),
        (
            api.post(
                ann, f"{path}/milestones", json={"title": "S", "due_on": TOO_LATE}
            ),
            "due_on",
        ),
        (
            api.post(
                ann, f"{path}/milestones", json={"title": "S", "due_on": TOO_EARLY}
            ),
            "due_on",
        ),
        (api.patch(ann, path, json={"due_on": TOO_LATE, "reason": "x"}), "due_on"),
        (
            api.post(
                max_,
                "/suggestions",
                json={
                    "goal_id": goal,
                    "kind": "milestone",
                    "title": "Ask for a review",
                    "due_on": "9999-12-31",
                },
            ),
            "due_on",
        ),
    ]
    for response, field in refused:
        assert_rejected(api, response, field, before)
    on_the_edge = api.post(ann, "/goals", json=goal_body(due_on=LAST_DAY))
    assert on_the_edge.status_code == 201, on_the_edge.json
    assert_reads_work(api, ann)


def test_json_nested_too_deeply_is_a_400_problem_and_appends_nothing(
    api: Api,
) -> None:
    ann = api.join("Ann")
    before = api.events()
    for depth in (100_000, MAX_JSON_DEPTH + 1):
        body = "[" * depth + "]" * depth
        for method, path in (("POST", "/goals"), ("PATCH", "/me")):
            response = api.call(
                method, ann, path, data=body, content_type="application/json"
            )
            assert response.mimetype == PROBLEM
            assert "nested" in json_of(response, 400)["detail"], (depth, path)
    assert api.events() == before
    # As deep as allowed: parsed, and refused for what it says.
    body = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    shallow = api.post(ann, "/goals", data=body, content_type="application/json")
    assert shallow.status_code == 422, shallow.json
    # Brackets inside strings are text, not nesting.
    brackets = "[" * 4000 + "{" * 900
    deep_text = api.post(ann, "/goals", json=goal_body(description=brackets))
    assert deep_text.status_code == 201, deep_text.json


def test_a_body_over_the_limit_is_a_413_problem_and_appends_nothing(api: Api) -> None:
    ann = api.join("Ann")
    before = api.events()
    huge = goal_body(description="x" * MAX_BODY_BYTES)
    response = api.post(ann, "/goals", json=huge)
    assert response.status_code == 413, response.json
    assert response.mimetype == PROBLEM
    assert api.events() == before


def _csrf(client: FlaskClient, path: str) -> str:
    """The CSRF token of the first form on the page at `path`."""
    page = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
    field = page.find("input", attrs={"name": "csrf_token"})
    assert field is not None, path
    return str(field["value"])


def test_the_away_form_shows_the_window_next_to_the_field_and_appends_nothing(
    api: Api,
) -> None:
    ann = api.join("Ann")
    browser = api.client
    signed_in = browser.post(
        "/signin",
        data={
            "csrf_token": _csrf(browser, "/signin"),
            "email": ann.email,
            "password": PASSWORD,
        },
    )
    assert signed_in.status_code == 302
    before = api.events()
    form = {"starts_on": "9999-12-31", "ends_on": "9999-12-31", "reason": "holiday"}
    refused = browser.post(
        "/settings/away", data={"csrf_token": _csrf(browser, "/settings"), **form}
    )
    assert refused.status_code == 422
    page = BeautifulSoup(refused.get_data(as_text=True), "html.parser")
    control = page.find("input", attrs={"name": "starts_on"})
    assert control is not None
    described = str(control.get("aria-describedby", "")).split()
    shown = [page.find(id=ref) for ref in described if ref.endswith("-error")]
    assert any(e is not None and "5 years" in e.get_text() for e in shown)
    assert api.events() == before


def test_pages_answer_deep_and_huge_bodies_with_an_error_page(
    client: FlaskClient,
) -> None:
    csrf = {"X-CSRFToken": _csrf(client, "/signin")}  # past CSRF, to the form
    deep = "[" * 100_000 + "]" * 100_000
    nested = client.post(
        "/signin", data=deep, content_type="application/json", headers=csrf
    )
    assert nested.status_code == 400
    assert nested.mimetype == "text/html"
    huge = client.post("/signin", data={"email": "x" * MAX_BODY_BYTES}, headers=csrf)
    assert huge.status_code == 413
    assert huge.mimetype == "text/html"


def test_every_write_declares_the_400_and_413_problems(api: Api) -> None:
    spec = json_of(api.get(None, "/openapi.json"))
    post_goal_doc = spec["paths"]["/api/v1/goals"]["post"]["responses"]
    away = spec["paths"]["/api/v1/me/away-periods"]["post"]["responses"]
    for responses in (post_goal_doc, away):
        for status in ("400", "413"):
            content = responses[status]["content"]
            assert PROBLEM in content
