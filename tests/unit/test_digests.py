"""Digests composed from a history written through the service with the fixed clock,
projected by every read model, and checked against numbers worked out by hand."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Connection, Engine, event

from notify.digest_model import GroupMember, GroupNews, MenteeNews
from notify.digests import (
    GroupDigest,
    MemberDigest,
    MentorDigest,
    digest_for,
    group_digests,
    member_digests,
    mentor_digests,
    period_for,
)
from notify.recipients import Person
from notify.render import render
from projections.db import make_engine
from projections.goals_queries import stalled_goals, upcoming_milestones
from projections.registry import all_models
from projections.runner import ProjectionRunner
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.conftest import START, make_app, registrar

STEADY = (3 / 7) * 14 / math.log(2)  # raw score of steadily meeting a target of 3
NOW = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)  # Monday: the week of 9–15 March
SIGNALS = {"motivation": 4, "focus": 3, "learning": 5, "recognition": 2}
SIGNALS |= {"satisfaction": 4}  # s = (1 + 2 + 0 + 3 + 1) / 4 / 5 = 0.35


def momentum(points: list[tuple[float, float]]) -> int:
    """round(100 · Σ w · 0.5^(days ago / 14) / steady) for (weight, days ago)."""
    raw: float = sum(w * 0.5 ** (d / 14) for w, d in points)
    return round(100 * raw / STEADY)


def risk(s: float, score: int, days_since_action: float) -> int:
    """SPEC 5 rut risk from its three parts."""
    i = min(1, days_since_action / 21)
    return round(100 * (0.4 * s + 0.4 * (1 - min(1, score / 100)) + 0.2 * i))


@dataclass
class Story:
    """Who is who in the history below (ids as strings, as the read models have)."""

    app: MomentumApplication
    clock: FixedClock
    sync: Callable[[], int]
    ann: str = ""
    bob: str = ""
    cy: str = ""
    eve: str = ""
    dee: str = ""
    group: str = ""

    def at(self, when: datetime) -> None:
        self.clock.set(when)

    def do(self, command: c.Command) -> UUID:
        return self.app.handle(command).id


def _day(d: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, d, hour, 0, tzinfo=UTC)


def _people(s: Story) -> None:
    """Bob mentors Ann and Eve; Cy facilitates a group Ann and Eve joined; Dee is on
    her own."""
    register = registrar(s.app)
    ann, bob, cy, eve, dee = (register(n) for n in ("Ann", "Bob", "Cy", "Eve", "Dee"))
    s.ann, s.bob, s.cy, s.eve, s.dee = map(str, (ann, bob, cy, eve, dee))
    for mentee in (ann, eve):
        link = s.do(c.ProposeMentorship(mentee, "bob@example.com"))
        s.do(c.AnswerMentorship(bob, link, "accept"))
    group = s.do(c.CreateGroup(cy, "Career changers", "Keep going"))
    token = s.app.handle(c.InviteToGroup(cy, group)).extra["token"]
    for member in (ann, eve):
        s.do(c.JoinGroup(member, token))
    s.group = str(group)


def _goals(s: Story) -> UUID:
    """Ann's talk, with a roadmap, and a private goal she never touches."""
    ann = UUID(s.ann)
    talk = s.do(
        c.SetGoal(
            ann,
            "Speak at a local meetup",
            "short",
            "Visibility in my field",
            date(2026, 4, 30),
            milestones=(
                c.NewMilestone("Draft the talk", date(2026, 3, 20)),
                c.NewMilestone("Rehearse with a friend", date(2026, 4, 10)),
            ),
        )
    )
    s.do(
        c.SetGoal(
            ann,
            "Finish the Rust course",
            "short",
            "Learn a systems language",
            date(2026, 3, 25),
            visibility="private",
        )
    )
    return talk


def _week(s: Story, talk: UUID) -> None:
    """Ann's week of 9–15 March, with an action either side of it."""
    ann, bob, cy = UUID(s.ann), UUID(s.bob), UUID(s.cy)
    s.at(_day(8))
    s.do(c.LogAction(ann, "learning", "Read a chapter on talks", goal_id=talk))
    s.at(_day(9))
    s.do(c.LogAction(ann, "learning", "Outlined the talk", goal_id=talk))
    s.at(_day(11))
    coffee = "Coffee with a hiring manager"  # no goal: visible to mentors
    s.do(c.LogAction(ann, "networking", coffee, win=True))
    s.at(_day(12))
    talk_win = c.LogAction(ann, "visibility", "Gave a lightning talk", win=True)
    talked = s.do(replace(talk_win, visibility="group"))
    cv_win = c.LogAction(ann, "portfolio", "Updated my CV <v2>", win=True)
    s.do(replace(cv_win, visibility="private"))
    s.at(_day(12, 15))
    s.do(c.GiveFeedback(bob, "action", talked, "Brilliant, the demo landed."))
    s.do(c.CheerItem(cy, "action", talked))
    withdrawn = s.do(c.GiveFeedback(bob, "action", talked, "Typo in my note"))
    s.do(c.WithdrawFeedback(bob, withdrawn))
    s.at(_day(13, 18))
    s.do(c.RecordReview(ann, SIGNALS, went_well="The talk went well"))
    s.at(_day(14))
    s.do(c.LogAction(cy, "learning", "Read about facilitation"))
    s.at(_day(15))
    s.do(c.LogAction(ann, "learning", "Sunday reading"))
    s.at(_day(16, 7))  # today: the next digest's
    s.do(c.LogAction(ann, "learning", "Early start"))
    s.do(c.GiveFeedback(bob, "action", talked, "One more thought"))


def tell(app: MomentumApplication, clock: FixedClock, engine: Engine) -> Story:
    """The history of 2–16 March 2026, projected by every read model into `engine`."""
    runner = ProjectionRunner(app, engine, all_models())
    runner.setup()
    told = Story(app, clock, runner.catch_up)
    _people(told)
    _week(told, _goals(told))
    told.sync()
    told.at(NOW)
    return told


@pytest.fixture(scope="module")
def told() -> Iterator[tuple[Story, Engine]]:
    """The history, told once for the tests that only read it."""
    clock = FixedClock(START)
    app = make_app("memory://", clock)
    engine = make_engine("memory://")
    yield tell(app, clock, engine), engine
    engine.dispose()
    app.close()


@pytest.fixture
def story(told: tuple[Story, Engine]) -> Story:
    return told[0]


@pytest.fixture
def engine(told: tuple[Story, Engine]) -> Engine:
    return told[1]


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        yield connection


# Ann's points (weight, days before NOW): actions at noon, the check-in at its time;
# today's action, logged this morning, counts from its logging
# (docs/metrics.md).
ANN_POINTS = [
    (1, 7 + 20 / 24),  # Sun 8 March
    (1, 6 + 20 / 24),  # Mon 9
    (1.5, 4 + 20 / 24),  # Wed 11, a win
    (3, 3 + 20 / 24),  # Thu 12, two wins
    (1, 2 + 14 / 24),  # the check-in, Fri 13 at 18:00
    (1, 20 / 24),  # Sun 15
    (1, 0),  # Mon 16, this morning's
]


def test_a_period_is_whole_local_days_before_the_day_of_sending() -> None:
    week = period_for("weekly", NOW, "UTC")
    assert (week.first_day, week.last_day, week.today) == (
        date(2026, 3, 9),
        date(2026, 3, 15),
        date(2026, 3, 16),
    )
    assert week.key == "weekly:2026-03-09"
    assert date(2026, 3, 15) in week and date(2026, 3, 16) not in week
    day = period_for("daily", NOW, "UTC")
    assert (day.first_day, day.last_day) == (date(2026, 3, 15), date(2026, 3, 15))
    # Los Angeles: 01:00 on Monday 16 March, a week after clocks went forward.
    west = period_for("weekly", NOW, "America/Los_Angeles")
    assert west.starts_at == datetime(2026, 3, 9, 7, tzinfo=UTC)
    assert west.ends_at == datetime(2026, 3, 16, 7, tzinfo=UTC)
    assert west.holds(datetime(2026, 3, 16, 6, 59, tzinfo=UTC))
    assert not west.holds(datetime(2026, 3, 16, 7, tzinfo=UTC))
    # Auckland: already 21:00 on Monday 16 March at 08:00 UTC; 01:00 on Monday at
    # 12:00 UTC the day before.
    east = period_for("weekly", NOW - timedelta(hours=20), "Pacific/Auckland")
    assert (east.first_day, east.last_day) == (date(2026, 3, 9), date(2026, 3, 15))
    with pytest.raises(ValueError):
        period_for("monthly", NOW, "UTC")


def test_a_weekly_digest_sent_midweek_tells_the_last_whole_iso_week() -> None:
    thursday = NOW + timedelta(days=3, hours=10)  # Thursday 19 March, 18:00
    week = period_for("weekly", thursday, "UTC")
    assert (week.first_day, week.last_day, week.today) == (
        date(2026, 3, 9),  # the ISO week the dashboard's bars and streaks count
        date(2026, 3, 15),
        date(2026, 3, 19),
    )
    assert week.key == period_for("weekly", NOW, "UTC").key  # one digest a week
    # Sunday night in Tokyo is still the week of 9–15 March there.
    sunday = period_for("weekly", datetime(2026, 3, 15, 14, tzinfo=UTC), "Asia/Tokyo")
    assert (sunday.first_day, sunday.last_day) == (date(2026, 3, 2), date(2026, 3, 8))


def test_member_digest_tells_the_week_in_hand_checked_numbers(
    story: Story, conn: Connection
) -> None:
    ann = member_digests(conn, [story.ann], NOW, "weekly")[story.ann]
    assert ann.actions == 5  # 9, 11, 12 (two) and 15 March; not 8 or 16
    assert ann.actions_this_week == 1  # this morning's
    assert ann.weekly_target == 3
    assert ann.momentum == momentum(ANN_POINTS) == 91
    assert (ann.pace, ann.momentum_label, ann.above_pace) == (91, "91", False)
    assert ann.trend == 91  # nothing 28 days ago
    assert (ann.streak, ann.review_streak) == (1, 1)  # last week met; 2–8 March not
    assert [(w.day.day, w.title) for w in ann.wins] == [
        (11, "Coffee with a hiring manager"),
        (12, "Gave a lightning talk"),
        (12, "Updated my CV <v2>"),  # her own digest: private wins too
    ]
    # Withdrawn feedback and this morning's are not the week's.
    assert [(f.author_name, f.item_title, f.text) for f in ann.feedback] == [
        ("Bob", "Gave a lightning talk", "Brilliant, the demo landed.")
    ]
    assert [(f.author_name, f.item_title) for f in ann.cheers] == [
        ("Cy", "Gave a lightning talk")
    ]
    # Due from today to 30 March; "Rehearse" (10 April) and the talk (30 April) later.
    assert [(d.kind, d.title, d.due_on) for d in ann.upcoming] == [
        ("milestone", "Draft the talk", date(2026, 3, 20)),
        ("goal", "Finish the Rust course", date(2026, 3, 25)),
    ]
    assert [(g.title, g.days_quiet) for g in ann.stalled] == [
        ("Finish the Rust course", 14)  # set 2 March, never touched
    ]
    # Read in bulk, yet what the goal board says for one member.
    board = [card.goal_id for card in stalled_goals(conn, story.ann, NOW)]
    assert [g.goal_id for g in ann.stalled] == board
    soon = [u.milestone.milestone_id for u in upcoming_milestones(conn, story.ann, NOW)]
    assert len(soon) == len([d for d in ann.upcoming if d.kind == "milestone"]) == 1
    assert not ann.review_due  # checked in on Friday
    assert not ann.empty


def test_daily_digest_covers_yesterday_only(story: Story, conn: Connection) -> None:
    ann = digest_for(conn, "member", story.ann, NOW, "daily")
    assert isinstance(ann, MemberDigest)
    assert ann.period.first_day == ann.period.last_day == date(2026, 3, 15)
    assert (ann.actions, ann.wins, ann.feedback, ann.cheers) == (1, (), (), ())
    shown = render(ann)
    assert shown.subject == "Your momentum yesterday: 1 action, momentum 91"
    assert "1 action yesterday; 1 of 3 this week so far." in shown.text


def test_a_quiet_members_digest_is_empty_and_prompts_for_a_check_in(
    story: Story, conn: Connection
) -> None:
    dee = member_digests(conn, [story.dee], NOW, "weekly")[story.dee]
    assert dee.empty and dee.review_due
    assert (dee.actions, dee.momentum, dee.streak) == (0, 0, 0)
    assert "take ten minutes for your weekly review" in render(dee).text
    assert member_digests(conn, ["no-such-member"], NOW, "weekly") == {}


def test_mentor_digest_puts_who_needs_attention_first_and_shows_what_mentors_see(
    story: Story, conn: Connection
) -> None:
    bob = mentor_digests(conn, [story.bob], NOW, "weekly")[story.bob]
    assert [m.display_name for m in bob.mentees] == ["Eve", "Ann"]
    eve, ann = bob.mentees
    # Eve never acted nor checked in: s = 0.5, b = 1, i = 1, the same a week ago.
    assert (eve.momentum, eve.rut_risk, eve.rut_level) == (0, 80, "high")
    # a week ago she was in her first grace week (docs/metrics.md)
    assert (eve.risk_change, eve.level_before) == (0, "new")
    assert eve.reasons == ("no action logged yet", "momentum 0 of 100")
    # Ann now: s = 0.35 from Friday's check-in, momentum 91, acted today.
    assert ann.momentum == 91 and ann.rut_risk == risk(0.35, 91, 0) == 18
    # A week ago (Monday 9 March, 08:00): Sunday's action, and that morning's
    # (just logged); no check-in yet.
    before = risk(0.5, momentum([(1, 20 / 24), (1, 0)]), 0)
    assert before == 51 and ann.risk_change == 18 - 51 == -33
    assert (ann.rut_level, ann.level_before) == ("low", "new")  # joined then
    assert ann.reasons == ()  # her stalled goal is private: not the mentor's to see
    assert [(r.day.day, r.summary) for r in ann.check_ins] == [
        (13, "The talk went well")
    ]
    # SPEC 9: the mentors' and the group's wins, never the private one.
    assert [w.title for w in ann.wins] == [
        "Coffee with a hiring manager",
        "Gave a lightning talk",
    ]
    assert bob.needs_attention == (eve,) and not bob.empty
    shown = render(bob)
    assert shown.subject == "Your mentees this week: Eve needs you first"
    assert "Updated my CV" not in shown.text + shown.html
    assert "2. Ann: momentum 91, rut risk 18 (low, \u221233, was new)" in shown.text


def test_group_digest_shows_the_groups_week_with_group_visible_wins_only(
    story: Story, conn: Connection
) -> None:
    cy = group_digests(conn, [story.cy], NOW, "weekly")[story.cy]
    (group,) = cy.groups
    assert group.name == "Career changers"
    assert [(m.display_name, m.actions) for m in group.members] == [
        ("Ann", 5),
        ("Cy", 1),
        ("Eve", 0),
    ]
    assert group.actions == 6 and [m.display_name for m in group.met_target] == ["Ann"]
    # Momentum gained since a week ago: Ann 23 → 91 (that Monday's and this
    # Monday's morning actions count in full); Cy's one action, 0 → 11.
    gains = {m.display_name: m.gain for m in group.members}
    assert gains == {"Ann": 91 - 23, "Cy": momentum([(1, 1 + 20 / 24)]), "Eve": 0}
    assert [m.display_name for m in group.rising] == ["Ann"]
    assert [m.display_name for m in group.quiet] == ["Eve"]  # never acted
    assert [w.title for w in group.wins] == ["Gave a lightning talk"]
    shown = render(cy)
    assert shown.subject == "Career changers this week: 6 actions"
    for hidden in ("Coffee with a hiring manager", "Updated my CV"):
        assert hidden not in shown.text + shown.html


def test_group_digest_follows_membership_and_away_days(
    app: MomentumApplication, clock: FixedClock
) -> None:
    engine = make_engine("memory://")
    story = tell(app, clock, engine)
    eve, ann, group = UUID(story.eve), UUID(story.ann), UUID(story.group)
    story.do(c.SetAwayPeriod(eve, date(2026, 3, 14), date(2026, 3, 20)))
    story.do(c.LeaveGroup(ann, group))
    story.sync()
    with engine.connect() as conn:
        cy = group_digests(conn, [story.cy], NOW, "weekly")[story.cy]
    (news,) = cy.groups
    assert [m.display_name for m in news.members] == ["Cy", "Eve"]
    assert news.wins == () and news.quiet == ()  # Eve is away, not quiet
    assert not cy.empty  # Cy acted this week
    engine.dispose()


def test_digests_of_no_mentees_or_no_groups_are_empty(
    story: Story, conn: Connection
) -> None:
    dee = story.dee
    mentor = mentor_digests(conn, [dee], NOW, "weekly")[dee]
    group = group_digests(conn, [dee], NOW, "weekly")[dee]
    assert (mentor.mentees, mentor.empty) == ((), True)
    assert (group.groups, group.empty) == ((), True)
    assert "You mentor nobody at the moment." in render(mentor).text
    assert "You facilitate no group at the moment." in render(group).html
    assert mentor_digests(conn, [story.ann], NOW, "weekly")[story.ann].empty


def test_render_escapes_free_text_in_html_but_not_in_plain_text(
    story: Story, conn: Connection
) -> None:
    ann = digest_for(conn, "member", story.ann, NOW, "weekly")
    assert ann is not None
    shown = render(ann, "https://momentum.example/")
    assert shown.subject == "Your momentum this week: 5 actions, momentum 91"
    assert "Thu 12 Mar: Updated my CV <v2>" in shown.text
    assert "Updated my CV &lt;v2&gt;" in shown.html
    assert "<v2>" not in shown.html
    assert "milestone “Draft the talk” of “Speak at a local meetup”" in shown.text
    assert "Fri 20 Mar (in 4 days)" in shown.html
    assert "Open Momentum: https://momentum.example/" in shown.text
    assert (shown.kind, shown.empty) == ("member", False)


ME = Person("m-1", "ann@example.org", "Ann", "UTC", 3)
WEEK = period_for("weekly", NOW, "UTC")


def _member(pace: int) -> MemberDigest:
    """A hand-made member digest of a member at `pace` % of their target pace."""
    none: tuple[Any, ...] = ()
    return MemberDigest(
        to=ME,
        period=WEEK,
        actions=4,
        actions_this_week=1,
        weekly_target=3,
        momentum=min(100, pace),
        pace=pace,
        trend=12,
        streak=2,
        review_streak=1,
        wins=none,
        feedback=none,
        cheers=none,
        upcoming=none,
        stalled=none,
        review_due=False,
    )


def _mentor(pace: int) -> MentorDigest:
    """A hand-made mentor digest of one mentee at `pace`."""
    mentee = MenteeNews(
        member_id="m-2",
        display_name="Eve",
        momentum=min(100, pace),
        pace=pace,
        rut_risk=10,
        rut_level="low",
        risk_change=-5,
        level_before="low",
        rising=False,
        reasons=(),
        check_ins=(),
        wins=(),
    )
    return MentorDigest(ME, WEEK, (mentee,))


def _group(pace: int, before: int) -> GroupDigest:
    """A hand-made group digest of one member at `pace`, shown `before` a week ago."""
    shown = min(100, pace)
    member = GroupMember(
        member_id="m-2",
        display_name="Eve",
        actions=5,
        weekly_target=3,
        momentum=shown,
        pace=pace,
        gain=shown - before,  # of the shown values, as the group digest computes it
        days_since_action=0,
        away=False,
    )
    return GroupDigest(ME, WEEK, (GroupNews("g-1", "Runners", (member,), ()),))


def test_above_pace_digests_say_100_plus_with_the_pace_as_the_pages_do() -> None:
    member, mentor, group = _member(188), _mentor(188), _group(188, 60)
    assert (member.momentum, member.pace, member.momentum_label) == (100, 188, "100+")
    assert member.above_pace and mentor.mentees[0].above_pace
    assert group.groups[0].members[0].gain == 100 - 60  # shown values, not 188 − 60
    shown = render(member)
    assert shown.subject == (
        "Your momentum this week: 4 actions, momentum 100+ (188% of pace)"
    )
    assert "  Momentum 100+ (188% of pace) (+12 over 28 days)" in shown.text
    assert ">100+ (188% of pace)</strong> (+12 over 28 days)" in shown.html
    assert 'title="188% of your target pace"' in shown.html
    mentee = render(mentor)
    assert "1. Eve: momentum 100+ (188% of pace), rut risk 10" in mentee.text
    assert ">100+ (188% of pace)</span>, rut risk 10" in mentee.html
    rising = render(group)
    assert "Rising: Eve (momentum +40, now 100+ (188% of pace))" in rising.text
    assert ">100+ (188% of pace)</span>)" in rising.html
    for body in (shown, mentee, rising):
        assert "100+" in body.text and "188% of pace" in body.text
        assert "100+" in body.html and "188% of pace" in body.html


@pytest.mark.parametrize("pace", [73, 100])
def test_digests_at_or_below_pace_say_the_number_alone(pace: int) -> None:
    member, mentor, group = _member(pace), _mentor(pace), _group(pace, 40)
    assert member.momentum_label == str(pace) and not member.above_pace
    shown, mentee, rising = render(member), render(mentor), render(group)
    assert shown.subject.endswith(f"4 actions, momentum {pace}")
    assert f"  Momentum {pace} (+12 over 28 days)" in shown.text
    assert f">{pace}</strong> (+12 over 28 days)" in shown.html
    assert f"1. Eve: momentum {pace}, rut risk 10" in mentee.text
    assert f">{pace}</span>, rut risk 10" in mentee.html
    assert f"Rising: Eve (momentum +{pace - 40}, now {pace})" in rising.text
    for body in (shown, mentee, rising):
        for said in (body.subject, body.text, body.html):
            assert "100+" not in said and "of pace" not in said


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on `engine` within the block."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize(
    "compose", [member_digests, mentor_digests, group_digests], ids=lambda f: f.__name__
)
def test_many_digests_take_as_many_statements_as_two_and_say_the_same(
    story: Story, engine: Engine, compose: Callable[..., dict[str, Any]]
) -> None:
    everyone = [story.ann, story.bob, story.cy, story.eve, story.dee]
    with engine.connect() as conn:
        with _statements(engine) as two:
            few = compose(conn, [story.bob, story.cy], NOW, "weekly")
        with _statements(engine) as five:
            many = compose(conn, everyone, NOW, "weekly")
        assert len(five) == len(two)  # no statement per member
        for who in everyone:
            assert compose(conn, [who], NOW, "weekly") == {who: many[who]}
        assert few == {who: many[who] for who in (story.bob, story.cy)}
