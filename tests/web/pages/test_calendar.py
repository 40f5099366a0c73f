"""The calendar feed: a secret per-member iCalendar URL shown on the settings page,
holding the member's goal due dates, open milestones and weekly review day (and
nothing of anyone else); a reset gives a new URL and the old one stops working."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from bs4 import Tag
from icalendar import Calendar

from service import commands as c
from system import System
from tests.conftest import PASSWORD
from tests.web.conftest import Api, Person
from tests.web.helpers import mentor, set_goal
from tests.web.pages.conftest import Browser, Browsers, page_of


def feed_path(browser: Browser, system: System) -> str:
    """The feed URL the settings page shows, as a path on this app."""
    response = browser.get("/settings")
    assert response.status_code == 200
    box = page_of(response).find("input", id="calendar-url")
    assert isinstance(box, Tag), "the settings page shows no feed URL"
    url = str(box["value"])
    assert url.startswith(system.settings.base_url + "/calendar/")
    assert url.endswith(".ics")
    return url.removeprefix(system.settings.base_url)


def events_of(browser: Browser, path: str) -> dict[str, Any]:
    """The feed's events by summary (parsed with icalendar)."""
    response = browser.get(path)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.get_data())
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def milestone(system: System, who: Person, goal_id: str, title: str, due: date) -> UUID:
    added = system.write(c.AddMilestone(UUID(who.id), UUID(goal_id), title, due))
    return UUID(str(added.extra["milestone_id"]))


def test_the_feed_holds_my_due_dates_open_milestones_and_review_day(
    browsers: Browsers, pages_api: Api, system: System
) -> None:
    ann = pages_api.join("Ann", timezone="Asia/Kathmandu")
    goal = set_goal(system, ann, title="Speak at a meetup")
    milestone(system, ann, goal, "Write the talk", date(2026, 4, 1))
    done = milestone(system, ann, goal, "Find a meetup", date(2026, 3, 20))
    system.write(c.CompleteMilestone(UUID(ann.id), UUID(goal), done))
    patched = pages_api.patch(ann, "/me", json={"preferences": {"review_weekday": 2}})
    assert patched.status_code == 200
    browser = browsers.of(ann)
    events = events_of(browsers.anonymous(), feed_path(browser, system))
    assert set(events) == {
        "Goal due: Speak at a meetup",
        "Milestone due: Write the talk (Speak at a meetup)",
        "Weekly review",
    }
    assert events["Goal due: Speak at a meetup"].decoded("dtstart") == date(2026, 6, 30)
    written = events["Milestone due: Write the talk (Speak at a meetup)"]
    assert written.decoded("dtstart") == date(2026, 4, 1)
    review = events["Weekly review"]
    assert review["rrule"]["FREQ"] == ["WEEKLY"]
    assert review["rrule"]["BYDAY"] == ["WE"]
    assert review.decoded("dtstart").weekday() == 2


def test_a_mentors_feed_holds_nothing_of_their_mentees(
    browsers: Browsers, pages_api: Api, system: System
) -> None:
    ann, bob = pages_api.join("Ann"), pages_api.join("Bob")
    mentor(system, ann, bob)
    ann_goal = set_goal(
        system, ann, visibility="mentors", title="Ann speaks at meetups"
    )
    milestone(system, ann, ann_goal, "Ann's milestone", date(2026, 4, 1))
    set_goal(system, bob, title="Bob writes a book")
    events = events_of(browsers.anonymous(), feed_path(browsers.of(bob), system))
    assert set(events) == {"Goal due: Bob writes a book", "Weekly review"}


def test_a_reset_gives_a_new_url_and_the_old_one_is_not_found(
    browsers: Browsers, pages_api: Api, system: System
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    old = feed_path(browser, system)
    page = page_of(browser.get("/settings"))
    form = page.find("form", action="/settings/calendar/reset")
    assert isinstance(form, Tag) and form.find("button") is not None
    response = browser.submit("/settings/calendar/reset", {}, page="/settings")
    assert response.status_code == 302
    new = feed_path(browser, system)
    assert new != old
    outsider = browsers.anonymous()
    assert outsider.get(old).status_code == 404
    assert outsider.get(new).status_code == 200
    member_id = UUID(ann.id)
    history = [e.type for e in system.app.history(member_id, member_id)]
    assert history[-1] == "CalendarFeedReset"


def test_the_reset_needs_the_forms_csrf_token(
    browsers: Browsers, pages_api: Api, system: System
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    before = pages_api.events()
    assert browser.post("/settings/calendar/reset").status_code == 400
    assert pages_api.events() == before


def test_a_wrong_or_foreign_token_is_not_found(
    browsers: Browsers, pages_api: Api, system: System
) -> None:
    ann, bob = pages_api.join("Ann"), pages_api.join("Bob")
    anns = feed_path(browsers.of(ann), system).removeprefix("/calendar/")
    anns = anns.removesuffix(".ics")
    ann_id, mac = anns.split(".")
    outsider = browsers.anonymous()
    for token in (
        f"{bob.id}.{mac}",  # Ann's mac on Bob's id
        f"{ann_id}.{mac[:-1]}{'0' if mac[-1] != '0' else '1'}",
        f"{ann_id}.",
        ann_id,
        "not-a-token",
    ):
        assert outsider.get(f"/calendar/{token}.ics").status_code == 404, token


def test_an_erased_members_feed_is_not_found(
    browsers: Browsers, pages_api: Api, system: System
) -> None:
    ann = pages_api.join("Ann")
    path = feed_path(browsers.of(ann), system)
    erased = pages_api.delete(ann, "/me", json={"password": PASSWORD})
    assert erased.status_code == 204
    assert browsers.anonymous().get(path).status_code == 404
