"""Recording, listing, reading, amending reviews and marking their commitments."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from service.clock import FixedClock
from system import System
from tests.web.conftest import Api, Person
from tests.web.helpers import assert_rejected, assert_replays, json_of, mentor

SIGNALS = {
    "motivation": 2,
    "focus": 3,
    "learning": 2,
    "recognition": 1,
    "satisfaction": 2,
}
NEXT_STEPS = [
    {"if_when": "When I open my laptop on Monday", "then": "I will apply for a role"},
    {"if_when": "If I feel stuck on Thursday", "then": "I will call my mentor"},
]


def review(api: Api, who: Person, **fields: Any) -> Any:
    """Record a weekly review with SIGNALS and NEXT_STEPS unless `fields` differ."""
    body = {"signals": SIGNALS, "went_well": "Shipped the demo"} | fields
    body.setdefault("commitments", NEXT_STEPS)
    return json_of(api.post(who, "/reviews", json=body), 201)


def test_the_next_review_marks_the_commitments_of_the_previous_one(
    api: Api, clock: FixedClock
) -> None:
    ann = api.join("Ann")
    assert api.get(ann, "/reviews/latest").status_code == 404
    first = review(api, ann)
    assert first["visibility"] == "mentors" and first["period"] == "weekly"
    assert first["signals"] == SIGNALS and first["open_commitments"] == 2
    assert [x["then"] for x in first["commitments"]] == [
        "I will apply for a role",
        "I will call my mentor",
    ]
    assert all(x["kept"] is None for x in first["commitments"])
    assert api.get(ann, "/momentum").json["review_streak"] == 1
    clock.advance(days=7)
    latest = api.get(ann, "/reviews/latest")
    assert latest.status_code == 200 and latest.json == first
    kept, missed = (x["id"] for x in first["commitments"])
    second = review(
        api,
        ann,
        signals=SIGNALS | {"motivation": 4},
        commitments=[],
        outcomes=[
            {"review_id": first["id"], "commitment_id": kept, "kept": True},
            {"review_id": first["id"], "commitment_id": missed, "kept": False},
        ],
    )
    marked = api.get(ann, f"/reviews/{first['id']}").json
    assert [x["kept"] for x in marked["commitments"]] == [True, False]
    assert marked["open_commitments"] == 0 and marked["version"] == 3
    metrics = api.get(ann, "/momentum").json
    assert metrics["commitments_kept_percent"] == 50
    assert metrics["review_streak"] == 2
    listed = api.get(ann, "/reviews").json
    assert [r["id"] for r in listed["items"]] == [second["id"], first["id"]]
    newest, oldest = listed["items"]
    assert newest["signals"]["motivation"] == 4 and newest["title"] == "Weekly review"
    assert oldest["commitments_kept"] == 1 and oldest["commitments_missed"] == 1
    assert oldest["summary"] == "Shipped the demo" and oldest["day"] == "2026-03-02"
    assert listed["next_cursor"] is None


def test_reviews_list_in_pages(api: Api) -> None:
    ann = api.join("Ann")
    ids = [review(api, ann, commitments=[])["id"] for _ in range(3)]
    page = api.get(ann, "/reviews", query_string={"limit": 2}).json
    assert [r["id"] for r in page["items"]] == ids[:0:-1]
    rest = api.get(
        ann, "/reviews", query_string={"limit": 2, "cursor": page["next_cursor"]}
    ).json
    assert [r["id"] for r in rest["items"]] == ids[:1]
    assert rest["next_cursor"] is None
    before = api.events()
    bad = api.get(ann, "/reviews", query_string={"cursor": "not-ours"})
    assert_rejected(api, bad, "cursor", before)
    too_many = api.get(ann, "/reviews", query_string={"limit": 201})
    assert_rejected(api, too_many, "limit", before)
    assert api.get(None, "/reviews").status_code == 401


def test_bad_reviews_name_the_field_and_append_nothing(api: Api) -> None:
    ann, bob = api.join("Ann"), api.join("Bob")
    bobs = review(api, bob)
    first = review(api, ann)
    before = api.events()
    cases = [
        ({"signals": SIGNALS | {"motivation": 6}}, "signals.motivation"),
        ({"signals": SIGNALS | {"focus": 0}}, "signals.focus"),
        ({"signals": {"motivation": 3}}, "signals.focus"),
        ({"signals": SIGNALS | {"mood": 3}}, "signals.mood"),
        ({"period": "daily"}, "period"),
        ({"visibility": "public"}, "visibility"),
        ({"commitments": [{"if_when": "Monday"}]}, "commitments.0.then"),
        ({"commitments": [{"if_when": " ", "then": "x"}]}, "commitments.0.if_when"),
        ({"commitments": NEXT_STEPS * 6}, "commitments"),
        ({"went_well": "x" * 5001}, "went_well"),
        ({"lessons": "Ask\u0000 early"}, "lessons"),
        (
            {"outcomes": [{"review_id": first["id"], "commitment_id": str(uuid4())}]},
            "outcomes.0.kept",
        ),
        (
            {
                "outcomes": [
                    {
                        "review_id": bobs["id"],
                        "commitment_id": bobs["commitments"][0]["id"],
                        "kept": True,
                    }
                ]
            },
            "outcomes.0",
        ),
        (
            {
                "outcomes": [
                    {
                        "review_id": first["id"],
                        "commitment_id": str(uuid4()),
                        "kept": True,
                    }
                ]
            },
            "outcomes.0",
        ),
    ]
    for change, field in cases:
        body = {"signals": SIGNALS} | change
        assert_rejected(api, api.post(ann, "/reviews", json=body), field, before)
    assert api.post(ann, "/reviews", json={}).json["errors"].keys() == {"signals"}
    assert api.events() == before
    assert api.post(None, "/reviews", json={"signals": SIGNALS}).status_code == 401


def test_recording_twice_with_one_idempotency_key_records_once(api: Api) -> None:
    ann = api.join("Ann")
    body = {"signals": SIGNALS, "commitments": NEXT_STEPS}
    key = {"Idempotency-Key": "review-week-10"}
    first = api.post(ann, "/reviews", json=body, headers=key)
    assert first.status_code == 201
    assert_replays(api, ann, "/reviews", first, json=body, headers=key)
    assert len(api.get(ann, "/reviews").json["items"]) == 1


def test_mentors_see_reviews_shown_to_them_strangers_see_none(
    api: Api, system: System
) -> None:
    ann, mia, sam = api.join("Ann"), api.join("Mia"), api.join("Sam")
    mentor(system, ann, mia)
    shown = review(api, ann)["id"]
    private = review(api, ann, visibility="private")["id"]
    assert api.get(mia, f"/reviews/{shown}").status_code == 200
    assert api.get(mia, f"/reviews/{private}").status_code == 404
    assert api.get(sam, f"/reviews/{shown}").status_code == 404
    assert api.get(ann, f"/reviews/{uuid4()}").status_code == 404
    assert api.get(None, f"/reviews/{shown}").status_code == 401
    assert api.get(mia, "/reviews").json["items"] == []  # only one's own
    before = api.events()
    for who in (mia, sam):
        amend = api.patch(who, f"/reviews/{shown}", json={"lessons": "Mine"})
        assert amend.status_code == 404
    assert api.events() == before


def test_amending_a_review_shows_at_once_and_stale_if_match_is_409(
    api: Api, system: System
) -> None:
    ann, mia = api.join("Ann"), api.join("Mia")
    mentor(system, ann, mia)
    first = review(api, ann)
    path = f"/reviews/{first['id']}"
    amended = api.patch(
        ann,
        path,
        json={"went_well": "Shipped the demo and got praise", "visibility": "private"},
        headers={"If-Match": "1"},
    )
    assert amended.status_code == 200, amended.json
    assert amended.json["version"] == 2 and amended.headers["ETag"] == '"2"'
    assert amended.json["stuck_on"] == first["stuck_on"]  # left out: unchanged
    assert api.get(mia, path).status_code == 404  # now private
    listed = api.get(ann, "/reviews").json["items"][0]
    assert listed["summary"] == "Shipped the demo and got praise"
    assert listed["visibility"] == "private"
    rated = api.patch(ann, path, json={"signals": SIGNALS | {"recognition": 5}})
    assert rated.status_code == 200
    assert api.get(ann, "/reviews").json["items"][0]["signals"]["recognition"] == 5
    before = api.events()
    stale = api.patch(ann, path, json={"lessons": "Ask"}, headers={"If-Match": "2"})
    assert stale.status_code == 409 and stale.json["current_version"] == 3
    bad_cases = [
        ({"signals": SIGNALS | {"focus": 6}}, "signals.focus"),
        ({"visibility": "everyone"}, "visibility"),
        ({"period": "monthly"}, "period"),
        ({"lessons": ""}, "changes"),  # nothing changed
    ]
    for body, field in bad_cases:
        assert_rejected(api, api.patch(ann, path, json=body), field, before)


def test_marking_a_commitment_on_its_own(api: Api, system: System) -> None:
    ann, mia = api.join("Ann"), api.join("Mia")
    mentor(system, ann, mia)
    first = review(api, ann)
    one, two = (x["id"] for x in first["commitments"])
    path = f"/reviews/{first['id']}/commitments/{one}"
    key = {"Idempotency-Key": "mark-1"}
    marked = api.post(ann, path, json={"kept": True}, headers=key)
    assert marked.status_code == 200, marked.json
    assert [x["kept"] for x in marked.json["commitments"]] == [True, None]
    assert marked.json["open_commitments"] == 1 and marked.headers["ETag"] == '"2"'
    assert_replays(api, ann, path, marked, json={"kept": True}, headers=key)
    before = api.events()
    cases = [
        (ann, path, {"kept": False}, 422),  # marked already
        (ann, f"/reviews/{first['id']}/commitments/{uuid4()}", {"kept": True}, 422),
        (ann, f"/reviews/{first['id']}/commitments/{two}", {"kept": "maybe"}, 422),
        (mia, f"/reviews/{first['id']}/commitments/{two}", {"kept": True}, 404),
        (None, f"/reviews/{first['id']}/commitments/{two}", {"kept": True}, 401),
    ]
    for who, where, body, status in cases:
        assert api.post(who, where, json=body).status_code == status, (where, body)
    assert api.events() == before
