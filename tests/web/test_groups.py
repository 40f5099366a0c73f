"""Peer groups over the API: create, invite, join, buddies, facilitators, leave and
the board, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from service.clock import FixedClock
from tests.web.conftest import Api, Person
from tests.web.helpers import assert_need_a_token, assert_replays, json_of, log, mentor


def _group(api: Api, who: Person, name: str = "Career changers") -> Any:
    created = api.post(who, "/groups", json={"name": name, "purpose": "Move on"})
    return json_of(created, 201)


def _invite(api: Api, who: Person, group_id: str, **body: Any) -> Any:
    invited = api.post(who, f"/groups/{group_id}/invitations", json=body)
    return json_of(invited, 201)


def _join(api: Api, who: Person, token: str) -> Any:
    return json_of(api.post(who, "/groups/join", json={"token": token}))


def _crew(api: Api) -> tuple[Person, Person, Person, str]:
    """Fay facilitates a group that Ann and Bob joined by an open invitation."""
    fay, ann, bob = api.join("Fay"), api.join("Ann"), api.join("Bob")
    group_id = _group(api, fay)["id"]
    token = _invite(api, fay, group_id)["token"]
    _join(api, ann, token)
    _join(api, bob, token)
    return fay, ann, bob, group_id


def test_facilitator_creates_invites_pairs_and_the_board_shows_it(
    api: Api, clock: FixedClock
) -> None:
    fay, ann, bob = api.join("Fay"), api.join("Ann"), api.join("Bob")
    key = {"Idempotency-Key": "create-1"}
    body = {"name": "Career changers", "purpose": "Move on"}
    created = api.post(fay, "/groups", json=body, headers=key)
    assert created.status_code == 201, created.json
    assert created.headers["ETag"] == f'"{created.json["version"]}"'
    assert created.json["name"] == "Career changers"
    assert [(m["display_name"], m["facilitator"]) for m in created.json["members"]] == [
        ("Fay", True)
    ]
    group_id = created.json["id"]
    assert_replays(api, fay, "/groups", created, json=body, headers=key)

    invitations = f"/groups/{group_id}/invitations"
    key = {"Idempotency-Key": "i"}
    invited = api.post(fay, invitations, json={}, headers=key)
    assert invited.status_code == 201, invited.json
    expires = datetime.fromisoformat(invited.json["expires_at"])
    assert expires == clock.now() + timedelta(days=14)
    assert invited.json["email"] is None and invited.json["group_id"] == group_id
    assert_replays(api, fay, invitations, invited, json={}, headers=key)

    token = invited.json["token"]
    joined = api.post(ann, "/groups/join", json={"token": token})
    assert joined.status_code == 200, joined.json
    assert {m["display_name"] for m in joined.json["members"]} == {"Fay", "Ann"}
    _join(api, bob, token)

    paired = api.post(
        fay,
        f"/groups/{group_id}/buddies",
        json={"member_a": ann.id, "member_b": bob.id},
    )
    assert paired.status_code == 200, paired.json
    assert paired.json["buddy_pairs"] == [
        dict(zip(("member_a", "member_b"), sorted((ann.id, bob.id)), strict=True))
    ]
    seen = api.get(ann, f"/groups/{group_id}")
    assert seen.status_code == 200
    buddy = {m["display_name"]: m["buddy_id"] for m in seen.json["members"]}
    assert buddy == {"Ann": bob.id, "Bob": ann.id, "Fay": None}
    assert seen.json["week_of"] == "2026-03-02"

    mine = api.get(bob, "/groups")
    assert mine.status_code == 200
    assert mine.json == {
        "items": [{"id": group_id, "name": "Career changers"}],
        "next_cursor": None,
    }


def test_the_board_shows_only_group_visible_wins_even_to_owner_and_mentor(
    api: Api, clock: FixedClock
) -> None:
    fay, ann, bob, group_id = _crew(api)
    mentor(api, ann, fay)
    shared = log(
        api, ann, "Gave my first conference talk", win=True, visibility="group"
    )
    log(api, ann, "Negotiated a raise quietly", win=True, visibility="private")
    log(api, ann, "Told my mentor about the offer", win=True, visibility="mentors")
    clock.advance(hours=4)  # and decay from their logging (before noon) on
    for viewer in (bob, ann, fay):  # a member, the owner, her mentor in the group
        board = api.get(viewer, f"/groups/{group_id}")
        assert board.status_code == 200
        assert [(w["action_id"], w["member_id"]) for w in board.json["wins"]] == [
            (shared, ann.id)
        ], viewer.name
        text = board.get_data(as_text=True)
        assert "raise" not in text and "offer" not in text
    row = next(m for m in board.json["members"] if m["member_id"] == ann.id)
    assert row["actions_this_week"] == 3 and row["momentum"] > 0


def test_a_member_who_leaves_loses_the_board(api: Api) -> None:
    fay, ann, bob, group_id = _crew(api)
    api.post(
        fay,
        f"/groups/{group_id}/buddies",
        json={"member_a": ann.id, "member_b": bob.id},
    )
    leave, key = f"/groups/{group_id}/leave", {"Idempotency-Key": "bye"}
    left = api.post(ann, leave, headers=key)
    assert left.status_code == 200, left.json
    assert left.json["id"] == group_id and left.headers["ETag"]
    assert_replays(api, ann, leave, left, headers=key)

    assert api.get(ann, f"/groups/{group_id}").status_code == 404
    assert api.get(ann, "/groups").json["items"] == []
    assert api.post(ann, f"/groups/{group_id}/leave").status_code == 404
    board = api.get(fay, f"/groups/{group_id}").json
    assert {m["display_name"] for m in board["members"]} == {"Fay", "Bob"}
    assert board["buddy_pairs"] == []


def test_facilitators_manage_members_and_name_co_facilitators(api: Api) -> None:
    fay, ann, bob, group_id = _crew(api)
    named = api.post(
        fay, f"/groups/{group_id}/facilitators", json={"member_id": ann.id}
    )
    assert named.status_code == 200, named.json
    leads = {m["display_name"] for m in named.json["members"] if m["facilitator"]}
    assert leads == {"Fay", "Ann"}

    api.post(
        fay,
        f"/groups/{group_id}/buddies",
        json={"member_a": fay.id, "member_b": bob.id},
    )
    unpaired = api.delete(ann, f"/groups/{group_id}/buddies/{bob.id}")
    assert unpaired.status_code == 200, unpaired.json
    assert unpaired.json["buddy_pairs"] == []
    assert unpaired.json["version"] == named.json["version"] + 2

    removed = api.delete(ann, f"/groups/{group_id}/members/{bob.id}")
    assert removed.status_code == 200, removed.json
    assert bob.id not in {m["member_id"] for m in removed.json["members"]}
    assert api.get(bob, f"/groups/{group_id}").status_code == 404


def test_members_who_do_not_facilitate_cannot_manage_and_outsiders_see_nothing(
    api: Api,
) -> None:
    fay, ann, bob, group_id = _crew(api)
    carl = api.join("Carl")
    before = api.events()
    pair = {"member_a": fay.id, "member_b": bob.id}
    tries = [
        ("POST", f"/groups/{group_id}/invitations", {}),
        ("POST", f"/groups/{group_id}/buddies", pair),
        ("POST", f"/groups/{group_id}/facilitators", {"member_id": bob.id}),
        ("DELETE", f"/groups/{group_id}/members/{bob.id}", None),
        ("DELETE", f"/groups/{group_id}/buddies/{bob.id}", None),
    ]
    for method, path, body in tries:
        member = api.call(method, ann, path, json=body)
        assert member.status_code == 422, (path, member.json)
        assert "facilitator" in member.json["detail"]
        outsider = api.call(method, carl, path, json=body)
        assert outsider.status_code == 404, (path, outsider.json)
    assert api.get(carl, f"/groups/{group_id}").status_code == 404
    assert api.post(carl, f"/groups/{group_id}/leave").status_code == 404
    unknown = "00000000-0000-4000-8000-000000000000"
    assert api.get(fay, f"/groups/{unknown}").status_code == 404
    assert api.events() == before

    body = {"name": "x", "token": "t"}
    calls = [
        ("GET", "/groups", body),
        ("POST", "/groups", body),
        ("GET", f"/groups/{group_id}", body),
        ("POST", f"/groups/{group_id}/invitations", body),
        ("POST", "/groups/join", body),
        ("POST", f"/groups/{group_id}/leave", body),
    ]
    assert_need_a_token(api, calls)


def test_join_rejects_garbage_foreign_and_expired_tokens(
    api: Api, clock: FixedClock
) -> None:
    fay, ann, carl = api.join("Fay"), api.join("Ann"), api.join("Carl")
    group_id = _group(api, fay)["id"]
    for_carl = _invite(api, fay, group_id, email="Carl@Example.com")
    assert for_carl["email"] == "carl@example.com"
    open_link = _invite(api, fay, group_id)["token"]
    of_no_group = api.system.app.invitations.make(uuid4(), uuid4())
    of_no_invitation = api.system.app.invitations.make(UUID(group_id), uuid4())
    before = api.events()
    for token in (
        "garbage",
        for_carl["token"][:-3] + "xyz",
        of_no_group,
        of_no_invitation,
        for_carl["token"],
    ):
        refused = api.post(ann, "/groups/join", json={"token": token})
        assert refused.status_code == 422, (token, refused.json)
        assert list(refused.json["errors"]) == ["token"]
    assert "different email" in refused.json["errors"]["token"]
    clock.advance(days=15)
    expired = api.post(ann, "/groups/join", json={"token": open_link})
    assert expired.status_code == 422
    assert "expired" in expired.json["errors"]["token"]
    assert api.events() == before

    clock.set(clock.now() - timedelta(days=15))
    _join(api, carl, for_carl["token"])
    twice = api.post(carl, "/groups/join", json={"token": open_link})
    assert twice.status_code == 409
    assert "already a member" in twice.json["detail"]


def test_other_methods_on_group_paths_are_405_with_allow(api: Api) -> None:
    fay = api.join("Fay")
    group_id = _group(api, fay)["id"]
    before = api.events()
    for method, path, allowed in [
        ("GET", "/groups/join", "POST"),  # not taken for a group id: 405, not 422
        ("DELETE", "/groups/join", "POST"),
        ("PATCH", f"/groups/{group_id}", "GET"),
        ("GET", f"/groups/{group_id}/leave", "POST"),
    ]:
        refused = api.call(method, fay, path)
        assert refused.status_code == 405, (method, path, refused.json)
        allow = {m.strip() for m in refused.headers["Allow"].split(",")}
        assert allowed in allow and method not in allow, (method, path, allow)
    assert api.events() == before
