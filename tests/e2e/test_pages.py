"""Every page, with the demo data, in Chromium: no serious or critical axe-core
violations, no console or CSP errors, no sideways scrolling at 360 px wide; a
full-page screenshot at desktop and phone width in tests/e2e/artifacts/."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from notify.unsubscribe import unsubscribe_token
from tests.e2e.browsing import DESKTOP, PHONE, People, Visitor
from tests.e2e.checks import (
    check_accessibility,
    check_phone_width,
    page_width,
    screenshot,
)
from tests.e2e.server import LONG_WORD, SECRET_KEY, Demo


@dataclass(frozen=True)
class Visit:
    """A page, who looks at it (a demo member's key, or None for a visitor) and the
    status it answers with."""

    name: str
    who: str | None
    path: Callable[[Demo], str]
    status: int = 200


def _fixed(path: str) -> Callable[[Demo], str]:
    return lambda demo: path


VISITS = [
    Visit("dashboard", "amara", _fixed("/")),
    Visit("goals", "amara", _fixed("/goals")),
    Visit("goal-new", "amara", _fixed("/goals/new")),
    Visit("goal", "amara", lambda d: f"/goals/{d.goal_id}"),
    Visit("goal-metric", "amara", lambda d: f"/goals/{d.metric_goal_id}"),
    Visit(
        "goal-as-of", "amara", lambda d: f"/goals/{d.metric_goal_id}?as_of={d.as_of}"
    ),
    Visit("dashboard-as-of", "amara", lambda d: f"/?as_of={d.as_of}"),
    Visit("action-new", "amara", _fixed("/actions/new")),
    Visit("review-new", "amara", _fixed("/reviews/new")),
    Visit("reviews", "amara", _fixed("/reviews")),
    Visit("journal", "amara", _fixed("/journal")),
    Visit("journal-as-of", "amara", lambda d: f"/journal?as_of={d.as_of}"),
    Visit("mentoring", "daniel", _fixed("/mentoring")),
    Visit("mentee-timeline", "daniel", lambda d: f"/mentees/{d.members['amara']}"),
    Visit("review-for-mentor", "daniel", lambda d: f"/reviews/{d.review_id}"),
    Visit("review-own", "amara", lambda d: f"/reviews/{d.review_id}"),
    Visit("action-for-mentor", "daniel", lambda d: f"/actions/{d.action_id}"),
    Visit(
        "journal-of-mentee",
        "daniel",
        lambda d: f"/journal?member={d.members['amara']}",
    ),
    Visit(
        "journal-of-mentee-as-of",
        "daniel",
        lambda d: f"/journal?member={d.members['amara']}&as_of={d.as_of}",
    ),
    Visit("groups", "sofia", _fixed("/groups")),
    Visit("group-board", "sofia", lambda d: f"/groups/{d.group_id}"),
    Visit("group-join", "daniel", lambda d: f"/groups/join?token={d.join_token}"),
    Visit("notifications", "amara", _fixed("/notifications")),
    Visit("settings", "amara", _fixed("/settings")),
    Visit("settings-mentor", "daniel", _fixed("/settings")),  # two digest previews
    Visit("history", "amara", _fixed("/settings/history")),
    Visit("history-mentor", "daniel", _fixed("/settings/history")),
    Visit(
        "history-of-a-goal",
        "amara",
        lambda d: f"/settings/history?item={d.metric_goal_id}",
    ),
    Visit("admin", "sofia", _fixed("/admin")),
    Visit("dev-mail", "amara", _fixed("/dev/mail")),
    Visit("dev-mail-message", "amara", lambda d: f"/dev/mail/{d.mail_id}"),
    Visit("signin", None, _fixed("/signin")),
    Visit("signup", None, _fixed("/signup")),
    Visit(
        "unsubscribe",
        None,
        lambda d: (
            "/unsubscribe/"
            + unsubscribe_token(SECRET_KEY, d.members["amara"], "reminder:review_due")
        ),
    ),
    Visit("error-404", "amara", lambda d: f"/goals/{uuid.uuid4()}", status=404),
]


@pytest.fixture(scope="module")
def visitor_of(people: People) -> Callable[[str | None], Visitor]:
    """The browser of a demo member (signed in) or of an anonymous visitor."""
    anonymous = people.fresh("visitor")

    def of(who: str | None) -> Visitor:
        return anonymous if who is None else people.demo(who)

    return of


@pytest.mark.parametrize("visit", VISITS, ids=[v.name for v in VISITS])
def test_page_is_accessible_and_fits_a_phone(
    visit: Visit,
    visitor_of: Callable[[str | None], Visitor],
    people: People,
    axe_source: str,
) -> None:
    """The page renders cleanly, passes axe and fits 360 px without scrolling."""
    visitor = visitor_of(visit.who)
    page = visitor.open(visit.path(people.served.demo), status=visit.status)
    check_accessibility(page, visit.name, axe_source)
    screenshot(page, visit.name)
    check_phone_width(page, visit.name)


FORMS = [  # (name, page, its submit button) — submitted empty
    ("goal-new-errors", "/goals/new", "Set this goal"),
    ("action-new-errors", "/actions/new", "Log action"),
    ("review-new-errors", "/reviews/new", "Record review"),
]


@pytest.mark.parametrize(("name", "path", "button"), FORMS, ids=[f[0] for f in FORMS])
def test_form_with_errors_is_accessible(
    name: str,
    path: str,
    button: str,
    visitor_of: Callable[[str | None], Visitor],
    axe_source: str,
) -> None:
    """Submitted empty, the form comes back (422) with its errors, still passing
    axe, fitting a phone, and marking the fields in error."""
    visitor = visitor_of("amara")
    visitor.open(path)
    page = visitor.submit(button, status=422)
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    check_accessibility(page, name, axe_source)
    screenshot(page, name)
    check_phone_width(page, name)


LONG_WORD_PAGES = [  # pages that show Amara's long-word win or milestone
    Visit("journal", "amara", _fixed("/journal")),
    Visit("dashboard", "amara", _fixed("/")),
    Visit("group-board", "sofia", lambda d: f"/groups/{d.group_id}"),
    Visit("mentee-timeline", "daniel", lambda d: f"/mentees/{d.members['amara']}"),
]


@pytest.mark.parametrize(
    "visit", LONG_WORD_PAGES, ids=[v.name for v in LONG_WORD_PAGES]
)
def test_long_words_wrap_at_desktop_and_phone_width(
    visit: Visit, visitor_of: Callable[[str | None], Visitor], people: People
) -> None:
    """A 150-character title and a 200-character word in notes wrap: the page
    shows them and is no wider than the window at 1280 px and at 360 px."""
    visitor = visitor_of(visit.who)
    page = visitor.open(visit.path(people.served.demo))
    expect(page.get_by_text(LONG_WORD[:150]).first).to_be_attached()
    assert page_width(page) <= DESKTOP["width"], f"{visit.name} is wider than 1280 px"
    check_phone_width(page, f"{visit.name}-long-words")


def test_timezone_select_follows_the_device(people: People) -> None:
    """Sign-up picks the device's zone (Chromium reports India as the old
    "Asia/Calcutta": it becomes Asia/Kolkata) from canonical zones only; settings
    offer a button for a device in another zone than the account's."""
    visitor = people.fresh("traveller")
    device = visitor.context.new_cdp_session(visitor.page)
    device.send("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Calcutta"})
    page = visitor.open("/signup")
    select = page.get_by_label("Timezone")
    expect(select).to_have_value("Asia/Kolkata")
    listed = select.locator("option").all_inner_texts()
    assert "Factory" not in listed and "US/Eastern" not in listed
    page.get_by_label("Your name").fill("Tara Traveller")
    page.get_by_label("Email").fill(f"tara-{uuid.uuid4().hex[:8]}@example.org")
    page.get_by_label("Password", exact=False).fill("a long enough password")
    visitor.submit("Sign up")
    device.send("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Tokyo"})
    page = visitor.open("/settings")
    expect(page.get_by_label("Timezone")).to_have_value("Asia/Kolkata")
    page.get_by_role("button", name="Use this device's timezone (Asia/Tokyo)").click()
    expect(page.get_by_label("Timezone")).to_have_value("Asia/Tokyo")


SMALLEST_CHART_TEXT = """() => Math.min(...[...document.querySelectorAll(
  'figure.chart svg text')].map((t) =>
    t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize)))"""


@pytest.mark.parametrize(
    "visit", [VISITS[0], VISITS[3]], ids=[VISITS[0].name, VISITS[3].name]
)
def test_chart_text_is_readable_on_a_phone(
    visit: Visit, visitor_of: Callable[[str | None], Visitor], people: People
) -> None:
    """At 360 px wide the charts' text is drawn at 10 px or more (each chart
    scrolls sideways in its own box rather than shrinking to fit)."""
    page = visitor_of(visit.who).open(visit.path(people.served.demo))
    page.set_viewport_size(PHONE)
    try:
        assert page.locator("figure.chart svg text").count() > 0
        assert page.evaluate(SMALLEST_CHART_TEXT) >= 10
        assert page_width(page) <= PHONE["width"]
    finally:
        page.set_viewport_size(DESKTOP)
