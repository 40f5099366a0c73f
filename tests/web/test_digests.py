"""GET /digests/preview: the digest the caller would get now, on SQLite and
PostgreSQL. History is written through the service (`system.write`, which returns
once the read models show it); the fixed clock then moves to the next Monday."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from service import commands as c
from service.clock import FixedClock
from system import System
from tests.web.conftest import Api, Person
from tests.web.helpers import assert_rejected, digest_week, json_of

PREVIEW = "/digests/preview"


def _preview(api: Api, who: Person, **query: str) -> dict[str, Any]:
    body: dict[str, Any] = json_of(api.get(who, PREVIEW, query_string=query))
    return body


def test_member_preview_tells_last_week_in_text_and_html(
    api: Api, system: System, clock: FixedClock
) -> None:
    week = digest_week(api, system, clock)
    shown = _preview(api, week.ann)
    assert shown["kind"] == "member" and shown["period"] == "weekly"
    assert (shown["first_day"], shown["last_day"]) == ("2026-03-02", "2026-03-08")
    assert shown["subject"].startswith("Your momentum this week: 3 actions")
    assert "3 actions against your target of 3 a week — target met." in shown["text"]
    for title in ("Gave a talk", "Shared my portfolio", "Secret plan"):
        assert title in shown["text"] and title in shown["html"]
    assert shown["html"].startswith("<!DOCTYPE html>")
    assert shown["empty"] is False

    # The preference decides the period unless the query names one.
    system.write(c.ChangePreferences(UUID(week.ann.id), {"digest": "daily"}))
    daily = _preview(api, week.ann)
    assert daily["period"] == "daily"
    assert daily["first_day"] == daily["last_day"] == "2026-03-08"
    assert daily["subject"].startswith("Your momentum yesterday: 0 actions")
    assert _preview(api, week.ann, period="weekly")["first_day"] == "2026-03-02"


def test_mentor_and_group_previews_show_only_what_each_may_see(
    api: Api, system: System, clock: FixedClock
) -> None:
    week = digest_week(api, system, clock)
    mentors = _preview(api, week.bob, kind="mentor")
    assert mentors["kind"] == "mentor" and mentors["empty"] is False
    assert "Ann" in mentors["subject"]
    group = _preview(api, week.cy, kind="group")
    assert group["kind"] == "group" and group["empty"] is False
    assert group["subject"] == "Career changers this week: 3 actions"
    # SPEC 9: a mentor sees mentors' and group items, a group only group items.
    seen = {
        "mentor": ("Gave a talk", "Shared my portfolio"),
        "group": ("Shared my portfolio",),
    }
    for kind, body in (("mentor", mentors), ("group", group)):
        for title in ("Gave a talk", "Shared my portfolio", "Secret plan"):
            shown = title in body["text"] or title in body["html"]
            assert shown == (title in seen[kind]), (kind, title)


def test_previews_without_mentees_or_groups_are_empty_not_missing(
    api: Api, system: System, clock: FixedClock
) -> None:
    week = digest_week(api, system, clock)
    nobody = _preview(api, week.cy, kind="mentor")
    assert nobody["empty"] is True
    assert "You mentor nobody at the moment." in nobody["text"]
    no_group = _preview(api, week.bob, kind="group", period="daily")
    assert no_group["empty"] is True and no_group["period"] == "daily"
    assert "You facilitate no group at the moment." in no_group["html"]


def test_bad_preview_queries_are_422_naming_the_field_and_need_a_token(
    api: Api, system: System
) -> None:
    ann = api.join("Ann")
    before = api.events()
    cases = (({"kind": "buddy"}, "kind"), ({"period": "monthly"}, "period"))
    for query, field in cases:
        response = api.get(ann, PREVIEW, query_string=query)
        assert_rejected(api, response, field, before)
    assert api.get(None, PREVIEW).status_code == 401
    assert api.get(None, PREVIEW, query_string={"kind": "buddy"}).status_code == 401
    bad = api.get(None, PREVIEW, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert api.events() == before


def test_preview_is_in_the_openapi_document(api: Api) -> None:
    document = api.client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/digests/preview"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"kind", "period"}
    assert "DigestPreview" in document["components"]["schemas"]
