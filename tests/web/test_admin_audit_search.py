"""Audit search over the API (`GET /admin/audit/events`): every filter narrows the
results to exactly the matching events of the audit index, cursor pages cover them
once in log order, bad input is a 422 naming the field, members who are not admins
find no such route, and the JSON Lines and CSV streams carry the same events, on
SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from projections.audit import audit_index
from service import commands as c
from service.clock import FixedClock
from tests.conftest import START
from tests.web.conftest import Api, Person
from tests.web.helpers import set_goal

PATH = "/admin/audit/events"
FIELDS = {
    "position",
    "time",
    "actor_id",
    "aggregate_id",
    "aggregate_type",
    "type",
    "chain_hash",
}


def _admin(api: Api, name: str = "Ada") -> Person:
    admin = api.join(name)
    api.system.write(c.GrantRole(None, admin.email))
    return admin


def _index(api: Api) -> list[dict[str, Any]]:
    """The audit index as the search should show it, by position."""
    with api.system.read() as conn:
        rows = conn.execute(select(audit_index).order_by(audit_index.c.position))
        return [
            {
                "position": row.position,
                "actor_id": row.actor_id,
                "aggregate_id": row.aggregate_id,
                "aggregate_type": row.aggregate_type,
                "type": row.event_type,
                "chain_hash": row.chain_hash,
            }
            for row in rows
        ]


def _search(api: Api, who: Person, **params: Any) -> dict[str, Any]:
    response = api.get(who, PATH, query_string=params)
    assert response.status_code == 200, response.json
    body = response.json
    assert body is not None
    return body


def _all(api: Api, who: Person, **params: Any) -> list[dict[str, Any]]:
    """Every page of a search, following the cursors."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        extra = {"cursor": cursor} if cursor else {}
        body = _search(api, who, **params, **extra)
        found.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return found


def _positions(items: list[dict[str, Any]]) -> list[int]:
    return [item["position"] for item in items]


@pytest.fixture
def log(api: Api, clock: FixedClock) -> dict[str, Any]:
    """An admin, two members with goals on two days, and the audit index."""
    ada, ann, bob = _admin(api), api.join("Ann"), api.join("Bob")
    first = set_goal(api, ann, "private", title="Apply for the secret startup job")
    clock.advance(days=3)
    second = set_goal(api, bob, "group", title="Run a half marathon in spring")
    third = set_goal(api, ann, "mentors", title="Publish the testing handbook")
    return {"ada": ada, "ann": ann, "bob": bob, "goals": (first, second, third)}


def test_each_filter_finds_exactly_the_matching_events(
    api: Api, log: dict[str, Any]
) -> None:
    ada, ann = log["ada"], log["ann"]
    index = _index(api)
    everything = _all(api, ada, limit=500)
    assert _positions(everything) == [row["position"] for row in index]
    for item, row in zip(everything, index, strict=True):
        assert set(item) == FIELDS  # metadata only: no content
        assert {k: item[k] for k in row} == row
        assert datetime.fromisoformat(item["time"]).utcoffset() == timedelta(0)

    by_ann = _all(api, ada, member=ann.id)
    assert by_ann and _positions(by_ann) == [
        r["position"] for r in index if r["actor_id"] == ann.id
    ]
    goal = log["goals"][0]
    of_goal = _all(api, ada, aggregate=goal)
    assert _positions(of_goal) == [
        r["position"] for r in index if r["aggregate_id"] == goal
    ]
    assert [i["type"] for i in of_goal] == ["GoalSet"]
    set_goals = _all(api, ada, type="Goal.GoalSet")
    assert [i["aggregate_id"] for i in set_goals] == list(log["goals"])
    goals = _all(api, ada, type="Goal")
    assert goals and {i["aggregate_type"] for i in goals} == {"Goal"}
    assert len(goals) == len([r for r in index if r["aggregate_type"] == "Goal"])
    both = _all(api, ada, member=ann.id, type="Goal.GoalSet")
    assert [i["aggregate_id"] for i in both] == [goal, log["goals"][2]]
    assert _all(api, ada, type="Goal.NoSuchEvent") == []


def test_from_and_to_take_dates_and_instants(api: Api, log: dict[str, Any]) -> None:
    ada = log["ada"]
    first, second, third = log["goals"]
    later = (START + timedelta(days=3)).date().isoformat()
    day_one = START.date().isoformat()

    def goals(**params: Any) -> list[str]:
        found = _all(api, ada, type="Goal.GoalSet", **params)
        return [i["aggregate_id"] for i in found]

    assert goals(**{"from": later}) == [second, third]
    assert goals(to=day_one) == [first]  # a date includes its whole day
    assert goals(**{"from": day_one, "to": day_one}) == [first]
    moment = (START + timedelta(days=3)).isoformat()
    assert goals(**{"from": moment}) == [second, third]
    assert goals(to=moment) == [first, second, third]  # an instant is inclusive
    assert goals(to=(START + timedelta(days=2)).isoformat()) == [first]
    assert goals(**{"from": "2026-03-05T10:00:00+01:00"}) == [second, third]
    assert goals(**{"from": "2026-03-05T10:00:01+01:00"}) == []  # 09:00:01 UTC
    assert goals(**{"from": "2027-01-01"}) == []


def test_cursor_pages_cover_every_match_once_in_log_order(
    api: Api, log: dict[str, Any]
) -> None:
    ada = log["ada"]
    expected = [row["position"] for row in _index(api)]
    assert len(expected) > 6
    first = _search(api, ada, limit=2)
    assert len(first["items"]) == 2 and first["next_cursor"]
    pages = []
    cursor = None
    while True:
        body = _search(api, ada, limit=3, **({"cursor": cursor} if cursor else {}))
        assert 1 <= len(body["items"]) <= 3
        pages.append(_positions(body["items"]))
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [p for page in pages for p in page] == expected
    assert len(_search(api, ada)["items"]) == min(50, len(expected))  # default 50
    last = _search(api, ada, limit=len(expected))
    assert last["next_cursor"] is None  # no empty page after the last


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"member": "not-a-uuid"}, "member"),
        ({"aggregate": "123"}, "aggregate"),
        ({"type": "Goal.GoalSet.Extra"}, "type"),
        ({"type": "goal set"}, "type"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-03-02T09:00:00"}, "to"),  # no offset
        ({"from": "2026-03-05", "to": "2026-03-01"}, "to"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "bm9wZQ"}, "cursor"),
        ({"cursor": "YWZ0ZXJ8eA=="}, "cursor"),  # one of ours, not a position
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    api: Api, params: dict[str, str], field: str
) -> None:
    ada = _admin(api)
    response = api.get(ada, PATH, query_string=params)
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body is not None and field in body["errors"], body


def test_only_admins_find_the_search(api: Api) -> None:
    ada, ann = _admin(api), api.join("Ann")
    assert api.get(ann, PATH).status_code == 404  # SPEC 9: 404, not 403
    assert api.get(ann, PATH, query_string={"format": "csv"}).status_code == 404
    assert api.get(None, PATH).status_code == 401
    api.system.write(c.RevokeRole(None, ada.email))
    assert api.get(ada, PATH).status_code == 404


def test_json_lines_and_csv_streams_match_the_json_pages(
    api: Api, log: dict[str, Any]
) -> None:
    ada, ann = log["ada"], log["ann"]
    for params in ({}, {"member": ann.id}, {"type": "Goal"}):
        expected = _all(api, ada, limit=2, **params)
        lines = api.get(ada, PATH, query_string={**params, "format": "jsonl"})
        assert lines.status_code == 200 and lines.mimetype == "application/x-ndjson"
        text = lines.get_data(as_text=True)
        assert [json.loads(line) for line in text.splitlines()] == expected
        table = api.get(ada, PATH, query_string={**params, "format": "csv"})
        assert table.status_code == 200 and table.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True))))
        assert rows == [
            {k: "" if v is None else str(v) for k, v in item.items()}
            for item in expected
        ]
    first = _search(api, ada, limit=2)
    rest = api.get(
        ada, PATH, query_string={"format": "jsonl", "cursor": first["next_cursor"]}
    )
    positions = [json.loads(line)["position"] for line in rest.get_data(True).split()]
    assert positions == _positions(_all(api, ada))[2:]
    capped = api.get(ada, PATH, query_string={"format": "jsonl", "limit": 3})
    assert len(capped.get_data(as_text=True).splitlines()) == 3


def test_a_time_range_finds_exactly_its_events_whatever_their_positions(
    api: Api, log: dict[str, Any], clock: FixedClock
) -> None:
    """A time range is read between the positions of the days it spans
    (`audit_days`); an event whose time is earlier than its position suggests (a
    writer whose clock was behind) is found all the same."""
    ada = log["ada"]
    clock.set(START - timedelta(days=2))
    set_goal(api, log["bob"], "group", title="Learn to sail before the summer")
    everything = _all(api, ada, limit=500)
    days = [(START + timedelta(days=n)).date() for n in (-3, -2, -1, 0, 1, 3, 4)]
    for first in days:
        for last in (d for d in days if d >= first):
            start, end = (
                datetime.combine(day, datetime.min.time(), tzinfo=UTC)
                for day in (first, last + timedelta(days=1))
            )
            expected = [
                item
                for item in everything
                if start <= datetime.fromisoformat(item["time"]) < end
            ]
            found = _all(
                api, ada, limit=2, **{"from": first.isoformat(), "to": last.isoformat()}
            )
            assert found == expected, (first, last)
    late = _all(api, ada, **{"from": days[1].isoformat(), "to": days[1].isoformat()})
    assert late and late[-1]["position"] == everything[-1]["position"]
