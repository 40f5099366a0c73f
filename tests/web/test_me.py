"""The caller's own account over the API: GET/PATCH /me, away periods, password."""

from __future__ import annotations

from typing import Any, get_args

from service.domain.member import (
    AWAY_REASONS,
    DEFAULT_PREFERENCES,
    DIGEST_FREQUENCIES,
    REMINDERS,
)
from tests.conftest import PASSWORD
from tests.web.conftest import Api, Person
from tests.web.helpers import PROBLEM, assert_need_a_token, assert_replays, json_of
from web.api.me_schemas import AwayReason, Digest, Reminder

NEW_PASSWORD = "a much longer new secret"
EVERYTHING = {
    "display_name": "Ann Example",
    "timezone": "Europe/Paris",
    "headline": "Backend engineer looking for a way up",
    "aspirations": "Lead a platform team",
    "passions": "Teaching, distributed systems",
    "strengths": "Clear writing",
    "weekly_target": 5,
    "preferences": {
        "digest": "daily",
        "mentor_digest": "off",
        "group_digest": "daily",
        "digest_weekday": 4,
        "digest_hour": 18,
        "review_weekday": 6,
        "reminders": ["review_due", "inactivity"],
        "quiet_start": 22,
        "quiet_end": 6,
    },
}


def _me(api: Api, who: Person) -> dict[str, Any]:
    body: dict[str, Any] = json_of(api.get(who, "/me"))
    return body


def _assert_refused(
    api: Api, who: Person, body: dict[str, Any], *fields: str, **kwargs: Any
) -> None:
    """The PATCH is a 422 naming `fields`, and neither the store nor /me changed."""
    before, account = api.events(), _me(api, who)
    response = api.patch(who, "/me", json=body, **kwargs)
    assert response.status_code == 422, (body, response.json)
    assert response.mimetype == PROBLEM
    assert set(fields) <= set(response.json["errors"]), (body, response.json)
    assert api.events() == before, body
    assert _me(api, who) == account


def test_a_new_account_has_default_preferences_and_no_away_periods(api: Api) -> None:
    ann = api.join("Ann")
    response = api.get(ann, "/me")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    me = response.json
    assert (me["id"], me["display_name"], me["version"]) == (ann.id, "Ann", 1)
    assert me["weekly_target"] == 3
    assert me["preferences"] == DEFAULT_PREFERENCES
    assert me["away_periods"] == []
    assert "password" not in response.get_data(as_text=True)


def test_one_patch_changes_every_setting_and_get_shows_them(api: Api) -> None:
    ann = api.join("Ann")
    before = api.events()
    response = api.patch(ann, "/me", json=EVERYTHING)
    assert response.status_code == 200, response.json
    me = response.json
    assert {k: me[k] for k in EVERYTHING} == EVERYTHING
    # profile, aspirations, weekly target and preferences: one event each
    assert api.events() == before + 4
    assert me["version"] == 5 and response.headers["ETag"] == '"5"'
    assert _me(api, ann) == me


def test_a_patch_changes_only_what_it_sends(api: Api) -> None:
    ann = api.join("Ann")
    api.patch(ann, "/me", json=EVERYTHING)
    moved = api.patch(ann, "/me", json={"timezone": "Asia/Tokyo"}).json
    assert moved["timezone"] == "Asia/Tokyo"
    assert moved["display_name"] == "Ann Example"
    assert moved["headline"] == EVERYTHING["headline"]
    later = api.patch(ann, "/me", json={"preferences": {"digest_hour": 7}}).json
    assert later["preferences"]["digest_hour"] == 7
    assert later["preferences"]["digest"] == "daily"
    assert later["preferences"]["quiet_start"] == 22
    quiet = {"quiet_start": None, "quiet_end": None}
    none = api.patch(ann, "/me", json={"preferences": quiet, "headline": ""}).json
    assert none["preferences"]["quiet_start"] is None
    assert none["preferences"]["quiet_end"] is None
    assert none["headline"] == "" and none["passions"] == EVERYTHING["passions"]
    before = api.events()
    same = api.patch(ann, "/me", json={})
    assert same.status_code == 200 and same.json == none
    assert api.events() == before


def test_a_bad_field_is_a_422_naming_it_even_beside_good_ones(api: Api) -> None:
    ann = api.join("Ann")
    refused: list[tuple[dict[str, Any], tuple[str, ...]]] = [
        ({"timezone": "Mars/Olympus"}, ("timezone",)),
        ({"weekly_target": 0}, ("weekly_target",)),
        ({"weekly_target": 51}, ("weekly_target",)),
        ({"weekly_target": "5"}, ("weekly_target",)),
        ({"display_name": "Ann B", "weekly_target": 0}, ("weekly_target",)),
        ({"display_name": "   "}, ("display_name",)),
        ({"display_name": None}, ("display_name",)),
        ({"timezone": "Nowhere", "weekly_target": 0}, ("timezone", "weekly_target")),
        ({"email": "new@example.com"}, ("email",)),
        ({"preferences": {"colour": "blue"}}, ("preferences.colour",)),
        (
            {"headline": "New", "preferences": {"digest": "hourly"}},
            ("preferences.digest",),
        ),
        ({"preferences": {"quiet_start": "22:00"}}, ("preferences.quiet_start",)),
        ({"preferences": {"quiet_end": 24}}, ("preferences.quiet_end",)),
        ({"preferences": {"quiet_start": None}}, ("preferences.quiet_start",)),
        ({"preferences": {"digest_weekday": 7}}, ("preferences.digest_weekday",)),
        ({"preferences": {"reminders": ["spam"]}}, ("preferences.reminders.0",)),
        (
            {"weekly_target": 4, "preferences": {"digest_hour": -1}},
            ("preferences.digest_hour",),
        ),
    ]
    for body, fields in refused:
        _assert_refused(api, ann, body, *fields)


def test_a_stale_if_match_is_a_409_with_the_current_version(api: Api) -> None:
    ann = api.join("Ann")
    first = api.patch(ann, "/me", json={"headline": "One"}, headers={"If-Match": '"1"'})
    assert first.status_code == 200 and first.json["version"] == 2
    before = api.events()
    stale = api.patch(
        ann,
        "/me",
        json={"headline": "Two", "weekly_target": 4},
        headers={"If-Match": "1"},
    )
    assert stale.status_code == 409
    assert stale.json["current_version"] == 2
    assert api.events() == before
    assert _me(api, ann)["headline"] == "One"
    several = api.patch(
        ann,
        "/me",
        json={"headline": "Two", "weekly_target": 4},
        headers={"If-Match": "2"},
    )
    assert several.status_code == 200
    assert (several.json["headline"], several.json["weekly_target"]) == ("Two", 4)
    assert several.headers["ETag"] == '"4"'
    _assert_refused(api, ann, {"headline": "x"}, "If-Match", headers={"If-Match": "v1"})


def test_every_route_of_me_needs_a_token(api: Api) -> None:
    ann = api.join("Ann")
    before = api.events()
    period = "/me/away-periods/00000000-0000-0000-0000-000000000000"
    calls = [
        ("GET", "/me", None),
        ("PATCH", "/me", {"weekly_target": 4}),
        (
            "POST",
            "/me/away-periods",
            {"starts_on": "2026-03-09", "ends_on": "2026-03-13"},
        ),
        ("DELETE", period, None),
        (
            "POST",
            "/me/password",
            {"current_password": PASSWORD, "new_password": "x" * 12},
        ),
    ]
    assert_need_a_token(api, calls)
    assert api.events() == before
    assert _me(api, ann)["weekly_target"] == 3


def test_away_periods_are_set_listed_replayed_and_cancelled(api: Api) -> None:
    ann, bob = api.join("Ann"), api.join("Bob")
    holiday = {"starts_on": "2026-03-09", "ends_on": "2026-03-13", "reason": "holiday"}
    key = {"Idempotency-Key": "holiday-1"}
    set_ = api.post(ann, "/me/away-periods", json=holiday, headers=key)
    assert set_.status_code == 201, set_.json
    period = set_.json
    assert {k: period[k] for k in holiday} == holiday
    assert period["version"] == 2 and set_.headers["ETag"] == '"2"'
    listed = {k: period[k] for k in ("id", *holiday)}
    assert _me(api, ann)["away_periods"] == [listed]
    assert_replays(api, ann, "/me/away-periods", set_, json=holiday, headers=key)
    before = api.events()

    for body, status, field in [
        (holiday | {"starts_on": "2026-03-20"}, 422, "ends_on"),
        (holiday | {"starts_on": "next monday"}, 422, "starts_on"),
        (holiday | {"reason": "bored"}, 422, "reason"),
        (holiday | {"ends_on": "2027-06-01"}, 422, "ends_on"),
        (holiday | {"starts_on": "2026-03-12", "ends_on": "2026-03-20"}, 409, None),
    ]:
        refused = api.post(ann, "/me/away-periods", json=body)
        assert refused.status_code == status, (body, refused.json)
        if field:
            assert field in refused.json["errors"], refused.json
        assert api.events() == before

    not_bobs = api.delete(bob, f"/me/away-periods/{period['id']}")
    assert not_bobs.status_code == 422 and "period_id" in not_bobs.json["errors"]
    assert api.events() == before
    cancelled = api.delete(ann, f"/me/away-periods/{period['id']}")
    assert cancelled.status_code == 200
    assert cancelled.json["away_periods"] == [] and cancelled.json["version"] == 3
    assert api.delete(ann, f"/me/away-periods/{period['id']}").status_code == 422
    assert api.get(ann, "/me").json["away_periods"] == []


def test_password_change_checks_the_current_one(api: Api) -> None:
    ann = api.join("Ann")
    before = api.events()
    wrong = {"current_password": "not my password", "new_password": NEW_PASSWORD}
    assert api.post(ann, "/me/password", json=wrong).status_code == 401
    short = {"current_password": PASSWORD, "new_password": "short"}
    too_short = api.post(ann, "/me/password", json=short)
    assert too_short.status_code == 422 and "new_password" in too_short.json["errors"]
    assert api.events() == before

    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    key = {"Idempotency-Key": "new-password"}
    changed = api.post(ann, "/me/password", json=body, headers=key)
    assert changed.status_code == 200, changed.json
    assert changed.json == {"id": ann.id, "version": 2}
    assert_replays(api, ann, "/me/password", changed, json=body, headers=key)

    old = {"email": ann.email, "password": PASSWORD}
    assert api.post(None, "/auth/tokens", json=old).status_code == 401
    new = {"email": ann.email, "password": NEW_PASSWORD}
    assert api.post(None, "/auth/tokens", json=new).status_code == 201
    # The service revokes no token on a password change: the old one still works.
    assert api.get(ann, "/me").status_code == 200


def test_the_documented_choices_are_the_domains() -> None:
    assert get_args(Digest) == DIGEST_FREQUENCIES
    assert get_args(Reminder) == REMINDERS
    assert get_args(AwayReason) == AWAY_REASONS
