"""GET /me/export and DELETE /me (SPEC 9): my data as JSON, and erasure."""

from __future__ import annotations

from uuid import UUID

from projections.mentoring import triage
from projections.privacy import member_rows
from service import commands as c
from system import System
from tests.conftest import PASSWORD
from tests.web.conftest import Api, Person
from tests.web.helpers import mentor, set_goal


def test_export_holds_my_events_and_rows_but_no_one_elses_private_content(
    api: Api, system: System
) -> None:
    ann, bob = api.join("Ann"), api.join("Bob")
    mentor(system, bob, ann)  # Ann mentors Bob
    mine = UUID(set_goal(system, ann, "private", "Ann plans a Zanzibar talk"))
    system.write(c.LogAction(UUID(ann.id), "learning", "Ann reads", notes="Ann notes"))
    shared = UUID(set_goal(system, bob, "mentors", "Bob shares this goal"))
    set_goal(system, bob, "private", "Bob keeps this Quokka secret")
    system.write(c.GiveFeedback(UUID(ann.id), "goal", shared, "Ann's advice to Bob"))
    system.write(c.GiveFeedback(UUID(bob.id), "goal", shared, "Bob's own remark"))

    response = api.get(ann, "/me/export")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Quokka" not in response.text  # Bob's private goal
    assert "Bob's own remark" not in response.text  # Bob's, on his own goal
    document = response.get_json()
    assert document["member_id"] == ann.id
    assert document["account"]["email"] == "ann@example.com"
    assert "password_hash" not in response.text
    titles = {e["data"].get("title") for e in document["events"]}
    assert {"Ann plans a Zanzibar talk", "Ann reads"} <= titles
    texts = {e["data"].get("text") for e in document["events"]}
    assert "Ann's advice to Bob" in texts
    assert all(e["actor_id"] in (ann.id, None) for e in document["events"])
    rows = document["read_models"]
    assert [g["goal_id"] for g in rows["rm_goals"]] == [str(mine)]
    assert {e["summary"] for e in rows["rm_journal_entries"]} >= {"Ann notes"}
    assert api.get(None, "/me/export").status_code == 401


def _erase(api: Api, who: Person, password: str | None = PASSWORD) -> int:
    body = {} if password is None else {"password": password}
    return api.delete(who, "/me", json=body).status_code


def test_delete_me_erases_the_account_and_every_token_stops_working(
    api: Api, system: System
) -> None:
    ann, bob = api.join("Ann"), api.join("Bob")
    second = api.client.post(
        "/api/v1/auth/tokens", json={"email": ann.email, "password": PASSWORD}
    ).get_json()["token"]
    mentor(system, ann, bob)  # Bob mentors Ann
    goal = UUID(set_goal(system, ann, "mentors", "Ann plans a Zanzibar talk"))
    system.write(c.GiveFeedback(UUID(bob.id), "goal", goal, "Bob's kind words"))
    with system.read() as conn:
        assert [m.member_id for m in triage(conn, bob.id, system.now())] == [ann.id]

    assert _erase(api, ann) == 204

    for token in (ann.token, second):
        gone = api.get(None, "/me", headers={"Authorization": f"Bearer {token}"})
        assert gone.status_code == 401
    signed_in = api.client.post(
        "/api/v1/auth/tokens", json={"email": ann.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 401
    assert system.app.keys.store.fetch(UUID(ann.id)) == (True, None)
    (goal_set,) = list(system.app.events_of(goal))
    assert goal_set.title == "" and goal_set.owner_id == UUID(ann.id)
    with system.read() as conn:
        assert triage(conn, bob.id, system.now()) == []
        rows = member_rows(conn, UUID(ann.id))
        left = {t for t, r in rows.items() if r}
    assert left == {"audit_index"}  # content-free metadata only
    assert api.get(bob, "/me").status_code == 200  # Bob is untouched


def test_delete_me_needs_my_password_and_changes_nothing_without_it(
    api: Api, system: System
) -> None:
    ann = api.join("Ann")
    before = api.events()

    missing = api.delete(ann, "/me", json={})
    assert missing.status_code == 422 and "password" in missing.get_json()["errors"]
    assert _erase(api, ann, "") == 422
    wrong = api.delete(ann, "/me", json={"password": "not my password"})
    assert wrong.status_code == 401
    assert api.delete(None, "/me", json={"password": PASSWORD}).status_code == 401

    assert api.events() == before
    assert system.app.keys.store.fetch(UUID(ann.id))[1] is not None
    assert api.get(ann, "/me").status_code == 200


def test_the_last_facilitator_of_a_group_must_hand_over_before_deleting(
    api: Api, system: System
) -> None:
    ann, bob = api.join("Ann"), api.join("Bob")
    group = system.write(c.CreateGroup(UUID(ann.id), "Career changers")).id
    invite = system.write(c.InviteToGroup(UUID(ann.id), group))
    system.write(c.JoinGroup(UUID(bob.id), invite.extra["token"]))
    before = api.events()

    refused = api.delete(ann, "/me", json={"password": PASSWORD})

    assert refused.status_code == 422
    assert "Career changers" in refused.get_json()["detail"]
    assert api.events() == before
    system.write(c.AddFacilitator(UUID(ann.id), group, UUID(bob.id)))
    assert _erase(api, ann) == 204
    assert system.app.repository.get(group).members == {UUID(bob.id)}


def test_the_openapi_document_keeps_every_method_of_me(api: Api) -> None:
    paths = api.client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/me"])
    assert "get" in paths["/api/v1/me/export"]
