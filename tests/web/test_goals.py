"""Goals over the API: set, list, read (now and as of a time), revise, roadmap,
progress, status and history, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any
from uuid import uuid4

from service.clock import FixedClock
from tests.web.conftest import Api, Person
from tests.web.helpers import assert_rejected, assert_replays, json_of, mentor

DUE = "2026-06-30"


def goal_body(**changes: Any) -> dict[str, Any]:
    """A valid new goal, with `changes`."""
    return {
        "title": "Give a talk at a meetup",
        "horizon": "short",
        "why": "Be seen as the expert I already am",
        "due_on": DUE,
    } | changes


def post_goal(api: Api, who: Person, **changes: Any) -> dict[str, Any]:
    """Set a goal as `who` through the API; the goal as the API answered."""
    response = api.post(who, "/goals", json=goal_body(**changes))
    body: dict[str, Any] = json_of(response, 201)
    return body


def test_set_goal_with_milestones_answers_the_card_read_back(api: Api) -> None:
    ann = api.join("Ann")
    body = goal_body(
        metric={"name": "Talks given", "unit": "talks", "baseline": 0, "target": 2},
        milestones=[
            {"title": "Pick a topic", "due_on": "2026-03-20"},
            {"title": "Submit the proposal", "due_on": "2026-03-10"},
            {"title": "Rehearse with a friend"},
        ],
    )
    created = api.post(ann, "/goals", json=body, headers={"Idempotency-Key": "g-1"})
    assert created.status_code == 201, created.json
    goal = created.json
    assert created.headers["ETag"] == f'"{goal["version"]}"'
    assert goal["title"] == "Give a talk at a meetup"
    assert goal["owner_id"] == ann.id and goal["status"] == "active"
    assert goal["visibility"] == "mentors" and goal["horizon"] == "short"
    assert goal["metric"] == {
        "name": "Talks given",
        "unit": "talks",
        "baseline": 0.0,
        "target": 2.0,
        "current": 0.0,
    }
    assert goal["progress"] == 0 and goal["on_track"] is True
    assert goal["milestones_total"] == 3 and goal["milestones_done"] == 0
    assert [m["title"] for m in goal["milestones"]] == [
        "Submit the proposal",
        "Pick a topic",
        "Rehearse with a friend",
    ]
    assert goal["next_milestone"]["title"] == "Submit the proposal"
    assert goal["days_left"] == 120 and goal["as_of"] is None

    assert_replays(
        api, ann, "/goals", created, json=body, headers={"Idempotency-Key": "g-1"}
    )

    listed = api.get(ann, "/goals")
    assert listed.status_code == 200
    assert [g["id"] for g in listed.json["items"]] == [goal["id"]]
    assert listed.json["next_cursor"] is None
    one = api.get(ann, f"/goals/{goal['id']}")
    assert one.status_code == 200 and one.json == goal


def test_bad_goals_name_the_field_and_append_nothing(api: Api) -> None:
    ann = api.join("Ann")
    before = api.events()
    cases = [
        ({"title": "Talk"}, "title"),
        ({"horizon": "forever"}, "horizon"),
        ({"due_on": "2026-03-01"}, "due_on"),
        ({"due_on": "next spring"}, "due_on"),
        ({"why": " "}, "why"),
        ({"visibility": "everyone"}, "visibility"),
        (
            {"metric": {"name": "Talks", "baseline": 1, "target": 1}},
            "metric.target",
        ),
        ({"metric": {"name": "Talks", "baseline": 0}}, "metric.target"),
        ({"milestones": [{"title": " "}]}, "milestones.0.title"),
        ({"colour": "blue"}, "colour"),
    ]
    for change, field in cases:
        response = api.post(ann, "/goals", json=goal_body(**change))
        assert_rejected(api, response, field, before)
    without_why = goal_body()
    del without_why["why"]
    assert_rejected(api, api.post(ann, "/goals", json=without_why), "why", before)
    anonymous = api.post(None, "/goals", json=goal_body())
    assert anonymous.status_code == 401
    assert anonymous.mimetype == "application/problem+json"
    assert api.events() == before


def test_my_goals_filter_by_status_and_paginate(api: Api) -> None:
    ann = api.join("Ann")
    first = post_goal(api, ann, title="Learn the basics of Rust", due_on="2026-04-30")
    second = post_goal(api, ann, title="Give a talk at a meetup")
    third = post_goal(api, ann, title="Meet three engineering managers")
    paused = api.post(ann, f"/goals/{second['id']}/status", json={"change": "pause"})
    assert paused.status_code == 200 and paused.json["status"] == "paused"

    page = api.get(ann, "/goals", query_string={"limit": 2})
    assert page.status_code == 200
    # Active goals first (by due date), then the others.
    assert [g["id"] for g in page.json["items"]] == [first["id"], third["id"]]
    rest = api.get(
        ann, "/goals", query_string={"limit": 2, "cursor": page.json["next_cursor"]}
    )
    assert [g["id"] for g in rest.json["items"]] == [second["id"]]
    assert rest.json["next_cursor"] is None
    only_paused = api.get(ann, "/goals", query_string={"status": "paused"})
    assert [g["id"] for g in only_paused.json["items"]] == [second["id"]]

    before = api.events()
    for query, field in [
        ({"status": "sleeping"}, "status"),
        ({"limit": 0}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"member": "nobody"}, "member"),
    ]:
        response = api.get(ann, "/goals", query_string=query)
        assert_rejected(api, response, field, before)
    assert api.get(None, "/goals").status_code == 401


def test_mentor_sees_mentor_goals_but_not_private_ones_and_strangers_see_none(
    api: Api,
) -> None:
    ann, mia, sam = api.join("Ann"), api.join("Mia"), api.join("Sam")
    mentor(api, ann, mia)
    shared = post_goal(api, ann, visibility="mentors")
    private = post_goal(api, ann, title="Find a new job quietly", visibility="private")

    as_mentor = api.get(mia, "/goals", query_string={"member": ann.id})
    assert [g["id"] for g in as_mentor.json["items"]] == [shared["id"]]
    assert api.get(mia, f"/goals/{shared['id']}").json["title"] == shared["title"]
    history = api.get(mia, f"/goals/{shared['id']}/history")
    assert history.status_code == 200
    assert [e["type"] for e in history.json["items"]] == ["GoalSet"]

    at = {"as_of": "2026-03-02T10:00:00+00:00"}
    for who, goal in [(mia, private), (sam, private), (sam, shared)]:
        base = f"/goals/{goal['id']}"
        for path, query in [
            (base, {}),
            (base, at),
            (f"{base}/history", {}),
            (f"{base}/progress-series", {}),
        ]:
            response = api.get(who, path, query_string=query)
            assert response.status_code == 404, (who.name, path, query)
            assert response.mimetype == "application/problem+json"
    for member in (ann.id, str(uuid4())):
        stranger = api.get(sam, "/goals", query_string={"member": member})
        assert stranger.status_code == 200 and stranger.json["items"] == []

    # Only the owner changes a goal: the mentor's writes are 404s too.
    before = api.events()
    goal = f"/goals/{shared['id']}"
    writes = [
        api.patch(
            mia, goal, json={"title": "Give two talks at meetups", "reason": "x"}
        ),
        api.post(mia, f"{goal}/milestones", json={"title": "Pick a topic"}),
        api.post(mia, f"{goal}/status", json={"change": "pause"}),
        api.post(mia, f"{goal}/progress", json={"value": 1}),
    ]
    assert [w.status_code for w in writes] == [404] * 4
    assert api.events() == before
    assert api.get(ann, "/goals/not-a-uuid").status_code == 404


def test_revise_with_if_match_keeps_the_old_state_in_history_and_as_of(
    api: Api, clock: FixedClock
) -> None:
    ann = api.join("Ann")
    goal = post_goal(api, ann)
    path = f"/goals/{goal['id']}"
    clock.advance(days=1)
    revised = api.patch(
        ann,
        path,
        json={"title": "Give two talks at meetups", "reason": "Aim higher"},
        headers={"If-Match": f'"{goal["version"]}"'},
    )
    assert revised.status_code == 200, revised.json
    assert revised.json["title"] == "Give two talks at meetups"
    assert revised.json["version"] == goal["version"] + 1
    assert revised.headers["ETag"] == f'"{revised.json["version"]}"'
    assert api.get(ann, path).json["title"] == "Give two talks at meetups"

    before = api.events()
    stale = api.patch(
        ann,
        path,
        json={"due_on": "2026-07-31", "reason": "More time"},
        headers={"If-Match": str(goal["version"])},
    )
    assert stale.status_code == 409
    assert stale.json["current_version"] == revised.json["version"]
    assert api.events() == before
    for body, headers, field in [
        ({"title": "Talks", "reason": "Shorter"}, {}, "title"),
        ({"title": "Give three talks at meetups"}, {}, "reason"),
        ({"reason": "Nothing really"}, {}, "changes"),
        ({"due_on": "2026-03-01", "reason": "Sooner"}, {}, "due_on"),
        (
            {"metric": {"name": "Talks", "baseline": 2, "target": 2}, "reason": "m"},
            {},
            "metric.target",
        ),
        (
            {"title": "Give three talks at meetups", "reason": "r"},
            {"If-Match": "v2"},
            "If-Match",
        ),
    ]:
        response = api.patch(ann, path, json=body, headers=headers)
        assert_rejected(api, response, field, before)
    assert api.patch(None, path, json={"reason": "x"}).status_code == 401

    then = api.get(ann, path, query_string={"as_of": "2026-03-02T12:00:00+00:00"})
    assert then.status_code == 200, then.json
    assert then.json["title"] == "Give a talk at a meetup"
    assert then.json["version"] == goal["version"]
    assert then.json["as_of"] == "2026-03-02T12:00:00Z"
    assert then.json["on_track"] is None and then.json["stalled"] is None
    later = api.get(ann, path, query_string={"as_of": "2026-03-03T10:00:00+01:00"})
    assert later.json["title"] == "Give two talks at meetups"
    before_set = api.get(ann, path, query_string={"as_of": "2026-03-01T09:00:00Z"})
    assert before_set.status_code == 404
    for bad in ("2026-03-02T12:00:00", "yesterday"):
        response = api.get(ann, path, query_string={"as_of": bad})
        assert response.status_code == 422 and "as_of" in response.json["errors"]

    history = api.get(ann, f"{path}/history", query_string={"limit": 1})
    assert history.status_code == 200
    assert [e["type"] for e in history.json["items"]] == ["GoalSet"]
    assert history.json["items"][0]["data"]["title"] == "Give a talk at a meetup"
    rest = api.get(
        ann, f"{path}/history", query_string={"cursor": history.json["next_cursor"]}
    )
    (event,) = rest.json["items"]
    assert event["type"] == "GoalRevised" and event["version"] == 2
    assert event["actor_id"] == ann.id
    assert event["time"] == "2026-03-03T09:00:00Z"
    assert event["data"] == {
        "changes": {"title": "Give two talks at meetups"},
        "reason": "Aim higher",
    }
    assert api.get(None, f"{path}/history").status_code == 401


def test_two_clients_revising_one_version_exactly_one_wins(api: Api) -> None:
    ann = api.join("Ann")
    goal = post_goal(api, ann)
    path = f"/api/v1/goals/{goal['id']}"
    headers = ann.auth | {"If-Match": str(goal["version"])}
    barrier = threading.Barrier(2)
    answers: list[tuple[int, Any]] = []

    def revise(title: str) -> None:
        client = api.client.application.test_client()
        barrier.wait()
        response = client.patch(
            path, json={"title": title, "reason": "Mine"}, headers=headers
        )
        answers.append((response.status_code, response.json))

    threads = [
        threading.Thread(target=revise, args=(title,))
        for title in ("Give two talks at meetups", "Give three talks at meetups")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won, lost = sorted(answers, key=lambda answer: answer[0])
    assert (won[0], lost[0]) == (200, 409)
    assert lost[1]["current_version"] == goal["version"] + 1
    after = api.get(ann, f"/goals/{goal['id']}").json
    assert after["version"] == goal["version"] + 1
    assert after["title"] == won[1]["title"]


def test_roadmap_milestones_are_added_completed_and_reopened(api: Api) -> None:
    ann = api.join("Ann")
    goal = post_goal(api, ann, milestones=[{"title": "Pick a topic"}])
    path = f"/goals/{goal['id']}"
    step = {"title": "Submit the proposal", "due_on": "2026-03-20"}
    key = {"Idempotency-Key": "m-1"}
    added = api.post(ann, f"{path}/milestones", json=step, headers=key)
    assert added.status_code == 201, added.json
    new_id = added.json["milestone_id"]
    assert added.json["milestones_total"] == 2
    assert added.json["next_milestone"]["id"] == new_id
    assert_replays(api, ann, f"{path}/milestones", added, json=step, headers=key)

    done = api.post(ann, f"{path}/milestones/{new_id}/complete")
    assert done.status_code == 200, done.json
    assert done.json["progress"] == 50 and done.json["milestones_done"] == 1
    assert done.headers["ETag"] == f'"{added.json["version"] + 1}"'
    assert [m["completed"] for m in done.json["milestones"]] == [True, False]
    assert done.json["milestones"][0]["completed_at"] == "2026-03-02T09:00:00Z"
    assert done.json["next_milestone"]["title"] == "Pick a topic"

    before = api.events()
    twice = api.post(ann, f"{path}/milestones/{new_id}/complete")
    assert twice.status_code == 422 and api.events() == before
    unknown = api.post(ann, f"{path}/milestones/{uuid4()}/complete")
    assert_rejected(api, unknown, "milestone_id", before)
    for body, field in [({"title": " "}, "title"), ({"due_on": "soon"}, "due_on")]:
        bad = api.post(ann, f"{path}/milestones", json={"title": "A step"} | body)
        assert_rejected(api, bad, field, before)
    stale = api.post(
        ann, f"{path}/milestones/{new_id}/reopen", headers={"If-Match": "1"}
    )
    assert stale.status_code == 409
    assert stale.json["current_version"] == done.json["version"]

    reopened = api.post(ann, f"{path}/milestones/{new_id}/reopen")
    assert reopened.status_code == 200
    assert reopened.json["progress"] == 0 and reopened.json["milestones_done"] == 0
    before = api.events()
    not_done = api.post(ann, f"{path}/milestones/{new_id}/reopen")
    assert not_done.status_code == 422 and api.events() == before
    for route in ("complete", "reopen"):
        anonymous = api.post(None, f"{path}/milestones/{new_id}/{route}")
        assert anonymous.status_code == 401
    assert api.post(None, f"{path}/milestones", json={"title": "x"}).status_code == 401


def test_progress_and_status_changes_move_the_goal(api: Api, clock: FixedClock) -> None:
    ann = api.join("Ann")
    metric = {"name": "Talks given", "unit": "talks", "baseline": 0, "target": 4}
    goal = post_goal(api, ann, metric=metric)
    plain = post_goal(api, ann, title="Read three books on leadership")
    path = f"/goals/{goal['id']}"
    clock.advance(days=2)
    recorded = api.post(
        ann, f"{path}/progress", json={"value": 1, "note": "Local meetup"}
    )
    assert recorded.status_code == 200, recorded.json
    assert recorded.json["progress"] == 25 and recorded.json["metric"]["current"] == 1
    assert recorded.json["last_activity_on"] == "2026-03-04"
    series = api.get(ann, f"{path}/progress-series")
    assert series.status_code == 200
    assert series.json["points"] == [{"day": "2026-03-04", "value": 1.0}]
    assert series.json["on_track_line"] == [
        {"day": "2026-03-02", "value": 0.0},
        {"day": DUE, "value": 4.0},
    ]
    assert api.get(ann, f"/goals/{plain['id']}/progress-series").json == {
        "measure": "none",
        "stepped": False,
        "points": [],
        "on_track_line": None,
    }

    before = api.events()
    rejected = [
        (api.post(ann, f"{path}/progress", json={"value": "many"}), "value"),
        (api.post(ann, f"{path}/progress", json={"note": "no value"}), "value"),
        (api.post(ann, f"{path}/status", json={"change": "sleep"}), "change"),
        (api.post(ann, f"{path}/status", json={"change": "abandon"}), "note"),
    ]
    for response, field in rejected:
        assert_rejected(api, response, field, before)
    no_metric = api.post(ann, f"/goals/{plain['id']}/progress", json={"value": 1})
    assert no_metric.status_code == 422 and api.events() == before
    resume_active = api.post(ann, f"{path}/status", json={"change": "resume"})
    assert resume_active.status_code == 422 and api.events() == before

    steps = [("pause", "paused"), ("resume", "active"), ("achieve", "achieved")]
    for change, status in steps:
        response = api.post(
            ann, f"{path}/status", json={"change": change, "note": "Spoke twice!"}
        )
        assert response.status_code == 200, response.json
        assert response.json["status"] == status
    assert response.json["progress"] == 100
    assert response.json["closed_at"] == "2026-03-04T09:00:00Z"
    closed = api.post(ann, f"{path}/progress", json={"value": 3})
    assert closed.status_code == 422
    abandoned = api.post(
        ann,
        f"/goals/{plain['id']}/status",
        json={"change": "abandon", "note": "My priorities changed"},
    )
    assert abandoned.status_code == 200 and abandoned.json["status"] == "abandoned"

    history = api.get(ann, f"{path}/history").json["items"]
    assert [e["type"] for e in history] == [
        "GoalSet",
        "ProgressRecorded",
        "GoalPaused",
        "GoalResumed",
        "GoalAchieved",
    ]
    assert history[1]["data"] == {"value": 1.0, "note": "Local meetup"}
    for route in ("progress", "status"):
        assert api.post(None, f"{path}/{route}", json={}).status_code == 401
    assert api.get(None, f"{path}/progress-series").status_code == 401
    assert api.get(None, path).status_code == 401


def test_other_methods_on_goal_paths_are_405_with_allow(api: Api) -> None:
    ann = api.join("Ann")
    path = f"/goals/{post_goal(api, ann)['id']}"
    for method, tail, allowed in [
        ("PUT", "", "PATCH"),
        ("GET", "/status", "POST"),
        ("DELETE", "/milestones", "POST"),
    ]:
        refused = api.call(method, ann, path + tail)
        assert refused.status_code == 405, (method, tail, refused.json)
        allow = {m.strip() for m in refused.headers["Allow"].split(",")}
        assert allowed in allow and method not in allow, (method, tail, allow)
    not_an_id = api.get(ann, "/goals/not-a-goal-id")
    assert not_an_id.status_code == 404, not_an_id.json


def test_goal_routes_are_in_the_openapi_document(api: Api) -> None:
    doc = api.client.get("/api/v1/openapi.json").json
    paths = doc["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/goals"])
    assert {"get", "patch"} <= set(paths["/api/v1/goals/{goal_id}"])
    for tail in ("milestones", "progress", "status"):
        assert "post" in paths[f"/api/v1/goals/{{goal_id}}/{tail}"]
    assert "get" in paths["/api/v1/goals/{goal_id}/history"]
    milestone = "/api/v1/goals/{goal_id}/milestones/{milestone_id}"
    assert "post" in paths[f"{milestone}/complete"]
    assert "post" in paths[f"{milestone}/reopen"]
    assert "GoalOut" in doc["components"]["schemas"]


def test_milestones_due_before_the_goal_was_set_are_422_and_append_nothing(
    api: Api,
) -> None:
    ann = api.join("Ann")
    before = api.events()
    early = {"title": "Pick a topic", "due_on": "2026-01-21"}  # 40 days before today
    refused = api.post(ann, "/goals", json=goal_body(milestones=[early]))
    assert_rejected(api, refused, "milestones.0.due_on", before)
    assert (
        "before its goal was set (2026-03-02)"
        in refused.json["errors"]["milestones.0.due_on"]
    )
    goal = post_goal(api, ann)
    before = api.events()
    path = f"/goals/{goal['id']}/milestones"
    late = api.post(ann, path, json={"title": "Pick a topic", "due_on": "2026-03-01"})
    assert_rejected(api, late, "due_on", before)
    same_day = api.post(
        ann, path, json={"title": "Pick a topic", "due_on": "2026-03-02"}
    )
    assert same_day.status_code == 201, same_day.json


def test_a_milestone_goal_has_a_stepped_progress_series(
    api: Api, clock: FixedClock
) -> None:
    ann = api.join("Ann")
    goal = post_goal(
        api, ann, milestones=[{"title": "Pick a topic"}, {"title": "Write it"}]
    )
    path = f"/goals/{goal['id']}"
    first = goal["next_milestone"]["id"]
    clock.advance(days=2)
    done = api.post(ann, f"{path}/milestones/{first}/complete")
    assert done.status_code == 200, done.json
    series = api.get(ann, f"{path}/progress-series")
    assert series.status_code == 200
    assert series.json == {
        "measure": "milestones",
        "stepped": True,
        "points": [
            {"day": "2026-03-02", "value": 0.0},
            {"day": "2026-03-04", "value": 50.0},  # 1 of 2 done
        ],
        "on_track_line": [
            {"day": "2026-03-02", "value": 0.0},
            {"day": goal["due_on"], "value": 100.0},
        ],
    }
