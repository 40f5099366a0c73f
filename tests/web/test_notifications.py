"""In-app notifications over the API: the list, the unread count and the read mark,
on SQLite and PostgreSQL."""

from __future__ import annotations

from uuid import UUID

from service import commands as c
from tests.web.conftest import Api, Person
from tests.web.helpers import assert_rejected, assert_replays, log, share_group


def _cheered_and_commented(api: Api) -> tuple[Person, Person, Person]:
    """Ann joins Fay's group, logs a group win; Fay cheers it and comments on it."""
    fay, ann, bob = api.join("Fay"), api.join("Ann"), api.join("Bob")
    share_group(api, fay, ann)
    title = "Shipped my portfolio site"
    action = UUID(log(api, ann, title, win=True, visibility="group"))
    api.system.write(c.CheerItem(UUID(fay.id), "action", action))
    api.system.write(c.GiveFeedback(UUID(fay.id), "action", action, "Looks great!"))
    return fay, ann, bob


def test_cheers_feedback_and_joins_notify_and_reading_clears_the_count(
    api: Api,
) -> None:
    fay, ann, bob = _cheered_and_commented(api)
    inbox = api.get(ann, "/notifications")
    assert inbox.status_code == 200, inbox.json
    assert [n["kind"] for n in inbox.json["items"]] == [
        "feedback_received",
        "cheer_received",
    ]
    assert inbox.json["items"][0]["text"].startswith("Fay left feedback on your action")
    assert inbox.json["items"][0]["actor_id"] == fay.id
    assert inbox.json["unread_count"] == 2
    assert not any(n["read"] for n in inbox.json["items"])
    hosts = api.get(fay, "/notifications").json
    assert [n["kind"] for n in hosts["items"]] == ["group_joined"]
    assert api.get(bob, "/notifications").json == {
        "items": [],
        "next_cursor": None,
        "unread_count": 0,
    }

    older = inbox.json["items"][1]["id"]
    partly = api.post(ann, "/notifications/read", json={"up_to": older})
    assert partly.status_code == 200, partly.json
    assert partly.json["read_up_to"] == older and partly.json["unread_count"] == 1
    assert partly.headers["ETag"] == f'"{partly.json["version"]}"'
    unread = api.get(ann, "/notifications", query_string={"unread": "true"}).json
    assert [n["kind"] for n in unread["items"]] == ["feedback_received"]

    head = api.events()
    cleared = api.post(ann, "/notifications/read", json={})
    assert cleared.status_code == 200, cleared.json
    assert cleared.json["unread_count"] == 0
    assert cleared.json["read_up_to"] == head >= inbox.json["items"][0]["id"]
    after = api.get(ann, "/notifications").json
    assert after["unread_count"] == 0 and all(n["read"] for n in after["items"])
    none_left = api.get(ann, "/notifications", query_string={"unread": "1"})
    assert none_left.json["items"] == []


def test_notifications_come_a_page_at_a_time(api: Api) -> None:
    _, ann, _ = _cheered_and_commented(api)
    first = api.get(ann, "/notifications", query_string={"limit": 1}).json
    assert [n["kind"] for n in first["items"]] == ["feedback_received"]
    rest = api.get(
        ann, "/notifications", query_string={"limit": 1, "cursor": first["next_cursor"]}
    ).json
    assert [n["kind"] for n in rest["items"]] == ["cheer_received"]
    assert rest["next_cursor"] is None


def test_marking_all_read_twice_with_one_key_appends_once_even_after_news(
    api: Api,
) -> None:
    fay, ann, _ = _cheered_and_commented(api)
    key = {"Idempotency-Key": "read-all"}
    first = api.post(ann, "/notifications/read", json={}, headers=key)
    assert first.status_code == 200, first.json
    assert first.json["unread_count"] == 0
    assert_replays(api, ann, "/notifications/read", first, json={}, headers=key)

    action = UUID(api.get(ann, "/notifications").json["items"][0]["item_id"])
    api.system.write(c.GiveFeedback(UUID(fay.id), "action", action, "And again!"))
    before = api.events()
    retried = api.post(ann, "/notifications/read", json={}, headers=key)
    assert retried.status_code == 200, retried.json  # a replay, not a 409
    assert retried.json["version"] == first.json["version"]
    assert retried.json["read_up_to"] == first.json["read_up_to"]
    assert retried.json["unread_count"] == 1  # the news came after the first request
    assert api.events() == before


def test_marking_read_without_a_body_marks_everything(api: Api) -> None:
    _, ann, _ = _cheered_and_commented(api)
    head = api.events()
    cleared = api.post(ann, "/notifications/read")
    assert cleared.status_code == 200, cleared.json
    assert (cleared.json["read_up_to"], cleared.json["unread_count"]) == (head, 0)
    doc = api.client.get("/api/v1/openapi.json").json
    assert doc["paths"]["/api/v1/notifications/read"]["post"]["requestBody"] == {
        "description": "Optional: no body marks every notification read.",
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/NotificationReadBody"}
            }
        },
        "required": False,
    }


def test_bad_notification_requests_name_the_field_and_append_nothing(
    api: Api,
) -> None:
    _, ann, _ = _cheered_and_commented(api)
    before = api.events()
    for body, field in [
        ({"up_to": -1}, "up_to"),
        ({"up_to": "soon"}, "up_to"),
        ({"up_to": False}, "up_to"),
        ({"up_to": 1.5}, "up_to"),
        ({"up_to": before + 1000}, "up_to"),
    ]:
        refused = api.post(ann, "/notifications/read", json=body)
        assert_rejected(api, refused, field, before)
    for data, mimetype in [("{", "application/json"), ("all", "text/plain")]:
        garbled = api.post(
            ann, "/notifications/read", data=data, content_type=mimetype
        )  # a body that is not JSON is not "no body"
        assert_rejected(api, garbled, "body", before)
    for query, field in [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"unread": "perhaps"}, "unread"),
    ]:
        refused = api.get(ann, "/notifications", query_string=query)
        assert_rejected(api, refused, field, before)
    assert api.get(None, "/notifications").status_code == 401
    assert api.post(None, "/notifications/read", json={}).status_code == 401
    assert api.post(None, "/notifications/read").status_code == 401
    assert api.events() == before
