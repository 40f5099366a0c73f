"""A "buddy went quiet" reminder leads somewhere that exists whenever it is followed:
the group still shared with the buddy, or (once they have left, or the group is
gone) my groups, saying why; never a 404 (no dead ends)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from service import commands as c
from tests.web.conftest import Api, Person
from tests.web.helpers import share_group
from tests.web.pages.conftest import Browser, Browsers, page_of


def _quiet_buddy(pages_api: Api) -> tuple[Person, Person, Person, UUID]:
    """Fay's group with Ann and Bob, buddies; Ann is reminded that Bob went quiet."""
    fay, ann, bob = (pages_api.join(n) for n in ("Fay", "Ann", "Bob"))
    group = share_group(pages_api, fay, ann, bob)
    pages_api.system.write(
        c.PairBuddies(UUID(fay.id), group, UUID(ann.id), UUID(bob.id))
    )
    pages_api.system.write(
        c.IssueReminder(
            UUID(ann.id),
            "buddy_quiet",
            f"buddy:{bob.id}:2026-02-20",
            ref_kind="member",
            ref_id=UUID(bob.id),
            day=date(2026, 2, 20),
        )
    )
    return fay, ann, bob, group


def _reminder_link(browser: Browser) -> str:
    page = page_of(browser.get("/notifications"))
    item = next(
        li
        for li in page.select("ol.notifications > li")
        if "went quiet" in li.get_text()
    )
    link = item.find("a")
    assert link is not None
    return str(link["href"])


def _followed(browser: Browser, href: str) -> tuple[str, str]:
    """The path a link ends on after its redirects, and that page's text (200)."""
    opened = browser.get(href, follow_redirects=True)
    assert opened.status_code == 200, href
    return opened.request.path, " ".join(page_of(opened).get_text(" ").split())


def test_the_reminder_opens_the_group_shared_with_the_buddy(
    browsers: Browsers, pages_api: Api
) -> None:
    _fay, ann, bob, group = _quiet_buddy(pages_api)
    anns = browsers.of(ann)
    href = _reminder_link(anns)
    assert href == f"/buddies/{bob.id}"
    path, text = _followed(anns, href)
    assert path == f"/groups/{group}"
    assert "Buddy pairs" in text and "Bob" in text


def test_after_the_buddy_left_the_reminder_opens_my_groups_saying_why(
    browsers: Browsers, pages_api: Api
) -> None:
    _fay, ann, bob, group = _quiet_buddy(pages_api)
    pages_api.system.write(c.LeaveGroup(UUID(bob.id), group))

    anns = browsers.of(ann)
    path, text = _followed(anns, _reminder_link(anns))
    assert path == "/groups"
    assert "Bob is no longer in a group with you" in text
    assert "went quiet" in page_of(anns.get("/notifications")).get_text()


def test_after_i_left_the_group_the_reminder_still_opens_a_page(
    browsers: Browsers, pages_api: Api
) -> None:
    _fay, ann, bob, group = _quiet_buddy(pages_api)
    pages_api.system.write(c.LeaveGroup(UUID(ann.id), group))

    anns = browsers.of(ann)
    path, text = _followed(anns, f"/buddies/{bob.id}")
    assert path == "/groups" and "no longer in a group with you" in text


def test_a_visitor_following_the_emailed_link_signs_in_first(
    browsers: Browsers, pages_api: Api
) -> None:
    _fay, _ann, bob, _group = _quiet_buddy(pages_api)
    response = browsers.anonymous().get(f"/buddies/{bob.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin")
