"""Mentorships and the mentor's view over the API: invite, accept, decline, end,
the triage list and a mentee's timeline, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from service import commands as c
from service.clock import FixedClock
from tests.web.conftest import Api, Person
from tests.web.helpers import assert_rejected, log
from tests.web.helpers import mentor as mentor_of


def invite(api: Api, mentee: Person, email: str, **headers: str) -> Any:
    """`mentee` invites whoever holds `email`; the response."""
    return api.post(
        mentee,
        "/mentorships",
        json={"mentor_email": email, "message": "Would you mentor me?"},
        headers=headers,
    )


def test_mentee_invites_a_newcomer_who_signs_up_accepts_and_sees_the_timeline(
    api: Api,
) -> None:
    ann = api.join("Ann")
    proposed = invite(api, ann, "Max@Example.com")  # Max has no account yet
    assert proposed.status_code == 201, proposed.json
    link = proposed.json
    assert link["status"] == "proposed" and link["role"] == "mentee"
    assert link["mentor_email"] == "max@example.com" and link["mentor_id"] is None
    assert link["mentee_name"] == "Ann"
    assert proposed.headers["ETag"] == f'"{link["version"]}"'

    max_ = api.join("Max")
    invited = api.get(max_, "/mentorships").json["items"]
    assert [(x["id"], x["role"], x["status"]) for x in invited] == [
        (link["id"], "mentor", "proposed")
    ]
    assert api.get(max_, "/mentees").json == {"items": [], "next_cursor": None}

    accepted = api.post(max_, f"/mentorships/{link['id']}/accept")
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "accepted"
    assert accepted.json["mentor_id"] == max_.id
    assert accepted.json["mentor_name"] == "Max"
    assert accepted.json["version"] == link["version"] + 1
    mine = api.get(ann, "/mentorships").json["items"]
    assert [(x["status"], x["mentor_name"]) for x in mine] == [("accepted", "Max")]

    shown = log(api, ann, "Read a chapter on negotiation")
    log(api, ann, "Updated my CV in secret", visibility="private")
    api.system.write(
        c.RecordReview(
            UUID(ann.id), dict.fromkeys(REVIEW_SIGNALS, 3), visibility="group"
        )
    )
    timeline = api.get(max_, f"/mentees/{ann.id}/timeline")
    assert timeline.status_code == 200, timeline.json
    entries = timeline.json["items"]
    assert [e["kind"] for e in entries] == ["review", "action"]
    assert entries[1]["item_id"] == shown
    assert "in secret" not in timeline.get_data(as_text=True)
    actions = api.get(
        max_, f"/mentees/{ann.id}/timeline", query_string={"kind": "action"}
    )
    assert [e["item_id"] for e in actions.json["items"]] == [shown]


REVIEW_SIGNALS = ("motivation", "focus", "learning", "recognition", "satisfaction")


def test_the_triage_list_puts_the_neediest_first_and_says_why(
    api: Api, clock: FixedClock
) -> None:
    max_, ann, bob, cy = (api.join(n) for n in ("Max", "Ann", "Bob", "Cy"))
    for mentee in (ann, bob, cy):
        mentor_of(api, mentee, max_)
    due = clock.now().date() + timedelta(days=60)
    for vis in ("mentors", "private"):  # both stall; Max may see one of them
        api.system.write(
            c.SetGoal(
                UUID(ann.id),
                "Lead the design review",
                "short",
                "Growth",
                due,
                visibility=vis,
            )
        )
    clock.advance(days=15, hours=9)  # Tuesday 17 March, 18:00 UTC
    for i in range(3):
        log(api, ann, f"Chapter {i}")
    api.system.write(c.RecordReview(UUID(cy.id), dict.fromkeys(REVIEW_SIGNALS, 5)))

    response = api.get(max_, "/mentees")
    assert response.status_code == 200, response.json
    cards = response.json["items"]
    assert [card["display_name"] for card in cards] == ["Bob", "Cy", "Ann"]
    bob_card, cy_card, ann_card = cards
    # Bob never acted: s = 0.5, b = 1, i = 1 → 80, high
    assert (bob_card["rut_risk"], bob_card["rut_level"]) == (80, "high")
    assert bob_card["reasons"] == ["no action logged yet", "momentum 0 of 100"]
    assert bob_card["rut_risk_change"] == 0 and bob_card["rising"] is False
    # Ann: three actions today (momentum 34) and no check-in: s = 0.5 → 46
    assert (ann_card["momentum"], ann_card["rut_risk"]) == (34, 46)
    assert ann_card["rut_risk_change"] == 46 - 80
    assert ann_card["stalled_goals"] == 1 and ann_card["actions_this_week"] == 3
    assert ann_card["reasons"] == ["momentum 34 of 100", "1 stalled goal"]
    # Cy: an all-5 check-in just now: s = 0, momentum 12 (b = 0.88), i = 1 → 55
    assert (cy_card["rut_risk"], cy_card["rut_level"]) == (55, "medium")
    assert cy_card["rut_risk_change"] == 55 - 80

    first = api.get(max_, "/mentees", query_string={"limit": 2})
    assert [x["display_name"] for x in first.json["items"]] == ["Bob", "Cy"]
    rest = api.get(
        max_, "/mentees", query_string={"limit": 2, "cursor": first.json["next_cursor"]}
    )
    assert [x["display_name"] for x in rest.json["items"]] == ["Ann"]
    assert rest.json["next_cursor"] is None
    assert api.get(ann, "/mentees").json["items"] == []  # Ann mentors nobody


def test_declining_leaves_no_access_and_the_mentee_may_ask_again(api: Api) -> None:
    ann, max_ = api.join("Ann"), api.join("Max")
    link = invite(api, ann, max_.email).json["id"]
    declined = api.post(max_, f"/mentorships/{link}/decline")
    assert declined.status_code == 200, declined.json
    assert declined.json["status"] == "declined" and declined.json["role"] == "mentor"
    assert api.get(max_, "/mentorships").json["items"] == []
    assert [x["status"] for x in api.get(ann, "/mentorships").json["items"]] == [
        "declined"
    ]
    assert api.get(max_, f"/mentees/{ann.id}/timeline").status_code == 404
    again = invite(api, ann, max_.email)
    assert again.status_code == 201, again.json
    assert again.json["id"] == link and again.json["status"] == "proposed"


def test_ending_takes_the_mentees_timeline_away_from_either_side(api: Api) -> None:
    ann, bob, max_ = api.join("Ann"), api.join("Bob"), api.join("Max")
    by_mentee, by_mentor = mentor_of(api, ann, max_), mentor_of(api, bob, max_)
    log(api, ann, "Asked for a stretch project")
    assert api.get(max_, f"/mentees/{ann.id}/timeline").status_code == 200

    ended = api.post(ann, f"/mentorships/{by_mentee}/end")  # no body: no reason
    assert ended.status_code == 200, ended.json
    assert ended.json["status"] == "ended"
    stopped = api.post(
        max_, f"/mentorships/{by_mentor}/end", json={"reason": "Changing roles"}
    )
    assert stopped.status_code == 200, stopped.json
    assert stopped.json["status"] == "ended"

    for mentee in (ann, bob):
        gone = api.get(max_, f"/mentees/{mentee.id}/timeline")
        assert gone.status_code == 404
        assert gone.mimetype == "application/problem+json"
        assert "stretch" not in gone.get_data(as_text=True)
    assert api.get(max_, "/mentees").json["items"] == []
    statuses = [x["status"] for x in api.get(max_, "/mentorships").json["items"]]
    assert statuses == ["ended", "ended"]
    before = api.events()
    assert api.post(ann, f"/mentorships/{by_mentee}/end").status_code == 422
    assert api.events() == before


def test_only_the_invited_mentor_answers_and_others_get_404(api: Api) -> None:
    ann, max_, sam = api.join("Ann"), api.join("Max"), api.join("Sam")
    link = invite(api, ann, max_.email).json["id"]
    log(api, ann, "Went to a meetup")
    before = api.events()
    for who, path in [
        (ann, f"{link}/accept"),  # the mentee cannot accept for the mentor
        (ann, f"{link}/decline"),
        (sam, f"{link}/accept"),
        (sam, f"{link}/decline"),
        (sam, f"{link}/end"),
        (max_, f"{uuid4()}/accept"),
        (max_, f"{uuid4()}/end"),
    ]:
        response = api.post(who, f"/mentorships/{path}")
        assert response.status_code == 404, (who.name, path, response.json)
        assert response.mimetype == "application/problem+json"
    assert api.get(sam, "/mentorships").json["items"] == []
    # a pending mentor sees no timeline, and nor does a stranger or the mentee
    for who in (max_, sam, ann):
        assert api.get(who, f"/mentees/{ann.id}/timeline").status_code == 404
    assert api.get(max_, f"/mentees/{uuid4()}/timeline").status_code == 404
    assert api.events() == before


def test_bad_input_names_the_field_and_appends_nothing(api: Api) -> None:
    ann, max_ = api.join("Ann"), api.join("Max")
    link = mentor_of(api, ann, max_)
    before = api.events()
    cases = [
        ({"mentor_email": "not an email"}, "mentor_email"),
        ({"mentor_email": "x" * 300 + "@example.com"}, "mentor_email"),
        ({"mentor_email": "bob@example.com", "message": "m" * 1001}, "message"),
        ({"mentor_email": "bob@example.com", "colour": "red"}, "colour"),
        ({}, "mentor_email"),
    ]
    for body, field in cases:
        assert_rejected(api, api.post(ann, "/mentorships", json=body), field, before)
    own = invite(api, ann, ann.email)
    assert own.status_code == 422 and "own mentor" in own.json["detail"]
    long_reason = {"reason": "r" * 1001}
    ending = api.post(ann, f"/mentorships/{link}/end", json=long_reason)
    assert_rejected(api, ending, "reason", before)
    timeline = f"/mentees/{ann.id}/timeline"
    for query, field in [
        ({"kind": "selfies"}, "kind"),
        ({"cursor": "bogus"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
    ]:
        response = api.get(max_, timeline, query_string=query)
        assert_rejected(api, response, field, before)
    bad_cursor = api.get(max_, "/mentees", query_string={"cursor": "bogus"})
    assert_rejected(api, bad_cursor, "cursor", before)
    again = invite(api, ann, max_.email)  # already accepted
    assert again.status_code == 409 and api.events() == before


def test_every_route_needs_a_token(api: Api) -> None:
    ann = api.join("Ann")
    link = invite(api, ann, "max@example.com").json["id"]
    before = api.events()
    calls = [
        ("POST", "/mentorships", {"mentor_email": "bob@example.com"}),
        ("POST", "/mentorships", {"mentor_email": "nope"}),  # 401 before 422
        ("POST", f"/mentorships/{link}/accept", None),
        ("POST", f"/mentorships/{link}/decline", None),
        ("POST", f"/mentorships/{link}/end", None),
        ("GET", "/mentorships", None),
        ("GET", "/mentees", None),
        ("GET", f"/mentees/{ann.id}/timeline", None),
    ]
    for method, path, body in calls:
        response = api.call(method, None, path, json=body)
        assert response.status_code == 401, (method, path, response.json)
        assert response.mimetype == "application/problem+json"
    expired = Person(ann.id, ann.email, ann.name, "not-a-token")
    assert api.get(expired, "/mentorships").status_code == 401
    assert api.events() == before


def test_replaying_a_request_with_its_idempotency_key_appends_nothing(
    api: Api,
) -> None:
    ann, max_ = api.join("Ann"), api.join("Max")
    first = invite(api, ann, max_.email, **{"Idempotency-Key": "ask-max"})
    before = api.events()
    second = invite(api, ann, max_.email, **{"Idempotency-Key": "ask-max"})
    assert first.status_code == second.status_code == 201
    assert first.json == second.json and api.events() == before
    without_key = invite(api, ann, max_.email)
    assert without_key.status_code == 409  # the request itself is not repeatable

    path = f"/mentorships/{first.json['id']}/accept"
    key = {"Idempotency-Key": "yes-ann"}
    accepted = api.post(max_, path, headers=key)
    before = api.events()
    replayed = api.post(max_, path, headers=key)
    assert accepted.status_code == replayed.status_code == 200
    assert accepted.json == replayed.json and api.events() == before
    reused = api.post(max_, f"/mentorships/{first.json['id']}/end", headers=key)
    assert reused.status_code == 409 and api.events() == before
