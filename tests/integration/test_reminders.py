"""Reminders (SPEC 8) planned into the outbox and delivered to a real SMTP server
(aiosmtpd on 127.0.0.1), on SQLite and PostgreSQL: each only to members who chose
it, once per thing, in-app too, at most 5 emails a week with the rest folded into
the next digest, never in quiet hours or on away days."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from notify.outbox import outbox
from notify.reminders import WEEKLY_CAP
from notify.unsubscribe import read_unsubscribe_token
from projections.notifications import notifications_for
from service import commands as c
from tests.integration.mail import (
    BASE_URL,
    SECRET,
    Collector,
    World,
    bodies,
    check_email,
    utc,
)

SIGNALS = {
    "motivation": 3,
    "focus": 3,
    "learning": 3,
    "recognition": 3,
    "satisfaction": 3,
}


def remind(world: World, when: datetime, **more: Any) -> Any:
    """A round as the scheduler runs it: in-app notifications issued too."""
    return world.round(when, issue=world.system.app.handle, **more)


def reminders(world: World) -> list[tuple[str, str, str]]:
    """(member, reminder name, status) of every reminder row, in planning order."""
    return [
        (r.member_id, r.kind.removeprefix("reminder:"), r.status)
        for r in world.rows()
        if r.kind.startswith("reminder:")
    ]


def name_of(world: World, member_id: str) -> str:
    return next(n for n, i in world.ids.items() if str(i) == member_id)


def emailed(smtp: Collector) -> list[tuple[UUID, str, EmailMessage]]:
    """(member, kind, message) of every reminder received, each checked."""
    found = []
    for message in smtp.messages:
        token = message["List-Unsubscribe"][len(f"<{BASE_URL}/unsubscribe/") : -1]
        member_id, kind = read_unsubscribe_token(SECRET, token)
        check_email(message, member_id, kind)
        if kind.startswith("reminder:"):
            found.append((member_id, kind, message))
    return found


def inbox(world: World, name: str) -> list[tuple[str, str]]:
    """(kind, text) of a member's in-app notifications, newest first."""
    world.system.runner.catch_up()
    with world.system.read() as conn:
        page = notifications_for(conn, world.ids[name], limit=50)
    return [(n.kind, n.text) for n in page.items]


def test_each_reminder_reaches_only_the_members_who_chose_it_by_email_and_in_app(
    world: World, smtp: Collector
) -> None:
    ann, _, cy, dee = (world.join(n) for n in ("Ann", "Bob", "Cy", "Dee"))
    eve, fay, gus, hal = (world.join(n) for n in ("Eve", "Fay", "Gus", "Hal"))
    world.at(utc(2026, 3, 2, 9))
    # Ann: a milestone due in 3 days on Friday, an action this week.
    goal = world.do(
        c.SetGoal(ann, "Move into product", "short", "Growth", date(2026, 4, 30))
    ).id
    world.do(c.AddMilestone(ann, goal, "Send the portfolio", date(2026, 3, 9)))
    world.do(c.AddMilestone(ann, goal, "Book the mock interview", date(2026, 3, 10)))
    world.act("Ann", utc(2026, 3, 2, 9))
    # Bob is asked to mentor Ann on Monday and does not answer.
    world.do(c.ProposeMentorship(ann, "bob@example.com"))
    # Dee mentors Cy and suggests a step on Monday, unanswered.
    link = world.do(c.ProposeMentorship(cy, "dee@example.com")).id
    world.do(c.AnswerMentorship(dee, link, "accept"))
    cy_goal = world.do(
        c.SetGoal(cy, "Change teams this spring", "short", "Variety", date(2026, 6, 30))
    ).id
    world.do(c.MakeSuggestion(dee, cy_goal, "action", "Ask for a skip-level chat"))
    # Eve and Fay are buddies in Gus's group; Fay's last action was 10 days ago.
    group = world.do(c.CreateGroup(gus, "Switchers", "Keep going")).id
    for who in (eve, fay):
        token = world.do(c.InviteToGroup(gus, group)).extra["token"]
        world.do(c.JoinGroup(who, token))
    world.do(c.PairBuddies(gus, group, eve, fay))
    world.do(c.LogAction(fay, "learning", "Read a chapter", date(2026, 2, 24)))
    # Hal is as quiet as Fay but chose no reminders; everyone else reviews weekly.
    world.do(c.LogAction(hal, "learning", "Read a chapter", date(2026, 2, 24)))
    world.do(c.ChangePreferences(hal, {"reminders": []}))
    for who in (cy, dee, eve, gus):
        world.do(c.RecordReview(who, SIGNALS))

    remind(world, utc(2026, 3, 6, 10))

    got = {(name_of(world, m), r) for m, r, status in reminders(world)}
    assert got == {
        ("Ann", "review_due"),
        ("Ann", "milestone_due"),  # the 9th: in 3 days; the 10th is 4 days away
        ("Bob", "review_due"),
        ("Bob", "requests_waiting"),  # Ann's request, 4 days old
        ("Cy", "requests_waiting"),  # Dee's suggestion, 4 days old
        ("Eve", "buddy_quiet"),  # Fay: no action for 10 days
        ("Fay", "review_due"),
        ("Fay", "inactivity"),
    }
    assert {status for _, _, status in reminders(world)} == {"sent"}
    mails = emailed(smtp)
    assert sorted((str(m), k) for m, k, _ in mails) == sorted(
        (str(world.ids[n]), f"reminder:{r}") for n, r in got
    )
    by = {(name_of(world, str(m)), k): message for m, k, message in mails}
    text, html = bodies(by[("Ann", "reminder:milestone_due")])
    assert "Send the portfolio" in text and "Send the portfolio" in html
    assert "Book the mock interview" not in text
    assert f"{BASE_URL}/goals/{goal}" in text
    text, _ = bodies(by[("Eve", "reminder:buddy_quiet")])
    assert "Fay has not logged an action for 10 days, since Tue 24 Feb" in text
    assert f"{BASE_URL}/buddies/{world.ids['Fay']}" in text  # decided when followed
    text, _ = bodies(by[("Fay", "reminder:inactivity")])
    assert "for 10 days, since Tue 24 Feb" in text
    assert (
        "reminder_inactivity",
        "No action logged since Tuesday 24 February: one small step gets you going"
        " again.",
    ) in inbox(world, "Fay")
    text, _ = bodies(by[("Cy", "reminder:requests_waiting")])
    assert "Dee" in text and "Ask for a skip-level chat" in text
    # Each reminder is also an in-app notification, in the member's own words.
    assert (
        "reminder_milestone_due",
        "Your milestone \u201cSend the portfolio\u201d is due on Monday 9 March.",
    ) in inbox(world, "Ann")
    assert (
        "reminder_buddy_quiet",
        "Fay went quiet: no action since Tuesday 24 February. A word from you may"
        " help.",
    ) in inbox(world, "Eve")
    assert any(
        k == "reminder_requests_waiting" and t.startswith("Ann ")
        for k, t in inbox(world, "Bob")
    )
    assert not [k for k, _ in inbox(world, "Hal") if k.startswith("reminder_")]


def test_never_the_same_reminder_twice_for_the_same_thing(
    world: World, smtp: Collector
) -> None:
    ann = world.join("Ann")
    world.at(utc(2026, 3, 2, 9))
    goal = world.do(
        c.SetGoal(ann, "Move into product", "short", "Growth", date(2026, 4, 30))
    ).id
    world.do(c.AddMilestone(ann, goal, "Send the portfolio", date(2026, 3, 9)))
    world.do(c.ChangePreferences(ann, {"reminders": ["milestone_due"]}))
    for when in (utc(2026, 3, 6, 10), utc(2026, 3, 6, 10, 15), utc(2026, 3, 7, 10)):
        remind(world, when)
    assert len(smtp.messages) == 1
    assert [k for k, _ in inbox(world, "Ann")].count("reminder_milestone_due") == 1
    # Issuing it again (a second scheduler, a crash before the row) changes nothing.
    again = world.system.app.handle(
        c.IssueReminder(
            ann,
            "milestone_due",
            reminders_about(world)[0],
            "milestone",
            UUID(milestone_of(world, goal)),
            goal,
            day=date(2026, 3, 9),
        )
    )
    assert again.extra == {"issued": False}
    # A new due date is a new thing to be reminded of.
    world.at(utc(2026, 3, 8, 9))
    world.do(c.AddMilestone(ann, goal, "Rehearse the pitch", date(2026, 3, 10)))
    remind(world, utc(2026, 3, 8, 10))
    assert len(smtp.messages) == 2
    assert "Rehearse the pitch" in bodies(smtp.messages[1])[0]


def reminders_about(world: World) -> list[str]:
    return [r.period for r in world.rows() if r.kind.startswith("reminder:")]


def milestone_of(world: World, goal: Any) -> str:
    about = reminders_about(world)[0]
    kind, item, _ = about.split(":")
    assert kind == "milestone"
    return item


def test_at_most_five_a_week_the_rest_fold_into_the_next_digest(
    world: World, smtp: Collector
) -> None:
    ann = world.join("Ann")
    world.at(utc(2026, 3, 2, 9))
    goal = world.do(
        c.SetGoal(ann, "Move into product", "short", "Growth", date(2026, 4, 30))
    ).id
    titles = [f"Step {n}" for n in range(1, 8)]
    for title in titles:
        world.do(c.AddMilestone(ann, goal, title, date(2026, 3, 8)))
    world.act("Ann", utc(2026, 3, 2, 9))
    remind(world, utc(2026, 3, 6, 10))  # 7 milestones and the review: 8 due
    rows = reminders(world)
    assert Counter(status for _, _, status in rows) == {
        "sent": WEEKLY_CAP,
        "skipped": 3,
    }
    assert len(smtp.messages) == WEEKLY_CAP
    # The most pressing first: the milestones before the review prompt.
    assert [r for _, r, s in rows if s == "skipped"][-1] == "review_due"
    folded = [r.subject for r in world.rows() if r.last_error == "folded"]
    # Every one of them is in-app all the same.
    assert len([k for k, _ in inbox(world, "Ann") if k.startswith("reminder_")]) == 8
    smtp.messages.clear()
    remind(world, utc(2026, 3, 9, 8))  # Monday 08:00: the weekly digest
    digests = [
        m
        for m in smtp.messages
        if "digest" in str(m["Subject"]).lower()
        or "momentum" in str(m["Subject"]).lower()
    ]
    assert len(digests) == 1
    text, html = bodies(digests[0])
    assert "YOU ALSO HAVE" in text and "You also have" in html
    for subject in folded:
        assert subject in text
    # A new week, a new allowance: nothing folded is sent again.
    assert not [r for r in reminders(world) if r[2] == "planned"]


def test_nothing_in_quiet_hours_or_on_away_days_then_it_goes_out(
    world: World, smtp: Collector
) -> None:
    ann = world.join("Ann", "Asia/Kathmandu")  # +05:45
    bob = world.join("Bob")
    world.at(utc(2026, 3, 2, 9))
    for who in (ann, bob):
        goal = world.do(
            c.SetGoal(who, "Move into product", "short", "Growth", date(2026, 4, 30))
        ).id
        world.do(c.AddMilestone(who, goal, "Send the portfolio", date(2026, 3, 9)))
        world.do(c.ChangePreferences(who, {"reminders": ["milestone_due"]}))
    world.do(c.SetAwayPeriod(bob, date(2026, 3, 6), date(2026, 3, 6)))
    remind(world, utc(2026, 3, 6, 1))  # Ann: 06:45, quiet until 07:00; Bob: away
    assert reminders(world) == []
    remind(world, utc(2026, 3, 6, 1, 15))  # Ann: 07:00
    assert [name_of(world, m) for m, _, _ in reminders(world)] == ["Ann"]
    remind(world, utc(2026, 3, 7, 9))  # Bob is back
    assert sorted(name_of(world, m) for m, _, _ in reminders(world)) == ["Ann", "Bob"]
    assert len(smtp.messages) == 2


def test_a_dry_run_plans_reminders_but_records_issues_and_sends_nothing(
    world: World, smtp: Collector
) -> None:
    ann = world.join("Ann")
    world.at(utc(2026, 3, 2, 9))
    world.do(c.LogAction(ann, "learning", "Read a chapter", date(2026, 2, 20)))
    before = world.system.app.recorder.max_notification_id()
    report = remind(world, utc(2026, 3, 6, 10), dry_run=True)
    assert {(p.kind, p.status) for p in report.plan.planned} >= {
        ("reminder:inactivity", "planned"),
        ("reminder:review_due", "planned"),
    }
    assert any("reminder:inactivity" in line for line in report.lines())
    assert world.rows() == [] and smtp.messages == []
    assert world.system.app.recorder.max_notification_id() == before
    remind(world, utc(2026, 3, 6, 10))
    assert {r for _, r, _ in reminders(world)} == {"inactivity", "review_due"}
    with world.system.read() as conn:
        assert conn.execute(select(func.count()).select_from(outbox)).scalar() == 2


def test_no_review_reminder_once_the_week_is_reviewed_and_the_day_is_my_own(
    world: World, smtp: Collector
) -> None:
    ann, bob = world.join("Ann"), world.join("Bob")
    world.at(utc(2026, 3, 2, 9))
    world.do(c.RecordReview(ann, SIGNALS))
    world.do(c.ChangePreferences(bob, {"review_weekday": 6}))  # Sunday
    remind(world, utc(2026, 3, 6, 10))
    assert reminders(world) == []
    remind(world, utc(2026, 3, 8, 10))
    assert [(name_of(world, m), r) for m, r, _ in reminders(world)] == [
        ("Bob", "review_due")
    ]
    assert "weekly review day" in bodies(smtp.messages[0])[0]
