"""Logging, reading, editing and retracting actions over the API."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

from system import System
from tests.web.conftest import Api
from tests.web.helpers import (
    assert_need_a_token,
    assert_rejected,
    assert_replays,
    log,
    log_action,
    mentor,
    set_goal,
    share_group,
)

TODAY = date(2026, 3, 2)  # the test clock's Monday


def test_logging_an_action_raises_momentum_and_shows_in_the_journal(
    api: Api,
) -> None:
    ann = api.join("Ann")
    assert api.get(ann, "/momentum").json["momentum"] == 0
    response = api.post(
        ann,
        "/actions",
        json={
            "category": "networking",
            "title": "Coffee with a staff engineer",
            "occurred_on": "2026-03-01",
            "notes": "Asked how she moved into platform work.",
            "minutes": 45,
            "evidence_url": "https://example.com/notes",
            "win": True,
        },
    )
    assert response.status_code == 201, response.json
    action = response.json
    assert response.headers["ETag"] == f'"{action["version"]}"'
    assert action["owner_id"] == ann.id and action["version"] == 1
    assert action["visibility"] == "mentors"  # no goal: mentors by default
    assert action["minutes"] == 45 and action["win"] is True
    assert action["retracted"] is False
    metrics = api.get(ann, "/momentum").json
    # a win weighs 1.5, 21 h old; T = 3 a week: 100·1.5·0.5^(21/336)/(3/7·14/ln 2)
    assert metrics["momentum"] == 17
    assert metrics["last_action_on"] == "2026-03-01"
    newest = api.get(ann, "/journal").json["items"][0]
    assert newest["item_id"] == action["id"] and newest["win"] is True
    assert newest["title"] == "Coffee with a staff engineer"
    again = api.get(ann, f"/actions/{action['id']}")
    assert again.status_code == 200 and again.json == action


def test_bad_actions_name_the_field_and_append_nothing_good_ones_count(
    api: Api, system: System
) -> None:
    ann, bob = api.join("Ann"), api.join("Bob")
    bobs_goal = set_goal(system, bob)
    before = api.events()
    cases = [
        ({"occurred_on": str(TODAY + timedelta(days=1))}, "occurred_on"),
        ({"occurred_on": str(TODAY - timedelta(days=31))}, "occurred_on"),
        ({"occurred_on": "2026-02-30"}, "occurred_on"),
        ({"category": "hobbies"}, "category"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 151}, "title"),
        ({"title": "Read\u0000 a chapter"}, "title"),  # PostgreSQL cannot store NUL
        ({"minutes": 0}, "minutes"),
        ({"evidence_url": "ftp://example.com/file"}, "evidence_url"),
        ({"visibility": "public"}, "visibility"),
        ({"goal_id": bobs_goal}, "goal_id"),
        ({"goal_id": str(uuid4())}, "goal_id"),
        ({"colour": "blue"}, "colour"),
    ]
    valid = {"category": "learning", "title": "Read a chapter on testing"}
    for change, field in cases:
        response = api.post(ann, "/actions", json=valid | change)
        assert_rejected(api, response, field, before)
    missing = api.post(ann, "/actions", json={"notes": "no title, no category"})
    assert missing.status_code == 422
    assert {"category", "title"} <= set(missing.json["errors"])
    assert api.events() == before
    assert log_action(api, ann, occurred_on=None)["occurred_on"] == str(TODAY)
    oldest = str(TODAY - timedelta(days=30))
    assert log_action(api, ann, occurred_on=oldest)["occurred_on"] == oldest


def test_an_action_cannot_be_wider_than_its_goal(api: Api, system: System) -> None:
    ann = api.join("Ann")
    goal = set_goal(system, ann, visibility="private")
    before = api.events()
    response = api.post(
        ann,
        "/actions",
        json={"category": "learning", "title": "Slides", "goal_id": goal}
        | {"visibility": "group"},
    )
    assert_rejected(api, response, "visibility", before)
    linked = log_action(api, ann, goal_id=goal)
    assert linked["visibility"] == "private" and linked["goal_id"] == goal


def test_actions_need_a_token(api: Api) -> None:
    ann = api.join("Ann")
    action = log(api, ann)
    body = {"category": "learning", "title": "Read"}
    assert_need_a_token(
        api,
        [
            ("POST", "/actions", body),
            ("GET", f"/actions/{action}", None),
            ("PATCH", f"/actions/{action}", {"title": "x"}),
            ("DELETE", f"/actions/{action}", None),
        ],
    )
    forged = {"Authorization": "Bearer not-a-token"}
    assert api.get(None, f"/actions/{action}", headers=forged).status_code == 401


def test_who_may_see_and_change_an_action(api: Api, system: System) -> None:
    ann, mia, gus, sam = (api.join(n) for n in ("Ann", "Mia", "Gus", "Sam"))
    mentor(system, ann, mia)
    share_group(system, ann, gus)
    shared = log(api, ann)  # mentors by default
    private = log(api, ann, visibility="private")
    grouped = log(api, ann, visibility="group")
    seen = {
        (who.name, action): api.get(who, f"/actions/{action}").status_code
        for who in (mia, gus, sam)
        for action in (shared, private, grouped)
    }
    assert seen == {
        ("Mia", shared): 200,
        ("Mia", private): 404,
        ("Mia", grouped): 200,
        ("Gus", shared): 404,
        ("Gus", private): 404,
        ("Gus", grouped): 200,
        ("Sam", shared): 404,
        ("Sam", private): 404,
        ("Sam", grouped): 404,
    }
    assert api.get(ann, f"/actions/{uuid4()}").status_code == 404
    before = api.events()
    for who in (mia, sam):
        edit = api.patch(who, f"/actions/{shared}", json={"title": "Mine now"})
        assert edit.status_code == 404, edit.json
        assert api.delete(who, f"/actions/{shared}").status_code == 404
    assert api.events() == before


def test_logging_twice_with_one_idempotency_key_logs_once(api: Api) -> None:
    ann = api.join("Ann")
    body = {"category": "portfolio", "title": "Updated my profile"}
    key = {"Idempotency-Key": "log-1"}
    first = api.post(ann, "/actions", json=body, headers=key)
    assert first.status_code == 201
    assert_replays(api, ann, "/actions", first, json=body, headers=key)
    before = api.events()
    assert len(api.get(ann, "/journal").json["items"]) == 1
    other = api.post(ann, "/actions", json=body | {"title": "Other"}, headers=key)
    assert other.status_code == 409
    assert api.events() == before


def test_editing_an_action_shows_at_once_and_stale_if_match_is_409(
    api: Api,
) -> None:
    ann = api.join("Ann")
    action = log_action(api, ann)
    path = f"/actions/{action['id']}"
    edited = api.patch(
        ann,
        path,
        json={"title": "Read two chapters", "win": True},
        headers={"If-Match": '"1"'},
    )
    assert edited.status_code == 200, edited.json
    assert edited.json["title"] == "Read two chapters" and edited.json["version"] == 2
    assert edited.headers["ETag"] == '"2"'
    assert edited.json["category"] == "learning"  # fields left out stay
    entry = api.get(ann, "/journal").json["items"][0]
    assert entry["title"] == "Read two chapters" and entry["win"] is True
    before = api.events()
    stale = api.patch(ann, path, json={"title": "Lost"}, headers={"If-Match": "1"})
    assert stale.status_code == 409
    assert stale.json["current_version"] == 2
    bad_cases = [
        ({"occurred_on": str(TODAY + timedelta(days=2))}, {}, "occurred_on"),
        ({"title": "Read two chapters"}, {}, "changes"),  # nothing changed
        ({}, {}, "changes"),
        ({"owner_id": str(uuid4())}, {}, "owner_id"),
        ({"title": "New"}, {"If-Match": "latest"}, "If-Match"),
    ]
    for body, headers, field in bad_cases:
        response = api.patch(ann, path, json=body, headers=headers)
        assert_rejected(api, response, field, before)


def test_retracting_an_action_takes_it_out_of_momentum_and_journal(api: Api) -> None:
    ann = api.join("Ann")
    yesterday = str(TODAY - timedelta(days=1))  # an action of an earlier day
    action = log_action(api, ann, occurred_on=yesterday)
    path = f"/actions/{action['id']}"
    assert api.get(ann, "/momentum").json["momentum"] > 0
    api.patch(ann, path, json={"minutes": 20})
    before = api.events()
    stale = api.delete(ann, path, headers={"If-Match": "1"})
    assert stale.status_code == 409 and stale.json["current_version"] == 2
    assert api.events() == before
    gone = api.delete(
        ann, path, query_string={"reason": "Logged twice"}, headers={"If-Match": "2"}
    )
    assert gone.status_code == 200, gone.json
    assert gone.json["retracted"] is True and gone.json["version"] == 3
    assert api.get(ann, "/momentum").json["momentum"] == 0
    assert api.get(ann, "/journal").json["items"] == []
    before = api.events()
    assert api.delete(ann, path).status_code == 422  # already retracted
    assert api.patch(ann, path, json={"title": "Back"}).status_code == 422
    long_reason = api.delete(ann, path, query_string={"reason": "x" * 501})
    assert_rejected(api, long_reason, "reason", before)
