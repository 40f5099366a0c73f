"""Feedback, cheers and mentor suggestions over the API, on SQLite and PostgreSQL:
who may comment on what, who sees it, withdrawal, and suggestions that become
milestones."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from projections import goals_queries, notifications_queries
from service.clock import FixedClock
from tests.web.conftest import Api, Person
from tests.web.helpers import (
    assert_need_a_token,
    assert_rejected,
    assert_replays,
    json_of,
    log,
    mentor,
    set_goal,
)


def give(api: Api, who: Person, kind: str, item: str, text: str, **headers: str) -> Any:
    body = {"item_kind": kind, "item_id": item, "text": text}
    return api.post(who, "/feedback", json=body, headers=headers)


def listed(api: Api, who: Person, kind: str, item: str) -> Any:
    query = {"item_kind": kind, "item_id": item}
    return api.get(who, "/feedback", query_string=query)


def kinds_of_notifications(api: Api, who: Person) -> list[str]:
    with api.system.read() as conn:
        page = notifications_queries.notifications_for(conn, who.id)
    return [n.kind for n in page.items]


def test_mentor_gives_feedback_the_mentee_reads_it_and_the_author_withdraws_it(
    api: Api,
) -> None:
    ann, max_, sam = api.join("Ann"), api.join("Max"), api.join("Sam")
    mentor(api, ann, max_)
    shared = set_goal(api, ann, "mentors")

    given = give(api, max_, "goal", shared, "  Good scope: book the room next.  ")
    assert given.status_code == 201, given.json
    note = given.json
    assert note["text"] == "Good scope: book the room next."
    assert (note["author_id"], note["author_name"]) == (max_.id, "Max")
    assert (note["item_kind"], note["item_id"]) == ("goal", shared)
    assert given.headers["ETag"] == f'"{note["version"]}"'
    assert "feedback_received" in kinds_of_notifications(api, ann)

    seen = listed(api, ann, "goal", shared)
    assert seen.status_code == 200, seen.json
    expected = {k: v for k, v in note.items() if k != "version"}
    assert seen.json == {"items": [expected], "next_cursor": None}
    assert api.get(ann, f"/feedback/{note['id']}").json == expected
    assert api.get(max_, f"/feedback/{note['id']}").json == expected
    assert api.get(sam, f"/feedback/{note['id']}").status_code == 404
    assert listed(api, sam, "goal", shared).status_code == 404

    before = api.events()
    for who in (ann, sam):  # only the author withdraws
        assert api.delete(who, f"/feedback/{note['id']}").status_code == 404
    assert api.events() == before
    withdrawn = api.delete(max_, f"/feedback/{note['id']}")
    assert withdrawn.status_code == 200, withdrawn.json
    assert withdrawn.json == {"id": note["id"], "version": note["version"] + 1}
    assert api.get(ann, f"/feedback/{note['id']}").status_code == 404
    assert listed(api, ann, "goal", shared).json["items"] == []


def test_feedback_only_on_items_the_author_may_see(api: Api) -> None:
    ann, max_, pete = api.join("Ann"), api.join("Max"), api.join("Pete")
    link = mentor(api, ann, max_)
    api.post(ann, "/mentorships", json={"mentor_email": pete.email})  # pending
    hidden = set_goal(api, ann, "private")
    shared = set_goal(api, ann, "mentors")
    action = log(api, ann, "Booked the room")
    before = api.events()
    for who, kind, item in [
        (max_, "goal", hidden),  # private: the owner's only
        (pete, "goal", shared),  # a pending mentor sees nothing
        (max_, "action", shared),  # a goal's id is no action
        (max_, "review", str(uuid4())),
    ]:
        response = give(api, who, kind, item, "Nice")
        assert response.status_code == 404, (who.name, kind, response.json)
        assert listed(api, who, kind, item).status_code == 404
        cheered = api.post(who, "/cheers", json={"item_kind": kind, "item_id": item})
        assert cheered.status_code == 404
    assert api.events() == before
    assert give(api, max_, "action", action, "Well done").status_code == 201
    assert give(api, ann, "goal", hidden, "Note to self").status_code == 201

    api.post(max_, f"/mentorships/{link}/end")  # a former mentor sees nothing
    before = api.events()
    assert give(api, max_, "action", action, "Still here?").status_code == 404
    assert listed(api, max_, "action", action).status_code == 404
    assert api.events() == before


def test_bad_feedback_names_the_field_and_appends_nothing(api: Api) -> None:
    ann, max_ = api.join("Ann"), api.join("Max")
    mentor(api, ann, max_)
    shared = set_goal(api, ann, "mentors")
    before = api.events()
    for body, field in [
        ({"item_kind": "photo", "item_id": shared, "text": "Hi"}, "item_kind"),
        ({"item_kind": "goal", "item_id": "not-a-uuid", "text": "Hi"}, "item_id"),
        ({"item_kind": "goal", "item_id": shared, "text": "   "}, "text"),
        ({"item_kind": "goal", "item_id": shared, "text": "x" * 5001}, "text"),
        ({"item_kind": "goal", "item_id": shared}, "text"),
    ]:
        assert_rejected(api, api.post(max_, "/feedback", json=body), field, before)
    for query, field in [
        ({"item_kind": "goal"}, "item_id"),
        ({"item_kind": "post", "item_id": shared}, "item_kind"),
        ({"item_kind": "goal", "item_id": shared, "cursor": "bogus"}, "cursor"),
        ({"item_kind": "goal", "item_id": shared, "limit": 0}, "limit"),
    ]:
        response = api.get(max_, "/feedback", query_string=query)
        assert_rejected(api, response, field, before)
    cheer = api.post(max_, "/cheers", json={"item_kind": "goal"})
    assert_rejected(api, cheer, "item_id", before)


def test_feedback_pages_oldest_first(api: Api, clock: FixedClock) -> None:
    ann, max_ = api.join("Ann"), api.join("Max")
    mentor(api, ann, max_)
    shared = set_goal(api, ann, "mentors")
    for n in range(3):
        give(api, max_, "goal", shared, f"Note {n}")
        clock.advance(minutes=1)
    query = {"item_kind": "goal", "item_id": shared, "limit": 2}
    first = api.get(ann, "/feedback", query_string=query)
    assert [x["text"] for x in first.json["items"]] == ["Note 0", "Note 1"]
    rest = api.get(
        ann, "/feedback", query_string=query | {"cursor": first.json["next_cursor"]}
    )
    assert [x["text"] for x in rest.json["items"]] == ["Note 2"]
    assert rest.json["next_cursor"] is None


def test_cheering_a_win_once_and_never_ones_own(api: Api) -> None:
    ann, max_ = api.join("Ann"), api.join("Max")
    mentor(api, ann, max_)
    win = log(api, ann, "Gave my first talk", win=True)
    body = {"item_kind": "action", "item_id": win}
    key = {"Idempotency-Key": "cheer-1"}
    cheered = api.post(max_, "/cheers", json=body, headers=key)
    assert cheered.status_code == 201, cheered.json
    assert cheered.json["item_id"] == win and cheered.json["version"] == 1
    assert "cheer_received" in kinds_of_notifications(api, ann)
    assert_replays(api, max_, "/cheers", cheered, json=body, headers=key)
    before = api.events()
    assert api.post(max_, "/cheers", json=body).status_code == 409  # once only
    own = api.post(ann, "/cheers", json=body)
    assert own.status_code == 422 and "your own" in own.json["detail"]
    assert api.events() == before


def test_mentor_suggests_and_the_mentee_accepts_one_and_declines_another(
    api: Api, clock: FixedClock
) -> None:
    ann, max_, sam = api.join("Ann"), api.join("Max"), api.join("Sam")
    mentor(api, ann, max_)
    shared = set_goal(api, ann, "mentors")
    due = (clock.now().date() + timedelta(days=20)).isoformat()
    body = {
        "goal_id": shared,
        "kind": "milestone",
        "title": "Ask two colleagues for a review",
        "note": "They know the system best",
        "due_on": due,
    }
    key = {"Idempotency-Key": "s"}
    made = api.post(max_, "/suggestions", json=body, headers=key)
    assert made.status_code == 201, made.json
    suggestion = made.json
    assert suggestion["status"] == "pending" and suggestion["milestone"] is None
    assert (suggestion["mentor_id"], suggestion["mentee_id"]) == (max_.id, ann.id)
    assert_replays(api, max_, "/suggestions", made, json=body, headers=key)
    before = api.events()
    assert "suggestion_made" in kinds_of_notifications(api, ann)

    path = f"/suggestions/{suggestion['id']}"
    for who in (max_, sam):  # only the mentee answers
        assert api.post(who, f"{path}/accept").status_code == 404
    assert api.events() == before
    accepted = api.post(ann, f"{path}/accept")
    assert accepted.status_code == 200, accepted.json
    milestone = accepted.json["milestone"]
    assert accepted.json["status"] == "accepted"
    assert (milestone["title"], milestone["due_on"]) == (body["title"], due)
    assert milestone["completed"] is False
    with api.system.read() as conn:
        roadmap = goals_queries.milestones(conn, ann.id, shared)
    assert [m.milestone_id for m in roadmap] == [milestone["id"]]
    assert roadmap[0].due_on == date.fromisoformat(due)
    before = api.events()
    assert api.post(ann, f"{path}/accept").status_code == 409  # answered already
    assert api.events() == before

    other = api.post(max_, "/suggestions", json=body | {"kind": "action"}).json
    declined = api.post(
        ann, f"/suggestions/{other['id']}/decline", json={"reason": "Not now"}
    )
    assert declined.status_code == 200, declined.json
    assert declined.json["status"] == "declined" and declined.json["milestone"] is None
    with api.system.read() as conn:
        assert len(goals_queries.milestones(conn, ann.id, shared)) == 1


def test_only_accepted_mentors_suggest_and_bad_suggestions_are_422(api: Api) -> None:
    ann, max_, pete = api.join("Ann"), api.join("Max"), api.join("Pete")
    mentor(api, ann, max_)
    api.post(ann, "/mentorships", json={"mentor_email": pete.email})  # pending
    shared = set_goal(api, ann, "mentors")
    hidden = set_goal(api, ann, "private")
    body = {"goal_id": shared, "kind": "milestone", "title": "Book the room"}
    before = api.events()
    for who, goal_id in [(pete, shared), (ann, shared), (max_, hidden)]:
        response = api.post(who, "/suggestions", json=body | {"goal_id": goal_id})
        assert response.status_code == 404, (who.name, response.json)
    for change, field in [
        ({"kind": "meeting"}, "kind"),
        ({"title": "  "}, "title"),
        ({"title": "t" * 151}, "title"),
        ({"note": "n" * 2001}, "note"),
        ({"due_on": "next week"}, "due_on"),
        ({"goal_id": "42"}, "goal_id"),
    ]:
        response = api.post(max_, "/suggestions", json=body | change)
        assert_rejected(api, response, field, before)
    unknown = f"/suggestions/{uuid4()}"
    assert api.post(ann, f"{unknown}/accept").status_code == 404
    assert api.post(ann, f"{unknown}/decline").status_code == 404
    made = api.post(max_, "/suggestions", json=body).json
    before = api.events()
    long_reason = {"reason": "r" * 1001}
    response = api.post(ann, f"/suggestions/{made['id']}/decline", json=long_reason)
    assert_rejected(api, response, "reason", before)


def test_a_garbled_optional_body_is_422_and_only_an_empty_one_counts_as_none(
    api: Api,
) -> None:
    # Declining a suggestion (and ending a mentorship, whose tests live elsewhere)
    # takes an optional body: a body that is not JSON is no "no body".
    ann, max_ = api.join("Ann"), api.join("Max")
    link = mentor(api, ann, max_)
    body = {"goal_id": set_goal(api, ann), "kind": "action", "title": "Book it"}
    made = json_of(api.post(max_, "/suggestions", json=body), 201)
    decline, end = f"/suggestions/{made['id']}/decline", f"/mentorships/{link}/end"
    before = api.events()
    for path in (decline, end):
        for data, mimetype in [
            ("{", "application/json"),
            ('{"reason": "Not now"', "application/json"),
            ("null", "application/json"),
            ("Not now", "text/plain"),
        ]:
            garbled = api.post(ann, path, data=data, content_type=mimetype)
            assert_rejected(api, garbled, "body", before)
    declined = api.post(ann, decline, data="", content_type="application/json")
    assert declined.status_code == 200, declined.json
    assert declined.json["status"] == "declined"
    ended = api.post(ann, end)
    assert ended.status_code == 200 and ended.json["status"] == "ended"


def test_every_feedback_route_needs_a_token(api: Api) -> None:
    some = str(uuid4())
    calls = [
        ("POST", "/feedback", {"item_kind": "goal", "item_id": some, "text": "Hi"}),
        ("POST", "/feedback", {"item_kind": "nope"}),  # 401 before 422
        ("GET", f"/feedback?item_kind=goal&item_id={some}", None),
        ("GET", f"/feedback/{some}", None),
        ("DELETE", f"/feedback/{some}", None),
        ("POST", "/cheers", {"item_kind": "goal", "item_id": some}),
        ("POST", "/suggestions", {"goal_id": some, "kind": "action", "title": "x"}),
        ("POST", f"/suggestions/{some}/accept", None),
        ("POST", f"/suggestions/{some}/decline", None),
    ]
    assert_need_a_token(api, calls)
    assert api.events() == 0


def test_replaying_feedback_with_its_idempotency_key_appends_nothing(api: Api) -> None:
    ann, max_ = api.join("Ann"), api.join("Max")
    mentor(api, ann, max_)
    shared = set_goal(api, ann, "mentors")
    first = give(api, max_, "goal", shared, "Keep going", **{"Idempotency-Key": "f1"})
    before = api.events()
    second = give(api, max_, "goal", shared, "Keep going", **{"Idempotency-Key": "f1"})
    assert first.status_code == second.status_code == 201
    assert first.json == second.json and api.events() == before
    assert len(listed(api, ann, "goal", shared).json["items"]) == 1
    other = give(api, max_, "goal", shared, "Different", **{"Idempotency-Key": "f1"})
    assert other.status_code == 409 and api.events() == before
