"""The journal over the API: pages, filters, one entry, and whose entries one sees."""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID, uuid4

from service import commands as c
from system import System
from tests.web.conftest import Api, Person
from tests.web.helpers import (
    GOAL_TITLE,
    assert_rejected,
    json_of,
    log,
    log_action,
    mentor,
    set_goal,
    share_group,
)


def titles(response: Any) -> list[str]:
    return [entry["title"] for entry in json_of(response)["items"]]


def anns_week(api: Api, system: System, ann: Person) -> dict[str, Any]:
    """A goal, three actions on three days (one a win on the goal), a review."""
    goal = set_goal(system, ann)
    return {
        "goal": goal,
        "old": log_action(api, ann, title="Old", occurred_on="2026-02-28"),
        "win": log_action(
            api, ann, title="Win", occurred_on="2026-03-01", win=True, goal_id=goal
        ),
        "new": log_action(api, ann, title="New", occurred_on="2026-03-02"),
        "review": api.post(ann, "/reviews", json={"signals": SIGNALS}).json,
    }


SIGNALS = dict.fromkeys(
    ("motivation", "focus", "learning", "recognition", "satisfaction"), 3
)


def test_journal_pages_newest_first_and_filters(api: Api, system: System) -> None:
    ann = api.join("Ann")
    week = anns_week(api, system, ann)
    first = api.get(ann, "/journal", query_string={"limit": 2})
    assert titles(first) == ["Weekly review", "New"]
    second = api.get(
        ann, "/journal", query_string={"limit": 2, "cursor": first.json["next_cursor"]}
    )
    assert titles(second) == [GOAL_TITLE, "Win"]
    last = api.get(
        ann, "/journal", query_string={"limit": 2, "cursor": second.json["next_cursor"]}
    )
    assert titles(last) == ["Old"] and last.json["next_cursor"] is None
    filters = {
        "wins": ["Win"],
        "goals": [GOAL_TITLE],
        "action": ["New", "Win", "Old"],
        "review": ["Weekly review"],
    }
    for kind, expected in filters.items():
        response = api.get(ann, "/journal", query_string={"kind": kind})
        assert titles(response) == expected, kind
    on_goal = api.get(ann, "/journal", query_string={"goal": week["goal"]})
    assert titles(on_goal) == [GOAL_TITLE, "Win"]


def test_one_entry_with_its_feedback_and_cheers(api: Api, system: System) -> None:
    ann, mia = api.join("Ann"), api.join("Mia")
    mentor(system, ann, mia)
    action = log_action(api, ann, title="Gave my first talk", win=True)
    target = UUID(action["id"])
    system.write(c.GiveFeedback(UUID(mia.id), "action", target, "Well done!"))
    system.write(c.CheerItem(UUID(mia.id), "action", target))
    entry = api.get(ann, "/journal").json["items"][0]
    assert entry["feedback_count"] == 1 and entry["cheer_count"] == 1
    one = api.get(mia, f"/journal/{entry['entry_id']}")
    assert one.status_code == 200 and one.json == entry
    assert one.json["kind"] == "action" and one.json["item_id"] == action["id"]
    assert one.json["member_id"] == ann.id and one.json["visibility"] == "mentors"
    assert api.get(ann, f"/journal/{entry['entry_id'] + 1000}").status_code == 404
    assert api.get(None, f"/journal/{entry['entry_id']}").status_code == 401


def test_bad_journal_queries_name_the_field(api: Api) -> None:
    ann = api.join("Ann")
    log(api, ann)
    before = api.events()
    huge = base64.urlsafe_b64encode(b"j1|2026-03-01|" + b"9" * 30).decode()
    cases = [
        ({"kind": "hobbies"}, "kind"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": huge}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"member": "ann"}, "member"),
        ({"goal": "my-goal"}, "goal"),
    ]
    for query, field in cases:
        response = api.get(ann, "/journal", query_string=query)
        assert_rejected(api, response, field, before)
    for entry_id in (0, 2**63):
        response = api.get(ann, f"/journal/{entry_id}")
        assert_rejected(api, response, "entry_id", before)
    assert api.get(None, "/journal").status_code == 401
    assert api.events() == before


def test_each_viewer_sees_the_entries_shown_to_them(api: Api, system: System) -> None:
    ann, mia, gus, sam = (api.join(n) for n in ("Ann", "Mia", "Gus", "Sam"))
    link = mentor(system, ann, mia)
    share_group(system, ann, gus)
    for visibility in ("private", "mentors", "group"):
        log(api, ann, title=visibility.capitalize(), visibility=visibility)
    private = api.get(ann, "/journal").json["items"][-1]
    assert private["title"] == "Private"
    mine = {"member": ann.id}
    assert titles(api.get(ann, "/journal", query_string=mine)) == [
        "Group",
        "Mentors",
        "Private",
    ]
    assert titles(api.get(mia, "/journal", query_string=mine)) == ["Group", "Mentors"]
    assert titles(api.get(gus, "/journal", query_string=mine)) == ["Group"]
    assert titles(api.get(mia, "/journal")) == []  # her own: empty
    for who, query in ((sam, mine), (ann, {"member": str(uuid4())})):
        response = api.get(who, "/journal", query_string=query)
        assert response.status_code == 404, (who.name, query)
    for who in (mia, gus, sam):
        hidden = api.get(who, f"/journal/{private['entry_id']}")
        assert hidden.status_code == 404 and "Private" not in hidden.get_data(
            as_text=True
        )
    system.write(c.AnswerMentorship(UUID(ann.id), link, "end"))
    assert api.get(mia, "/journal", query_string=mine).status_code == 404
