"""The mentoring pages: inviting a mentor, answering and ending mentorships, the
mentor's triage list and a mentee's timeline, suggestions and their answers."""

from __future__ import annotations

from uuid import UUID

from bs4 import BeautifulSoup

from service import commands as c
from tests.web.conftest import Api
from tests.web.helpers import log, mentor, set_goal
from tests.web.pages.conftest import Browsers, field_error, form_errors, page_of


def _form_action(page: str, label: str, html: str) -> str:
    """The action of the form whose button says `label` on a page's HTML."""
    soup = BeautifulSoup(html, "html.parser")
    for button in soup.find_all("button"):
        if button.get_text(" ", strip=True).startswith(label):
            form = button.find_parent("form")
            assert form is not None
            return str(form["action"])
    raise AssertionError(f"no {label!r} button on {page}")


def test_a_mentee_invites_a_mentor_who_accepts_and_sees_what_they_may(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    set_goal(pages_api, ann, "mentors", title="Speak at a meetup")
    set_goal(pages_api, ann, "private", title="Find a new job quietly")
    anns, bens = browsers.of(ann), browsers.of(ben)

    invited = anns.submit("/mentoring", {"mentor_email": ben.email})
    assert invited.status_code == 302
    assert ben.email in anns.get("/mentoring").get_data(as_text=True)
    assert bens.get(f"/mentees/{ann.id}").status_code == 404  # not yet accepted

    page = bens.get("/mentoring").get_data(as_text=True)
    assert "Asking you to be their mentor" in page and "Ann" in page
    accept = _form_action("/mentoring", "Accept", page)
    assert bens.submit(accept, {}, page="/mentoring").status_code == 302

    timeline = bens.get(f"/mentees/{ann.id}")
    assert timeline.status_code == 200
    text = page_of(timeline).get_text(" ")
    assert "Speak at a meetup" in text
    assert "Find a new job quietly" not in text
    assert f"/mentees/{ann.id}" in bens.get("/mentoring").get_data(as_text=True)

    form = page_of(timeline).find("textarea", attrs={"name": "text"})
    assert form is not None
    fields = {
        tag["name"]: tag.get("value", "")
        for tag in form.find_parent("form").find_all("input")
    }
    sent = bens.submit("/feedback", {**fields, "text": "Well chosen"}, page="/")
    assert sent.status_code == 302
    notices = page_of(anns.get("/notifications")).get_text(" ")
    assert "Ben left feedback on your goal “Speak at a meetup”" in notices


def test_the_triage_list_says_why_a_mentee_is_flagged(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    mentor(pages_api, ann, ben)
    text = page_of(browsers.of(ben).get("/mentoring")).get_text(" ")
    assert "no action logged yet" in text
    assert "Rut risk" in text


def test_the_timeline_shows_mentors_items_but_not_private_ones(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    mentor(pages_api, ann, ben)
    log(pages_api, ann, "Rehearsed the talk", visibility="mentors")
    log(pages_api, ann, "Updated my secret CV", visibility="private")
    text = page_of(browsers.of(ben).get(f"/mentees/{ann.id}")).get_text(" ")
    assert "Rehearsed the talk" in text
    assert "Updated my secret CV" not in text


def test_a_stranger_and_a_former_mentor_get_404_on_the_timeline(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben, cat = (pages_api.join(n) for n in ("Ann", "Ben", "Cat"))
    link = mentor(pages_api, ann, ben)
    assert browsers.of(cat).get(f"/mentees/{ann.id}").status_code == 404
    pages_api.system.write(c.AnswerMentorship(UUID(ann.id), link, "end"))
    assert browsers.of(ben).get(f"/mentees/{ann.id}").status_code == 404


def test_inviting_a_bad_email_shows_the_error_next_to_the_field(
    browsers: Browsers, pages_api: Api
) -> None:
    anns = browsers.of(pages_api.join("Ann"))
    before = pages_api.events()
    response = anns.submit("/mentoring", {"mentor_email": "not an email"})
    assert response.status_code == 422
    assert "valid email" in field_error(response, "mentor_email")
    assert pages_api.events() == before


def test_inviting_yourself_shows_the_error_next_to_the_field(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    before = pages_api.events()
    response = browsers.of(ann).submit("/mentoring", {"mentor_email": ann.email})
    assert response.status_code == 422
    assert "own mentor" in field_error(response, "mentor_email")
    assert form_errors(response) == ""
    assert pages_api.events() == before


def test_mentoring_forms_without_a_csrf_token_are_refused(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    link = mentor(pages_api, ann, ben)
    goal = set_goal(pages_api, ann)
    anns, bens = browsers.of(ann), browsers.of(ben)
    before = pages_api.events()
    assert (
        anns.post("/mentoring", {"mentor_email": "cat@example.com"}).status_code == 400
    )
    assert anns.post(f"/mentorships/{link}/end").status_code == 400
    suggestion = {"goal": goal, "kind": "milestone", "title": "Book a venue"}
    assert bens.post(f"/mentees/{ann.id}", suggestion).status_code == 400
    assert pages_api.events() == before


def test_ending_a_mentorship_asks_first_then_ends_the_mentors_access(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    link = mentor(pages_api, ann, ben)
    anns = browsers.of(ann)
    confirm = anns.get(f"/mentorships/{link}/end")
    assert confirm.status_code == 200
    assert "End the mentorship with Ben" in page_of(confirm).get_text(" ")
    ended = anns.submit(f"/mentorships/{link}/end", {"reason": "Thanks for all"})
    assert ended.status_code == 302
    assert browsers.of(ben).get(f"/mentees/{ann.id}").status_code == 404
    assert "You have no mentor yet" in anns.get("/mentoring").get_data(as_text=True)


def test_someone_outside_a_mentorship_cannot_see_or_answer_it(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben, cat = (pages_api.join(n) for n in ("Ann", "Ben", "Cat"))
    link = pages_api.system.write(c.ProposeMentorship(UUID(ann.id), ben.email)).id
    cats = browsers.of(cat)
    before = pages_api.events()
    assert cats.get(f"/mentorships/{link}/end").status_code == 404
    accept = cats.submit(f"/mentorships/{link}/accept", {}, page="/mentoring")
    assert accept.status_code == 404
    assert pages_api.events() == before


def test_a_declined_request_leaves_the_list(browsers: Browsers, pages_api: Api) -> None:
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    link = pages_api.system.write(c.ProposeMentorship(UUID(ann.id), ben.email)).id
    bens = browsers.of(ben)
    declined = bens.submit(f"/mentorships/{link}/decline", {}, page="/mentoring")
    assert declined.status_code == 302
    page = bens.get("/mentoring").get_data(as_text=True)
    assert "Asking you to be their mentor" not in page


def test_a_mentor_suggests_a_milestone_and_the_mentee_accepts_it(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    mentor(pages_api, ann, ben)
    goal = set_goal(pages_api, ann)
    suggestion = {"goal": goal, "kind": "milestone", "title": "Book a venue"}
    sent = browsers.of(ben).submit(f"/mentees/{ann.id}", suggestion)
    assert sent.status_code == 302

    anns = browsers.of(ann)
    page = anns.get("/mentoring").get_data(as_text=True)
    assert "Book a venue" in page
    accept = _form_action("/mentoring", "Accept and add", page)
    assert anns.submit(accept, {}, page="/mentoring").status_code == 302

    assert "Book a venue" not in anns.get("/mentoring").get_data(as_text=True)
    milestones = pages_api.get(ann, f"/goals/{goal}").get_json()["milestones"]
    assert [m["title"] for m in milestones] == ["Book a venue"]


def test_a_mentee_declines_a_suggestion_saying_why(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    mentor(pages_api, ann, ben)
    goal = set_goal(pages_api, ann)
    made = c.MakeSuggestion(UUID(ben.id), UUID(goal), "action", "Cold-call people")
    suggestion = pages_api.system.write(made).id
    anns = browsers.of(ann)
    declined = anns.submit(
        f"/suggestions/{suggestion}/decline",
        {"reason": "Not my style"},
        page="/mentoring",
    )
    assert declined.status_code == 302
    assert "Cold-call people" not in anns.get("/mentoring").get_data(as_text=True)
    assert pages_api.get(ann, f"/goals/{goal}").get_json()["milestones"] == []


def test_only_the_mentee_answers_a_suggestion(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    mentor(pages_api, ann, ben)
    goal = set_goal(pages_api, ann)
    made = c.MakeSuggestion(UUID(ben.id), UUID(goal), "milestone", "Book a venue")
    suggestion = pages_api.system.write(made).id
    before = pages_api.events()
    bens = browsers.of(ben)
    answer = bens.submit(f"/suggestions/{suggestion}/accept", {}, page="/mentoring")
    assert answer.status_code == 404
    assert pages_api.events() == before


def test_a_suggestion_without_a_title_shows_the_error_next_to_it(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    mentor(pages_api, ann, ben)
    goal = set_goal(pages_api, ann)
    before = pages_api.events()
    response = browsers.of(ben).submit(
        f"/mentees/{ann.id}", {"goal": goal, "kind": "milestone", "title": " "}
    )
    assert response.status_code == 422
    assert field_error(response, "title")
    assert pages_api.events() == before


def test_the_suggestion_form_offers_only_goals_shown_to_mentors(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    mentor(pages_api, ann, ben)
    set_goal(pages_api, ann, "mentors")
    secret = set_goal(pages_api, ann, "private", title="Plan a quiet career change")
    bens = browsers.of(ben)
    before = pages_api.events()
    response = bens.submit(
        f"/mentees/{ann.id}", {"goal": secret, "kind": "milestone", "title": "Hm"}
    )
    assert response.status_code == 422
    assert field_error(response, "goal")
    assert pages_api.events() == before
