"""No dead ends (issue 14): a win's comments open the action with its feedback,
names on the board open that person's journal, every notification opens what it
is about, and the navigation shows the unread count."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit
from uuid import UUID

import pytest
from flask import Flask

from projections.notifications_queries import Notification
from service import commands as c
from tests.web.conftest import Api, Person
from tests.web.helpers import log, share_group
from tests.web.pages.conftest import Browser, Browsers, page_of
from web.pages import notifications

REVIEW = "9b0a3f4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"


def _follow(browser: Browser, href: str) -> str:
    """The text of the page a link on a page opens (200 required)."""
    parts = urlsplit(href)
    opened = browser.get(f"{parts.path}?{parts.query}")
    assert opened.status_code == 200, href
    return " ".join(page_of(opened).get_text(" ").split())


def _group(pages_api: Api) -> tuple[Person, Person, Person, UUID]:
    """Fay's group with Ann and Bob, Ann and Bob buddies."""
    fay, ann, bob = (pages_api.join(n) for n in ("Fay", "Ann", "Bob"))
    group = share_group(pages_api, fay, ann, bob)
    pair = c.PairBuddies(UUID(fay.id), group, UUID(ann.id), UUID(bob.id))
    pages_api.system.write(pair)
    return fay, ann, bob, group


def test_a_wins_comments_open_the_action_with_its_feedback(
    browsers: Browsers, pages_api: Api
) -> None:
    fay, ann, bob, group = _group(pages_api)
    win = log(pages_api, ann, "Gave my first talk", win=True, visibility="group")
    comment = c.GiveFeedback(UUID(bob.id), "action", UUID(win), "Loved the demo")
    pages_api.system.write(comment)

    fays = browsers.of(fay)
    item = page_of(fays.get(f"/groups/{group}")).find(id=f"win-{win}")
    link = next(a for a in item.find_all("a") if "1 comment" in a.get_text())
    assert "Gave my first talk" in link.get_text()  # named for screen readers
    shown = _follow(fays, str(link["href"]))
    assert "Gave my first talk" in shown and "Loved the demo" in shown


def test_names_on_the_board_open_what_the_viewer_may_see_of_them(
    browsers: Browsers, pages_api: Api
) -> None:
    fay, ann, _bob, group = _group(pages_api)
    log(pages_api, ann, "Gave my first talk", win=True, visibility="group")
    log(pages_api, ann, "Negotiated quietly", visibility="private")

    fays = browsers.of(fay)
    board = page_of(fays.get(f"/groups/{group}"))
    names = {
        a.get_text(" ").split(":")[0].strip(): str(a["href"])
        for a in board.select("#members-heading ~ div th[scope=row] a")
    }
    assert names["Ann"] == f"/journal?member={ann.id}"
    assert names["Fay"] == "/journal"  # one's own journal
    shown = _follow(fays, names["Ann"])
    assert "Gave my first talk" in shown and "Negotiated quietly" not in shown
    wins = board.find(id="wins-heading").find_parent()
    by = [(a.get_text(), a["href"]) for a in wins.select("li > span.muted > a")]
    assert by == [("Ann", f"/journal?member={ann.id}")]


def test_a_buddys_activity_opens_the_action_not_the_groups_index(
    browsers: Browsers, pages_api: Api
) -> None:
    _fay, ann, bob, _group_id = _group(pages_api)
    log(pages_api, bob, "Shipped the portfolio site", win=True, visibility="group")

    anns = browsers.of(ann)
    page = page_of(anns.get("/notifications"))
    item = next(
        li
        for li in page.select("ol.notifications > li")
        if "Shipped the portfolio site" in li.get_text()
    )
    href = str(item.find("a")["href"])
    assert not href.startswith("/groups")
    assert "Shipped the portfolio site" in _follow(anns, href)


def test_feedback_on_my_action_opens_the_action_with_the_feedback(
    browsers: Browsers, pages_api: Api
) -> None:
    _fay, ann, bob, _group_id = _group(pages_api)
    win = log(pages_api, ann, "Gave my first talk", win=True, visibility="group")
    comment = c.GiveFeedback(UUID(bob.id), "action", UUID(win), "Loved the demo")
    pages_api.system.write(comment)

    anns = browsers.of(ann)
    item = page_of(anns.get("/notifications")).select("ol.notifications > li")[0]
    assert "left feedback" in item.get_text()
    shown = _follow(anns, str(item.find("a")["href"]))
    assert "Loved the demo" in shown


def _nav_link(browser: Browser, path: str = "/") -> tuple[str, str | None]:
    nav = page_of(browser.get(path)).find("nav", attrs={"aria-label": "Main"})
    link = nav.find("a", href="/notifications")
    text = " ".join(link.get_text(" ").split())
    label = link.get("aria-label")
    return text, None if label is None else str(label)


def test_the_navigation_shows_the_unread_count_with_a_spoken_label(
    browsers: Browsers, pages_api: Api
) -> None:
    _fay, ann, bob, _group_id = _group(pages_api)
    log(pages_api, bob, "Shipped the site", visibility="group")
    log(pages_api, bob, "Read a chapter", visibility="group")
    anns = browsers.of(ann)

    assert _nav_link(anns) == ("Notifications (2)", "Notifications, 2 unread")
    anns.submit("/notifications/read", {}, page="/notifications")
    assert _nav_link(anns) == ("Notifications", None)


def test_the_unread_count_is_asked_once_a_page(
    browsers: Browsers, pages_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fay, ann, bob, _group_id = _group(pages_api)
    log(pages_api, bob, "Shipped the site", visibility="group")
    calls: list[object] = []
    counted = notifications.unread_count

    def counting(*args: object) -> int:
        calls.append(args)
        return counted(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(notifications, "unread_count", counting)
    shown = page_of(browsers.of(ann).get("/notifications")).get_text(" ")
    assert "1 unread" in shown and len(calls) == 1


def _notice(kind: str, item_kind: str, item_id: str | None) -> Notification:
    at = datetime(2026, 12, 4, 9, tzinfo=UTC)
    return Notification(1, "m", kind, at, None, "text", item_kind, item_id, False)


@pytest.mark.parametrize(
    ("kind", "item_kind", "item_id", "link"),
    [
        ("reminder_review_due", "review", "", "/reviews/new"),
        ("reminder_inactivity", "action", "", "/actions/new"),
        ("feedback_received", "review", REVIEW, f"/reviews/{REVIEW}"),
        ("cheer_received", "goal", REVIEW, f"/goals/{REVIEW}"),
        ("mentor_request", "mentorship", REVIEW, "/mentoring"),
    ],
)
def test_a_notification_without_an_action_leads_to_its_item_or_what_it_asks(
    web_app: Flask, kind: str, item_kind: str, item_id: str, link: str
) -> None:
    with web_app.test_request_context():
        assert notifications._link(_notice(kind, item_kind, item_id), {}) == link
