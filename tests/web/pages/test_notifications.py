"""The notifications page: newest first, unread said in words, links to what each
is about, "mark all read", pages of notifications."""

from __future__ import annotations

from uuid import UUID

from service import commands as c
from tests.web.conftest import Api, Person
from tests.web.helpers import mentor, set_goal
from tests.web.pages.conftest import Browsers, page_of


def _feedback(pages_api: Api, author: Person, goal: str, *texts: str) -> None:
    for text in texts:
        given = c.GiveFeedback(UUID(author.id), "goal", UUID(goal), text)
        pages_api.system.write(given)


def _ben_gives_ann_feedback(pages_api: Api, *texts: str) -> tuple[Person, Person, str]:
    """Ann, her mentor Ben, and Ann's `mentors` goal on which Ben left `texts`."""
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    mentor(pages_api, ann, ben)
    goal = set_goal(pages_api, ann, "mentors")
    _feedback(pages_api, ben, goal, *(texts or ("Good start",)))
    return ann, ben, goal


def test_notifications_are_newest_first_with_unread_marked_in_words(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben, goal = _ben_gives_ann_feedback(pages_api)
    pages_api.system.write(c.CheerItem(UUID(ben.id), "goal", UUID(goal)))

    page = page_of(browsers.of(ann).get("/notifications"))
    items = page.select("ol.notifications > li")
    texts = [" ".join(li.get_text(" ").split()) for li in items]
    assert texts[0].startswith("New Ben cheered your goal")
    assert texts[1].startswith("New Ben left feedback on your goal")
    link = items[0].find("a")
    assert link is not None and link["href"] == f"/goals/{goal}"


def test_marking_all_read_clears_the_unread_marks(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, _ben, _goal = _ben_gives_ann_feedback(pages_api)
    anns = browsers.of(ann)
    assert "2 unread" in anns.get("/notifications").get_data(as_text=True)

    marked = anns.submit("/notifications/read", {}, page="/notifications")
    assert marked.status_code == 302
    page = page_of(anns.get("/notifications"))
    assert "Nothing unread" in page.get_text(" ")
    assert page.select("ol.notifications > li")  # still listed, read now
    assert not page.select("ol.notifications .badge")


def test_marking_read_without_a_csrf_token_is_refused(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, _ben, _goal = _ben_gives_ann_feedback(pages_api)
    anns = browsers.of(ann)
    before = pages_api.events()
    assert anns.post("/notifications/read").status_code == 400
    assert pages_api.events() == before
    assert "2 unread" in anns.get("/notifications").get_data(as_text=True)


def test_notifications_come_a_page_at_a_time(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, _ben, _goal = _ben_gives_ann_feedback(
        pages_api, *(f"Note {n}" for n in range(26))
    )
    anns = browsers.of(ann)
    first = page_of(anns.get("/notifications"))
    assert len(first.select("ol.notifications > li")) == 25
    older = first.find("a", string="Older notifications")
    assert older is not None
    second = page_of(anns.get(str(older["href"])))
    # 26 feedback notifications and the mentorship's acceptance, newest first.
    assert len(second.select("ol.notifications > li")) == 2
    assert second.find("a", string="Newest notifications") is not None


def test_a_made_up_page_of_notifications_is_refused(
    browsers: Browsers, pages_api: Api
) -> None:
    anns = browsers.of(pages_api.join("Ann"))
    assert anns.get("/notifications?cursor=nonsense").status_code == 422


def test_each_member_sees_only_their_own_notifications(
    browsers: Browsers, pages_api: Api
) -> None:
    _ann, ben, _goal = _ben_gives_ann_feedback(pages_api)
    text = page_of(browsers.of(ben).get("/notifications")).get_text(" ")
    assert "left feedback" not in text


def test_visitors_are_sent_to_sign_in(browsers: Browsers) -> None:
    response = browsers.anonymous().get("/notifications")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin")
