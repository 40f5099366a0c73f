"""The dashboard: a member's own numbers, what needs attention, the charts."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any
from uuid import UUID

from bs4 import BeautifulSoup, Tag

from service import commands as c
from service.clock import FixedClock
from tests.web.conftest import Api, Person
from tests.web.helpers import log, mentor, set_goal
from tests.web.pages.conftest import Browsers, page_of

SIGNALS = {
    "motivation": 4,
    "focus": 2,
    "learning": 4,
    "recognition": 3,
    "satisfaction": 3,
}
STALLED = "Finish the cloud certificate"
MILESTONE = "Submit the abstract"
TALK = "Give a conference talk on testing"


def _section(page: BeautifulSoup, heading_id: str) -> str:
    """The text of the dashboard section headed by `heading_id`."""
    heading = page.find(id=heading_id)
    assert heading is not None, f"no section {heading_id!r}"
    section = heading.find_parent("section")
    assert isinstance(section, Tag)
    return " ".join(section.get_text(" ", strip=True).split())


def _review(api: Api, who: Person) -> None:
    body: dict[str, Any] = {"signals": SIGNALS, "went_well": "Shipped it"}
    assert api.post(who, "/reviews", json=body).status_code == 201


def _stalled_goal(api: Api, who: Person) -> str:
    """A goal of `who` due in four days with nothing done yet: stalled."""
    goal = c.SetGoal(
        UUID(who.id),
        STALLED,
        "short",
        "It opens the platform team to me",
        date(2026, 3, 6),
        visibility="mentors",
    )
    return str(api.system.write(goal).id)


def _goal_with_a_milestone(api: Api, who: Person) -> str:
    goal = c.SetGoal(
        UUID(who.id),
        TALK,
        "short",
        "Speaking is how I get noticed",
        date(2026, 6, 30),
        visibility="mentors",
        milestones=(c.NewMilestone(MILESTONE, date(2026, 3, 20)),),
    )
    return str(api.system.write(goal).id)


def _busy_member(api: Api, clock: FixedClock) -> tuple[Person, str, str]:
    """Ann: a stalled goal, a goal with a milestone, 2 actions today, a review;
    the clock at 13:00 so today's actions count. (Ann, stalled id, talk id)"""
    ann = api.join("Ann")
    stalled, talk = _stalled_goal(api, ann), _goal_with_a_milestone(api, ann)
    log(api, ann, occurred_on="2026-03-02")
    log(api, ann, occurred_on="2026-03-02", title="Asked Sam about the talk")
    _review(api, ann)
    clock.advance(hours=4)
    return ann, stalled, talk


def test_a_visitor_is_sent_to_sign_in(browsers: Browsers) -> None:
    response = browsers.anonymous().get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin")


def test_a_member_sees_the_momentum_the_api_reports(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    ann, _, _ = _busy_member(pages_api, clock)
    metrics = pages_api.get(ann, "/momentum").json
    page = page_of(browsers.of(ann).get("/"))
    shown = page.find(id="momentum-value")
    assert shown is not None
    assert shown.get_text(" ", strip=True).split()[0] == str(metrics["momentum"])
    meter = page.find("meter")
    assert meter is not None and meter["value"] == str(metrics["momentum"])
    assert metrics["momentum"] > 0 and metrics["trend"] > 0
    assert f"up {metrics['trend']}" in _section(page, "momentum-heading")


def test_a_member_sees_this_weeks_actions_against_the_target_and_streaks(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    ann, _, _ = _busy_member(pages_api, clock)
    week = _section(page_of(browsers.of(ann).get("/")), "week-heading")
    assert "2 of 3" in week
    assert "1 more to reach your target of 3" in week
    assert "Action streak 0 weeks" in week and "Review streak 1 week" in week


def test_rut_risk_shows_its_level_and_the_reasons_behind_it(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    ann, _, _ = _busy_member(pages_api, clock)
    risk = pages_api.get(ann, "/momentum").json["rut_risk"]
    text = _section(page_of(browsers.of(ann).get("/")), "risk-heading")
    assert text.startswith(f"Rut risk {risk['score']} {risk['level']}")
    assert "Your last review rated focus 2/5." in text
    assert "You logged an action today." in text
    momentum = pages_api.get(ann, "/momentum").json["momentum"]
    assert f"Your momentum is {momentum} of 100." in text
    assert f"({round(40 * risk['signals'])} of 40 points)" in text


def test_a_quiet_member_is_told_how_long_it_has_been(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    ann = pages_api.join("Ann")
    goal = set_goal(pages_api, ann)
    log(pages_api, ann, occurred_on="2026-03-02", goal_id=goal)
    clock.advance(days=15)
    page = page_of(browsers.of(ann).get("/"))
    risk = _section(page, "risk-heading")
    assert "No action for 15 days." in risk
    assert "No review in the last 35 days" in risk
    stalled = _section(page, "stalled-heading")
    assert "No action or progress for 15 days." in stalled


def test_stalled_goals_and_next_milestones_link_to_their_goals(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    ann, stalled_id, talk_id = _busy_member(pages_api, clock)
    clock.advance(days=1)  # no goal is stalled on the day it was set
    page = page_of(browsers.of(ann).get("/"))
    stalled = _section(page, "stalled-heading")
    assert STALLED in stalled and "It is due in 3 days and 0% done." in stalled
    assert TALK not in stalled
    assert page.find("a", href=f"/goals/{stalled_id}", string=STALLED)
    milestones = _section(page, "milestones-heading")
    assert f"{MILESTONE} — due in 17 days ( 2026-03-20 ) for {TALK}" in milestones
    assert page.find("a", href=f"/goals/{talk_id}", string=TALK)


def test_a_new_member_is_shown_how_to_begin(browsers: Browsers, pages_api: Api) -> None:
    page = page_of(browsers.of(pages_api.join("Ann")).get("/"))
    welcome = _section(page, "welcome-heading")
    assert "Set your first goal" in welcome
    assert page.find("a", href="/goals/new", string="Set your first goal")
    assert page.find("form", action="/actions/new")  # they can still log
    assert page.find("figure") is None  # no empty charts to stare at


def test_a_member_with_a_goal_is_no_longer_new(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    set_goal(pages_api, ann)
    page = page_of(browsers.of(ann).get("/"))
    assert page.find(id="welcome-heading") is None
    assert page.find(id="momentum-heading") is not None


def test_a_member_never_sees_another_members_data(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    ann, _, _ = _busy_member(pages_api, clock)
    bob = pages_api.join("Bob")
    set_goal(pages_api, bob, title="Lead the testing guild")
    mentor(pages_api, ann, bob)  # Bob may see Ann's goals elsewhere, not here
    response = browsers.of(bob).get("/")
    body = response.get_data(as_text=True)
    for theirs in (STALLED, TALK, MILESTONE, "Asked Sam"):
        assert theirs not in body
    page = page_of(response)
    assert _section(page, "week-heading").startswith("This week 0 of 3")
    assert "Ann" not in body


def test_the_charts_name_themselves_and_carry_their_numbers(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    ann, _, _ = _busy_member(pages_api, clock)
    page = page_of(browsers.of(ann).get("/"))
    figures = page.find_all("figure", class_="chart")
    assert len(figures) == 4
    for figure in figures:
        svg = figure.find("svg")
        assert svg["role"] == "img"
        title_id, desc_id = svg["aria-labelledby"].split()
        assert svg.find("title", id=title_id).get_text(strip=True)
        assert svg.find("desc", id=desc_id).get_text(strip=True)
        table = figure.find("details").find("table")
        assert table.find("caption").get_text(strip=True)
        assert table.find_all("th", scope="col")
        assert table.find_all("th", scope="row")
    ids = Counter(str(tag["id"]) for tag in page.find_all(id=True))
    assert [i for i, n in ids.items() if n > 1] == []
    heat, _, bars, _ = figures
    assert "2 actions on 1 day" in heat.find("desc").get_text()
    march = heat.find("th", string="March 2026").find_parent("tr")
    assert [td.get_text() for td in march.find_all("td")] == ["2", "1"]
    this_week = bars.find("th", string="2 Mar 2026").find_parent("tr")
    assert [td.get_text() for td in this_week.find_all("td")] == ["2", "no"]


def test_the_one_line_form_logs_an_action_and_comes_back(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    ann, _, _ = _busy_member(pages_api, clock)
    browser = browsers.of(ann)
    form = page_of(browser.get("/")).find("form", action="/actions/new")
    assert form is not None
    fields = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    assert {"title", "form_key", "next", "csrf_token"} <= fields.keys()
    assert form.find("select", attrs={"name": "category"}) is not None
    before = pages_api.events()
    posted = browser.submit(
        "/actions/new",
        {"title": "Drafted the abstract", "category": "visibility"}
        | {"form_key": fields["form_key"], "next": fields["next"]},
        page="/",
    )
    assert posted.status_code == 302 and posted.headers["Location"] == "/"
    assert pages_api.events() > before
    week = _section(page_of(browser.get("/")), "week-heading")
    assert "3 of 3" in week and "target met" in week


def test_the_one_line_form_needs_its_csrf_token(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    before = pages_api.events()
    refused = browsers.of(ann).post(
        "/actions/new", {"title": "Forged", "category": "learning"}
    )
    assert refused.status_code == 400
    assert pages_api.events() == before


def test_above_pace_the_summary_says_what_the_gauge_says(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    ann = pages_api.join("Ann")
    pages_api.system.write(c.UpdateSettings(UUID(ann.id), weekly_target=1))
    for day in ("2026-02-26", "2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"):
        log(pages_api, ann, occurred_on=day)
    clock.advance(hours=4)
    momentum = pages_api.get(ann, "/momentum").json["momentum_uncapped"]
    assert momentum > 100

    page = page_of(browsers.of(ann).get("/"))
    gauge = page.find(id="momentum-value")
    assert gauge is not None and gauge.get_text(" ", strip=True).startswith("100+")
    risk = _section(page, "risk-heading")
    assert f"Your momentum is 100+ ({momentum}% of your target pace)." in risk
    assert "of 100." not in risk
