"""Momentum metrics and their daily series over the API, and who may read them."""

from __future__ import annotations

from uuid import UUID, uuid4

from service import commands as c
from service.clock import FixedClock
from system import System
from tests.web.conftest import Api
from tests.web.helpers import log, mentor, share_group


def test_a_newcomer_has_no_momentum_and_a_new_rut_risk(api: Api) -> None:
    ann = api.join("Ann")
    metrics = api.get(ann, "/momentum").json
    weeks = metrics.pop("weekly_actions")
    assert metrics == {
        "member_id": ann.id,
        "momentum": 0,
        "momentum_uncapped": 0,
        "trend": 0,
        "weekly_target": 3,
        "actions_this_week": 0,
        "streak": 0,
        "review_streak": 0,
        "commitments_kept_percent": None,
        # no review: s = 0.5; no momentum: b = 1; never acted: i = 1
        "rut_risk": {
            "score": 80,
            "level": "new",  # the first grace week (docs/metrics.md)
            "rising": False,
            "signals": 0.5,
            "momentum": 1.0,
            "inactivity": 1.0,
        },
        "last_action_on": None,
        "days_since_action": None,
        "away_today": False,
        "as_of": None,  # now
    }
    assert len(weeks) == 12
    assert weeks[0] == {"week": "2025-12-15", "actions": 0}
    assert weeks[-1] == {"week": "2026-03-02", "actions": 0}


def test_actions_raise_momentum_fill_the_week_and_lower_the_risk(
    api: Api, system: System, clock: FixedClock
) -> None:
    ann = api.join("Ann")
    log(api, ann, occurred_on="2026-03-01")  # Sunday, last week
    for _ in range(3):
        log(api, ann, occurred_on="2026-03-02")
    clock.advance(hours=4)  # 13:00: today's actions, logged at 09:00, count from then
    metrics = api.get(ann, "/momentum").json
    # 0.5^(25/336) + 3·0.5^(4/336) = 3.9251; / (3/7 · 14 / ln 2) → 45.3
    assert metrics["momentum"] == 45 and metrics["trend"] == 45
    assert metrics["actions_this_week"] == 3
    assert metrics["weekly_actions"][-2:] == [
        {"week": "2026-02-23", "actions": 1},
        {"week": "2026-03-02", "actions": 3},
    ]
    assert metrics["streak"] == 1  # this week met the target; last week did not
    assert metrics["last_action_on"] == "2026-03-02"
    assert metrics["days_since_action"] == 0
    # 100 · (0.4 · 0.5 + 0.4 · (1 − 0.45) + 0.2 · 0) = 42
    assert metrics["rut_risk"]["score"] == 42
    assert metrics["rut_risk"]["level"] == "new"  # medium after the first week
    system.write(c.SetWeeklyTarget(UUID(ann.id), 1))
    capped = api.get(ann, "/momentum").json
    # 3.9251 / (1/7 · 14 / ln 2) → 136.0
    assert capped["momentum"] == 100 and capped["momentum_uncapped"] == 136


def test_the_daily_series_ends_today(api: Api) -> None:
    ann = api.join("Ann")
    log(api, ann, occurred_on="2026-03-01")
    week = api.get(ann, "/momentum/series", query_string={"days": 7})
    assert week.status_code == 200, week.json
    assert week.json["member_id"] == ann.id
    days = week.json["days"]
    assert [d["day"] for d in days] == [f"2026-02-{n}" for n in range(24, 29)] + [
        "2026-03-01",
        "2026-03-02",
    ]
    assert days[-2] == {
        "day": "2026-03-01",
        "momentum": 11,  # 0.5^(12/336) at the day's end / 8.656
        "momentum_uncapped": 11,
        "actions": 1,
    }
    assert days[0]["momentum"] == 0 and days[-1]["actions"] == 0
    assert len(api.get(ann, "/momentum/series").json["days"]) == 90
    for days_asked in (0, 367, "week"):
        bad = api.get(ann, "/momentum/series", query_string={"days": days_asked})
        assert bad.status_code == 422 and "days" in bad.json["errors"]


def test_only_oneself_and_accepted_mentors_see_momentum(
    api: Api, system: System
) -> None:
    ann, mia, gus, sam = (api.join(n) for n in ("Ann", "Mia", "Gus", "Sam"))
    link = mentor(system, ann, mia)
    share_group(system, ann, gus)
    hers = {"member": ann.id}
    assert api.get(ann, "/momentum", query_string=hers).json["member_id"] == ann.id
    for path in ("/momentum", "/momentum/series"):
        seen = api.get(mia, path, query_string=hers)
        assert seen.status_code == 200 and seen.json["member_id"] == ann.id
        for who in (gus, sam):  # the group board shows group members' momentum
            assert api.get(who, path, query_string=hers).status_code == 404
        unknown = api.get(ann, path, query_string={"member": str(uuid4())})
        assert unknown.status_code == 404
        bad = api.get(ann, path, query_string={"member": "ann"})
        assert bad.status_code == 422 and "member" in bad.json["errors"]
        assert api.get(None, path).status_code == 401
    system.write(c.AnswerMentorship(UUID(mia.id), link, "end"))
    assert api.get(mia, "/momentum", query_string=hers).status_code == 404
