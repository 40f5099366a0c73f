"""My history over the API (`GET /me/history`), on SQLite and PostgreSQL: my own
events and what others did to my items (feedback, cheers, a mentor's suggestion, a
facilitator's pairing) with who, when and what; never another member's private
events; revisions before → after; filters by kind and item; cursor pages that
cover every event once; bad input a 422 naming the field with nothing appended;
no token a 401; an erased counterpart still listed, without their words."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from service import commands as c
from tests.conftest import PASSWORD
from tests.web.conftest import Api, Person
from tests.web.helpers import (
    GOAL_TITLE,
    assert_need_a_token,
    assert_rejected,
    json_of,
    log,
    mentor,
    set_goal,
    share_group,
)

PATH = "/me/history"


def _page(api: Api, who: Person, **params: Any) -> dict[str, Any]:
    found: dict[str, Any] = json_of(api.get(who, PATH, query_string=params))
    return found


def _all(
    api: Api, who: Person, cursor: str | None = None, **params: Any
) -> list[dict[str, Any]]:
    """Every page of my history (from `cursor` on), following the cursors."""
    found: list[dict[str, Any]] = []
    while True:
        body = _page(api, who, **params, **({"cursor": cursor} if cursor else {}))
        found.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return found


def _types(items: list[dict[str, Any]]) -> list[str]:
    return [f"{i['aggregate_type']}.{i['type']}" for i in items]


def _one(items: list[dict[str, Any]], kind: str, **where: Any) -> dict[str, Any]:
    (found,) = [
        i
        for i in items
        if f"{i['aggregate_type']}.{i['type']}" == kind
        and all(i.get(k) == v for k, v in where.items())
    ]
    return found


@pytest.fixture
def scene(api: Api) -> dict[str, Any]:
    """Ann's goal (mentors see it) and action (her group sees it); Ben mentors
    her, gives feedback and suggests a milestone; Cat runs the group and pairs Ann
    with Dan; Dan cheers Ann's action and keeps a private goal of his own."""
    ann, ben, cat, dan = (api.join(n) for n in ("Ann", "Ben", "Cat", "Dan"))
    goal = set_goal(api, ann)
    mentor(api, ann, ben)
    group = share_group(api, cat, ann, dan)
    action = log(api, ann, visibility="group")
    system = api.system
    feedback = system.write(
        c.GiveFeedback(UUID(ben.id), "goal", UUID(goal), "Lovely *momentum*")
    ).id
    suggestion = system.write(
        c.MakeSuggestion(UUID(ben.id), UUID(goal), "milestone", "Draft the abstract")
    ).id
    system.write(c.PairBuddies(UUID(cat.id), group, UUID(ann.id), UUID(dan.id)))
    system.write(c.CheerItem(UUID(dan.id), "action", UUID(action)))
    private = set_goal(api, dan, visibility="private", title="Dan's secret plan here")
    return {
        "ann": ann,
        "ben": ben,
        "cat": cat,
        "dan": dan,
        "goal": goal,
        "action": action,
        "group": str(group),
        "feedback": str(feedback),
        "suggestion": str(suggestion),
        "private": private,
    }


def test_my_history_holds_my_events_and_what_others_did_to_my_items(
    api: Api, scene: dict[str, Any]
) -> None:
    ann, ben, cat, dan = (scene[k] for k in ("ann", "ben", "cat", "dan"))
    items = _all(api, ann)
    positions = [i["position"] for i in items]
    assert positions == sorted(positions, reverse=True)  # newest first
    assert len(set(positions)) == len(positions)
    # Mine, with content.
    goal_set = _one(items, "Goal.GoalSet")
    assert goal_set["by_me"] and goal_set["actor_name"] == "Ann"
    assert goal_set["data"]["title"] == GOAL_TITLE
    assert goal_set["title"] == GOAL_TITLE and goal_set["item_id"] == scene["goal"]
    assert goal_set["what"] == "Goal set" and goal_set["kind"] == "goal"
    assert _one(items, "Action.ActionLogged")["item_id"] == scene["action"]
    # A mentor's feedback and suggestion on my goal: who, when, what.
    words = _one(items, "Feedback.FeedbackGiven")
    assert (words["actor_id"], words["actor_name"], words["by_me"]) == (
        ben.id,
        "Ben",
        False,
    )
    assert words["data"]["text"] == "Lovely *momentum*" and words["content_shown"]
    assert words["about"] == {"kind": "goal", "id": scene["goal"], "owner_id": ann.id}
    assert words["time"].startswith("2026-03-02T09:00")
    assert words["kind"] == "feedback" and words["item_id"] == scene["feedback"]
    suggested = _one(items, "Suggestion.SuggestionMade")
    assert suggested["data"]["title"] == "Draft the abstract"
    assert suggested["actor_name"] == "Ben" and suggested["kind"] == "mentoring"
    accepted = _one(items, "Mentorship.MentorshipAccepted")
    assert accepted["actor_name"] == "Ben"
    # A facilitator's pairing and a buddy's cheer.
    paired = _one(items, "Group.BuddiesPaired")
    assert paired["actor_name"] == "Cat" and paired["kind"] == "group"
    assert {paired["data"]["member_a"], paired["data"]["member_b"]} == {ann.id, dan.id}
    cheer = _one(items, "Cheer.Cheered")
    assert cheer["actor_name"] == "Dan"
    assert cheer["about"] == {
        "kind": "action",
        "id": scene["action"],
        "owner_id": ann.id,
    }
    # Nobody else's events: Dan's goal, Ben's feedback on it, Cat's group set-up.
    mine_or_about_me = {ann.id, ben.id, cat.id, dan.id}
    assert {i["actor_id"] for i in items} <= mine_or_about_me
    assert scene["private"] not in {i["item_id"] for i in items}
    assert scene["private"] not in {(i["about"] or {}).get("id") for i in items}
    assert "Group.GroupCreated" not in _types(items)
    assert not [i for i in items if i["aggregate_type"] == "Goal" and not i["by_me"]]
    # Bookkeeping is left out.
    assert not {"EmailIndex", "IdempotencyRecord", "GroupMembershipIndex"} & {
        i["aggregate_type"] for i in items
    }


def test_others_see_only_what_concerns_them_of_mine(
    api: Api, scene: dict[str, Any]
) -> None:
    ann = scene["ann"]
    concerns = {
        "ben": ["Mentorship.MentorshipProposed"],  # Ann asked him
        "cat": [],
        "dan": [],
    }
    for name, expected in concerns.items():
        items = _all(api, scene[name])
        assert scene["goal"] not in {i["item_id"] for i in items}, name
        assert scene["action"] not in {i["item_id"] for i in items}, name
        by_ann = [i for i in items if i["actor_id"] == ann.id]
        assert _types(by_ann) == expected, name
    proposed = _one(_all(api, scene["ben"]), "Mentorship.MentorshipProposed")
    assert proposed["actor_name"] == "Ann" and proposed["content_shown"]
    # Dan sees his cheer and the pairing; Ben his feedback and suggestion.
    dan_types = _types(_all(api, scene["dan"]))
    assert {"Cheer.Cheered", "Group.BuddiesPaired", "Goal.GoalSet"} <= set(dan_types)
    assert "Suggestion.SuggestionMade" not in dan_types
    ben_types = _types(_all(api, scene["ben"]))
    assert {"Feedback.FeedbackGiven", "Suggestion.SuggestionMade"} <= set(ben_types)
    assert "Group.BuddiesPaired" not in ben_types


def test_the_mentor_sees_the_suggestion_answered_and_the_feedback_withdrawn(
    api: Api, scene: dict[str, Any]
) -> None:
    ann, ben = scene["ann"], scene["ben"]
    api.system.write(
        c.AnswerSuggestion(UUID(ann.id), UUID(scene["suggestion"]), accept=True)
    )
    api.system.write(c.WithdrawFeedback(UUID(ben.id), UUID(scene["feedback"])))
    accepted = _one(_all(api, ben), "Suggestion.SuggestionAccepted")
    assert accepted["actor_name"] == "Ann" and accepted["kind"] == "mentoring"
    mine = _all(api, ann)
    assert _one(mine, "Feedback.FeedbackWithdrawn")["actor_name"] == "Ben"
    # Withdrawn words are no longer shown to me; their author still sees them.
    given = _one(mine, "Feedback.FeedbackGiven")
    assert not given["content_shown"] and given["data"] is None
    assert given["actor_name"] == "Ben" and given["what"] == "Feedback given"
    authored = _one(_all(api, ben), "Feedback.FeedbackGiven", item_id=scene["feedback"])
    assert authored["data"]["text"] == "Lovely *momentum*"


def test_revisions_show_each_field_before_and_after(
    api: Api, scene: dict[str, Any]
) -> None:
    ann = scene["ann"]
    system = api.system
    system.write(
        c.ReviseGoal(
            UUID(ann.id),
            UUID(scene["goal"]),
            {"title": "Give two conference talks on testing"},
            "Aim higher",
        )
    )
    system.write(
        c.ReviseGoal(
            UUID(ann.id),
            UUID(scene["goal"]),
            {"title": "Give three conference talks on testing", "horizon": "long"},
            "Higher still",
        )
    )
    system.write(c.EditAction(UUID(ann.id), UUID(scene["action"]), {"minutes": 45}))
    system.write(c.UpdateProfile(UUID(ann.id), "Ann Lee", "Europe/Paris", ""))
    items = _all(api, ann)
    first, second = reversed([i for i in items if i["type"] == "GoalRevised"])
    assert [(x["field"], x["before"], x["after"]) for x in first["changes"]] == [
        ("title", GOAL_TITLE, "Give two conference talks on testing")
    ]
    assert [(x["field"], x["before"], x["after"]) for x in second["changes"]] == [
        (
            "title",
            "Give two conference talks on testing",
            "Give three conference talks on testing",
        ),
        ("horizon", "short", "long"),
    ]
    assert second["title"] == "Give three conference talks on testing"
    assert second["data"]["reason"] == "Higher still"
    edited = _one(items, "Action.ActionEdited")
    assert [(x["field"], x["before"], x["after"]) for x in edited["changes"]] == [
        ("minutes", None, 45)
    ]
    assert edited["title"] == "Read a chapter on testing"
    profile = _one(items, "Member.ProfileUpdated")
    assert {x["field"]: (x["before"], x["after"]) for x in profile["changes"]} == {
        "display_name": ("Ann", "Ann Lee"),
        "timezone": ("UTC", "Europe/Paris"),
    }
    assert profile["changes"][0]["label"] == "Name"


def test_filters_by_kind_and_by_item(api: Api, scene: dict[str, Any]) -> None:
    ann = scene["ann"]
    everything = _all(api, ann)
    for kind in (
        "goal",
        "action",
        "feedback",
        "cheer",
        "mentoring",
        "group",
        "account",
    ):
        found = _all(api, ann, kind=kind)
        assert found == [i for i in everything if i["kind"] == kind], kind
        assert found, kind
    assert _all(api, ann, kind="review") == []
    on_goal = _all(api, ann, item=scene["goal"])
    assert {i["aggregate_type"] for i in on_goal} == {"Goal", "Feedback", "Suggestion"}
    assert on_goal == [
        i
        for i in everything
        if scene["goal"] in (i["item_id"], (i["about"] or {}).get("id"))
    ]
    feedback_on_goal = _all(api, ann, item=scene["goal"], kind="feedback")
    assert _types(feedback_on_goal) == ["Feedback.FeedbackGiven"]
    on_group = _all(api, ann, item=scene["group"])
    assert set(_types(on_group)) == {"Group.MemberJoined", "Group.BuddiesPaired"}
    account = _all(api, ann, item=ann.id)
    assert {i["aggregate_type"] for i in account} == {"Member"}
    assert _all(api, ann, item=scene["private"]) == []


def test_cursor_pages_return_every_event_exactly_once(
    api: Api, scene: dict[str, Any]
) -> None:
    ann = scene["ann"]
    whole = _page(api, ann, limit=200)
    assert whole["next_cursor"] is None
    for size in (1, 2, 3, 7):
        paged = _all(api, ann, limit=size)
        assert paged == whole["items"], size
    filtered = _all(api, ann, kind="goal", limit=1)
    assert filtered == [i for i in whole["items"] if i["kind"] == "goal"]
    # New events arrive at the top: a page in progress goes on where it was.
    first = _page(api, ann, limit=3)
    log(api, ann, title="A newer action after the first page")
    rest = _all(api, ann, limit=3, cursor=first["next_cursor"])
    assert first["items"] + rest == whole["items"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "YWZ0ZXJ8eHl6"}, "cursor"),  # ours in shape, not a position
        ({"kind": "secrets"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"item": "nope"}, "item"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
    ],
)
def test_bad_filters_and_cursors_are_422_naming_the_field_and_append_nothing(
    api: Api, params: dict[str, str], field: str
) -> None:
    ann = api.join("Ann")
    before = api.events()
    response = api.get(ann, PATH, query_string=params)
    assert_rejected(api, response, field, before)


def test_my_history_needs_a_token(api: Api) -> None:
    assert_need_a_token(api, [("GET", PATH, None)])


def test_an_erased_counterpart_is_listed_without_their_words(
    api: Api, scene: dict[str, Any]
) -> None:
    ann, ben = scene["ann"], scene["ben"]
    erased = api.delete(ben, "/me", json={"password": PASSWORD})
    assert erased.status_code == 204, erased.json
    items = _all(api, ann)
    words = _one(items, "Feedback.FeedbackGiven")
    assert words["actor_id"] == ben.id and words["actor_name"] == "an erased member"
    assert words["content_erased"] and words["data"]["text"] == ""
    suggested = _one(items, "Suggestion.SuggestionMade")
    assert suggested["content_erased"] and suggested["data"]["title"] == ""
    assert _one(items, "Mentorship.MentorshipAccepted")["actor_name"] == (
        "an erased member"
    )
    # Mine stay whole.
    assert _one(items, "Goal.GoalSet")["data"]["title"] == GOAL_TITLE


def test_what_an_admin_does_to_my_account_is_in_both_histories(api: Api) -> None:
    ann, ada = api.join("Ann"), api.join("Ada")
    api.system.write(c.GrantRole(None, ada.email))  # the operator, on the CLI
    api.system.write(c.GrantRole(UUID(ada.id), ann.email))
    mine = _all(api, ann, kind="account")
    granted = _one(mine, "Member.RoleGranted")
    assert granted["actor_name"] == "Ada" and granted["data"] == {"role": "admin"}
    assert granted["item_id"] == ann.id and not granted["by_me"]
    assert "ApiToken.TokenIssued" in _types(mine)  # signing in for a token
    hers = _all(api, ada, kind="account")
    by_operator, by_her = (i for i in reversed(hers) if i["type"] == "RoleGranted")
    assert by_operator["actor_name"] == "The operator"
    assert by_operator["item_id"] == ada.id
    assert by_her["by_me"] and by_her["item_id"] == ann.id
    assert hers == [i for i in _all(api, ada) if i["kind"] == "account"]
