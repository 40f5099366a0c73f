"""Time travel over the API (`?as_of=YYYY-MM-DD` on /momentum, /momentum/series and
/journal): what the API answered at the end of a day, asked for again later after
everything about that day changed, is the same answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from service import commands as c
from service.clock import FixedClock
from tests.web.conftest import Api, Person
from tests.web.helpers import json_of, log
from tests.web.time_travel import (
    END_OF_D,
    D,
    Story,
    everything_after_d,
    until_the_end_of_d,
)

PAST = {"as_of": D.isoformat()}


def _answers(api: Api, story: Story, **extra: str) -> dict[str, Any]:
    """What Ann and her mentor are answered about Ann (with `extra`: as_of)."""
    ann, mia = story.ann, story.mia
    hers = {"member": ann.id, **extra}
    calls: dict[str, tuple[Person, str, dict[str, Any]]] = {
        "momentum": (ann, "/momentum", extra),
        "series": (ann, "/momentum/series", {"days": 30, **extra}),
        "journal": (ann, "/journal", extra),
        "wins": (ann, "/journal", {"kind": "wins", **extra}),
        "page 2": (ann, "/journal", {"limit": 3, **extra}),
        "mentor's momentum": (mia, "/momentum", hers),
        "mentor's series": (mia, "/momentum/series", hers),
    }
    return {
        name: json_of(api.get(who, path, query_string=query))
        for name, (who, path, query) in calls.items()
    }


def _without_as_of(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "as_of"}


def test_a_past_day_answers_what_the_api_answered_that_day(
    api: Api, clock: FixedClock
) -> None:
    story = until_the_end_of_d(api, clock)
    then = _answers(api, story)
    assert then["momentum"]["momentum"] > 0 and then["journal"]["items"]
    counts = {e["title"]: e["cheer_count"] for e in then["journal"]["items"]}
    assert counts["Passed module 3"] == 2  # Mia's and Gus's

    everything_after_d(api, clock, story)
    now = _answers(api, story)
    past = _answers(api, story, **PAST)

    for name, answer in then.items():
        assert past[name]["as_of"] == D.isoformat(), name
        assert _without_as_of(past[name]) == _without_as_of(answer), name
        assert _without_as_of(now[name]) != _without_as_of(answer), name


def test_a_past_page_of_the_journal_continues_in_the_past(
    api: Api, clock: FixedClock
) -> None:
    story = until_the_end_of_d(api, clock)
    first = json_of(api.get(story.ann, "/journal", query_string={"limit": 2}))
    rest = {"limit": 50, "cursor": first["next_cursor"]}
    then = json_of(api.get(story.ann, "/journal", query_string=rest))
    everything_after_d(api, clock, story)
    past = json_of(api.get(story.ann, "/journal", query_string={**rest, **PAST}))
    assert past["items"] == then["items"] and past["next_cursor"] is None


def test_today_or_a_later_day_is_now(api: Api, clock: FixedClock) -> None:
    ann = api.join("Ann", "Pacific/Auckland")  # 22:00 on Monday 2 March there
    log(api, ann, occurred_on="2026-03-02")
    for path in ("/momentum", "/momentum/series", "/journal"):
        now = json_of(api.get(ann, path))
        assert now["as_of"] is None
        for day in ("2026-03-02", "2026-03-03", "2099-12-31"):
            later = json_of(api.get(ann, path, query_string={"as_of": day}))
            assert later == now, (path, day)


def test_a_day_ends_in_the_timezone_the_member_had_then(
    api: Api, clock: FixedClock
) -> None:
    ann = api.join("Ann", "Pacific/Auckland")
    clock.set(END_OF_D.replace(hour=10))  # Wednesday 23:59 in Auckland (UTC+13)
    log(api, ann, title="Late on Wednesday", occurred_on=D.isoformat())
    then = json_of(api.get(ann, "/journal"))
    clock.advance(minutes=1)  # Thursday there
    log(api, ann, title="Early on Thursday")
    api.system.write(c.UpdateProfile(UUID(ann.id), "Ann", "America/Los_Angeles"))
    clock.advance(days=3)
    past = json_of(api.get(ann, "/journal", query_string=PAST))
    assert past["items"] == then["items"]
    assert [e["title"] for e in past["items"]] == ["Late on Wednesday"]


def test_a_date_that_is_not_one_is_refused_and_appends_nothing(api: Api) -> None:
    ann = api.join("Ann")
    before = api.events()
    for path in ("/momentum", "/momentum/series", "/journal"):
        for bad in ("yesterday", "2026-02-30", "20260301", "2026-03-01T10:00"):
            response = api.get(ann, path, query_string={"as_of": bad})
            assert response.status_code == 422, (path, bad, response.json)
            assert "YYYY-MM-DD" in response.json["errors"]["as_of"]
    assert api.events() == before


def test_a_day_before_the_member_joined_is_not_found(api: Api) -> None:
    ann = api.join("Ann")
    for path in ("/momentum", "/momentum/series", "/journal"):
        response = api.get(ann, path, query_string={"as_of": "2026-03-01"})
        assert response.status_code == 404, (path, response.json)


def test_who_may_see_the_past_is_decided_now(api: Api, clock: FixedClock) -> None:
    """Others see the past as far as they may see it now: the relation of now, each
    item no wider than it is now (taken back: gone). The owner sees all of it."""
    story = until_the_end_of_d(api, clock)
    hers = {"member": story.ann.id}
    then = json_of(api.get(story.mia, "/journal", query_string=hers))
    assert "Finish the statistics course" in _titles(then)  # the group goal
    everything_after_d(api, clock, story)  # made private; Tuesday's taken back
    sam = api.join("Sam")
    past = {**hers, **PAST}
    assert api.get(sam, "/momentum", query_string=past).status_code == 404
    assert api.get(sam, "/journal", query_string=past).status_code == 404
    hidden = {story.course, story.win, story.tuesday}
    seen = json_of(api.get(story.mia, "/journal", query_string=past))
    assert seen["items"] == [e for e in then["items"] if e["item_id"] not in hidden]
    own = json_of(api.get(story.ann, "/journal", query_string=PAST))
    assert hidden <= {e["item_id"] for e in own["items"]}
    link = json_of(api.get(story.mia, "/mentorships"))["items"][0]["id"]
    api.system.write(c.AnswerMentorship(UUID(story.mia.id), UUID(link), "end"))
    for path in ("/momentum", "/momentum/series", "/journal"):
        assert api.get(story.mia, path, query_string=past).status_code == 404


def _titles(page: dict[str, Any]) -> set[str]:
    return {e["title"] for e in page["items"]}
