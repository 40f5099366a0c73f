"""Issue 5's story in a real browser: a person signs up, sets a goal with milestones,
logs actions, reviews the week and invites a mentor; the mentor accepts, reads the
timeline and leaves feedback; the person sees the notification. Controls are found by
their labels and roles, which also proves the forms are labelled."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.browsing import People, Visitor, assert_no_errors, sign_in
from tests.e2e.checks import check_accessibility

PASSWORD = "a long enough passphrase"
GOAL = "Give a talk at the local Python meetup"
MILESTONE = "Send the talk proposal to the organisers"


def _today() -> date:
    """Today in UTC (the people here sign up with the UTC timezone)."""
    return datetime.now(UTC).date()


def sign_up(visitor: Visitor, name: str, email: str) -> None:
    """Create an account through the sign-up form; land on the dashboard."""
    page = visitor.open("/signup")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(visitor.url("/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name.split()[0])
    assert_no_errors(visitor)


def sign_out(visitor: Visitor) -> None:
    """Sign out with the header's button."""
    visitor.page.get_by_role("button", name="Sign out").click()
    expect(visitor.page).to_have_url(visitor.url("/signin"))


def set_goal(visitor: Visitor) -> str:
    """Set a SMART goal with two milestones; return the goal page's path."""
    page = visitor.open("/goals/new")
    today = _today()
    page.get_by_label("Title", exact=True).fill(GOAL)
    page.get_by_label("Why it matters to you").fill(
        "Speaking makes my work *visible* beyond my team."
    )
    page.get_by_label("Due date", exact=True).fill(str(today + timedelta(days=60)))
    page.get_by_label("Me and my mentors").check()
    page.get_by_label("Milestone 1", exact=True).fill(MILESTONE)
    page.get_by_label("Milestone 1 due date").fill(str(today + timedelta(days=14)))
    page.get_by_label("Milestone 2", exact=True).fill("Rehearse the talk twice")
    page.get_by_label("Milestone 2 due date").fill(str(today + timedelta(days=45)))
    page.get_by_role("button", name="Set this goal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(GOAL)
    roadmap = page.get_by_role("region", name="Roadmap")
    expect(roadmap.get_by_text(MILESTONE)).to_be_visible()
    expect(roadmap.get_by_text("Rehearse the talk twice")).to_be_visible()
    assert_no_errors(visitor)
    return page.url.removeprefix(visitor.base_url)


def log_action_on_goal(visitor: Visitor, goal_path: str) -> None:
    """From the goal page's link, log an action linked to the goal."""
    page = visitor.open(goal_path)
    page.get_by_role("link", name="Log an action on this goal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log an action")
    expect(page.get_by_label("Towards goal")).to_have_value(goal_path.split("/")[-1])
    page.get_by_label("What did you do?").fill("Drafted the talk outline")
    page.get_by_label("Category").select_option("visibility")
    page.get_by_label("Minutes spent").fill("45")
    page.get_by_role("button", name="Log action").click()
    expect(page.get_by_text("Drafted the talk outline").first).to_be_visible()
    assert_no_errors(visitor)


def log_action_from_dashboard(visitor: Visitor) -> None:
    """The dashboard's one-line form logs an action in one go."""
    page = visitor.open("/")
    form = page.get_by_role("region", name="Log an action")
    form.get_by_label("What did you do?").fill("Asked a speaker for advice")
    form.get_by_label("Category").select_option("networking")
    form.get_by_role("button", name="Log it").click()
    expect(page.locator(".flash")).to_be_visible()
    assert_no_errors(visitor)
    journal = visitor.open("/journal")
    expect(journal.get_by_text("Asked a speaker for advice").first).to_be_visible()


def weekly_review(visitor: Visitor) -> None:
    """Rate the five signals, reflect, and commit to a next step."""
    page = visitor.open("/reviews/new")
    for signal in ("Motivation", "Focus", "Learning", "Recognition", "Satisfaction"):
        page.get_by_role("group", name=signal).get_by_label("4").check()
    page.get_by_label("What went well?").fill("I finally started on the talk.")
    step = page.get_by_role("group", name="Next step 1")
    step.get_by_label("If/when").fill("When I sit down on Monday morning")
    step.get_by_label("then").fill("I will rehearse the first five minutes")
    page.get_by_role("button", name="Record review").click()
    expect(page.get_by_text("rehearse the first five minutes").first).to_be_visible()
    assert_no_errors(visitor)


def invite_mentor(visitor: Visitor, mentor_email: str) -> None:
    """Ask someone, by email, to be my mentor."""
    page = visitor.open("/mentoring")
    page.get_by_label("Your mentor's email").fill(mentor_email)
    page.get_by_label("A message for them (optional)").fill("Would you mentor me?")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("invited, no answer yet")).to_be_visible()
    assert_no_errors(visitor)


def accept_and_give_feedback(visitor: Visitor, mentee: str, axe: str) -> None:
    """Accept the request, open the mentee's timeline, leave feedback on the goal."""
    page = visitor.open("/mentoring")
    request = page.get_by_role("listitem").filter(has_text=mentee)
    request.get_by_role("button", name="Accept").click()
    triage = page.get_by_role("region", name="Your mentees, who needs you first")
    triage.get_by_role("link", name=mentee).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{mentee}’s timeline")
    goal = page.get_by_role("article").filter(has_text=GOAL)
    expect(goal).to_be_visible()
    expect(page.get_by_text("Drafted the talk outline").first).to_be_visible()
    goal.get_by_label(f"Leave feedback on “{GOAL}”").fill(
        "A great topic. Pick **one** story and tell it well."
    )
    goal.get_by_role("button", name="Send feedback").click()
    goal = page.get_by_role("article").filter(has_text=GOAL)
    expect(goal.get_by_text("Pick one story and tell it well.")).to_be_visible()
    assert_no_errors(visitor)
    check_accessibility(page, "mentee-timeline-after-feedback", axe)


def sees_feedback_notification(visitor: Visitor, mentor: str) -> Page:
    """The mentee's notifications name the mentor's feedback on the goal."""
    page = visitor.open("/notifications")
    note = page.get_by_role("listitem").filter(has_text=f"{mentor} left feedback on")
    expect(note).to_have_count(1)
    expect(note).to_contain_text(GOAL)
    assert_no_errors(visitor)
    return page


def test_person_and_mentor_work_through_the_whole_story(
    people: People, axe_source: str
) -> None:
    """Sign up, goal, actions, review, invite; the mentor accepts and gives
    feedback; the person is notified."""
    run = uuid.uuid4().hex[:8]
    mentee_name, mentor_name = "Mira Flow", "Otto Guide"
    mentee, mentor = people.fresh("mentee"), people.fresh("mentor")
    mentor_email = f"otto-{run}@example.com"
    sign_up(mentor, mentor_name, mentor_email)
    sign_out(mentor)

    sign_up(mentee, mentee_name, f"mira-{run}@example.com")
    goal_path = set_goal(mentee)
    log_action_on_goal(mentee, goal_path)
    log_action_from_dashboard(mentee)
    weekly_review(mentee)
    invite_mentor(mentee, mentor_email)

    sign_in(mentor, mentor_email, PASSWORD)
    accept_and_give_feedback(mentor, mentee_name, axe_source)

    page = sees_feedback_notification(mentee, mentor_name)
    check_accessibility(page, "notifications-after-feedback", axe_source)
