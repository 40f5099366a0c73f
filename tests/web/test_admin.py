"""Admin audit routes over the API: verify the chain, export the log as JSON Lines
without other people's private content, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from projections.audit import ChainCheck, Problem
from service import commands as c
from tests.web.conftest import Api, Person
from tests.web.helpers import set_goal
from web.api import admin as admin_api


def _admin(api: Api, name: str = "Ada") -> Person:
    admin = api.join(name)
    api.system.write(c.GrantRole(None, admin.email))
    return admin


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_admin_verifies_an_intact_chain_and_others_get_404(api: Api) -> None:
    ada, ann = _admin(api), api.join("Ann")
    checked = api.get(ada, "/admin/audit/verify")
    assert checked.status_code == 200, checked.json
    body = checked.json
    assert body is not None and body["checkpoints"] >= 1  # the follower signs them
    assert body == {
        "ok": True,
        "checked": api.events(),
        "first_break": None,
        "reason": "",
        "problems": [],
        "problem_count": 0,
        "checkpoints": body["checkpoints"],
    }
    assert api.get(ann, "/admin/audit/verify").status_code == 404
    assert api.get(ann, "/admin/audit/export").status_code == 404
    assert api.get(None, "/admin/audit/verify").status_code == 401
    assert api.get(None, "/admin/audit/export").status_code == 401
    api.system.write(c.RevokeRole(None, ada.email))
    for path in ("/admin/audit/verify", "/admin/audit/export"):
        assert api.get(ada, path).status_code == 404  # the role is gone: so is the page


def test_export_has_metadata_of_every_event_but_only_visible_content(
    api: Api,
) -> None:
    ada, ann = _admin(api), api.join("Ann")
    secret = set_goal(api, ann, "private", title="Apply for the secret startup job")
    own = set_goal(api, ada, "private", title="Publish the audit handbook chapter")
    exported = api.get(ada, "/admin/audit/export")
    assert exported.status_code == 200
    assert exported.mimetype == "application/x-ndjson"
    text = exported.get_data(as_text=True)
    lines = _lines(text)
    assert [line["position"] for line in lines] == list(range(1, api.events() + 1))
    for line in lines:
        assert set(line) == {
            "position",
            "aggregate_id",
            "aggregate_type",
            "type",
            "version",
            "actor_id",
            "time",
            "chain_hash",
            "content",
        }
        assert len(line["chain_hash"]) == 64
        assert datetime.fromisoformat(line["time"]).utcoffset() is not None
    by_item = {line["aggregate_id"]: line for line in lines}
    assert by_item[secret]["type"] == "GoalSet"
    assert by_item[secret]["actor_id"] == ann.id
    assert by_item[secret]["content"] is None
    assert by_item[own]["content"]["title"] == "Publish the audit handbook chapter"
    assert by_item[ann.id]["content"] is None
    assert "secret startup" not in text and ann.email not in text
    assert "password_hash" not in text


def test_export_pages_with_after_and_limit(api: Api) -> None:
    ada = _admin(api)
    api.join("Ann")
    page = api.get(ada, "/admin/audit/export", query_string={"after": 2, "limit": 3})
    assert [line["position"] for line in _lines(page.get_data(as_text=True))] == [
        3,
        4,
        5,
    ]
    end = api.get(ada, "/admin/audit/export", query_string={"after": api.events()})
    assert end.status_code == 200 and end.get_data(as_text=True) == ""
    before = api.events()
    for query, field in [({"limit": 0}, "limit"), ({"after": -1}, "after")]:
        refused = api.get(ada, "/admin/audit/export", query_string=query)
        assert refused.status_code == 422, refused.json
        assert field in refused.json["errors"]
    assert api.events() == before


def test_a_broken_chain_lists_every_problem_with_its_position_and_kind(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = ChainCheck(
        checked=6,
        first_break=7,
        reason="the stored event was deleted from the log",
        problems=(
            Problem(7, "deleted", "the stored event was deleted from the log"),
            Problem(9, "reordered", "the stored event holds the state chained at 12"),
            Problem(20, "checkpoint-mismatch", "checkpoint 2 does not match"),
        ),
        problem_count=3,
        checkpoints=1,
    )
    monkeypatch.setattr(admin_api, "verify", lambda *args: broken)
    checked = api.get(_admin(api), "/admin/audit/verify")
    assert checked.status_code == 200
    body = checked.json
    assert body is not None and body["ok"] is False
    assert (body["first_break"], body["problem_count"], body["checkpoints"]) == (
        7,
        3,
        1,
    )
    assert [(p["position"], p["kind"]) for p in body["problems"]] == [
        (7, "deleted"),
        (9, "reordered"),
        (20, "checkpoint-mismatch"),
    ]
