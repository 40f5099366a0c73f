"""The demo data set: six people and twelve weeks of history, written through the rules.

`load_demo` plans every command up front from the tables below and a seeded random
generator, then replays the plan in time order with the clock set to each moment, so
the history is written in the past exactly as live traffic would have written it.
Tables are '|'-separated text; an indented line continues the row above it. The words
(titles, reviews, commitments, replies) come from entrypoints/demo_texts.py, taken in
turn so that nobody's journal repeats itself.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from entrypoints import demo_texts
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.domain.review import SIGNALS

DEMO_PASSWORD = "momentum-demo"
LOG_HOURS = (7.5, 12.75, 18.25, 19.5, 20.5, 21.75)  # local times people log actions at
GROUP = ("sofia", "amara", "lukas", "priya", "kenji")  # the facilitator first
BUDDIES = {"amara": "priya", "priya": "amara", "lukas": "kenji", "kenji": "lukas"}
MENTOR = "daniel"
RESTART_WEEK = 5  # Priya's way out of the rut
TURN = {"priya": RESTART_WEEK}  # the week a story turns (commitments change); else 6
# Who plans by the calendar: their actions fall in ISO weeks, never on away days, so
# Kenji's week of holiday (two partial ISO weeks) sits inside an unbroken streak.
BY_THE_CALENDAR = {"kenji"}

# key | name | timezone | weekly target | review weekday | actions per week (a digit a
# week) | review level per week ("-": none) | period | story | headline | aspiration |
# strengths
PEOPLE_TABLE = """
amara | Amara Okafor | Europe/London | 4 | 6 | 444444444444 | 344444455555 | weekly |
  Thriving: steady actions, rising signals, a certificate achieved.
  | Product analyst moving into product management
  | Lead product for a data-heavy B2B tool | Turning messy data into decisions
lukas | Lukas Becker | Europe/Berlin | 3 | 6 | 554443321100 | 44443332-2-2 | weekly |
  Stalling: a strong start, then activity and signals fade; a goal stalls.
  | Backend developer aiming for tech lead
  | Lead the payments platform team | Knows the payments code inside out
priya | Priya Raman | Asia/Kolkata | 3 | 5 | 101012344555 | 2-1-12334444 | weekly |
  Back from a rut: five quiet weeks, then a restart with rising momentum.
  | QA engineer moving into test automation
  | Automate quality for a product I care about | Finds the bug others miss
daniel | Daniel Moreno | America/New_York | 2 | 4 | 222222222222 | ---4---4---4 |
  monthly | Mentor: follows three mentees with feedback and suggestions.
  | Engineering director and mentor
  | Help people grow into bigger roles | Asking the question behind the question
sofia | Sofia Costa | America/Sao_Paulo | 3 | 6 | 333333333333 | 344444444444 | weekly |
  Facilitator: runs the peer circle, invites the others and pairs the buddies.
  | People partner running a peer accountability circle
  | Become a certified coach | Keeping a group on rhythm
kenji | Kenji Watanabe | Asia/Tokyo | 3 | 6 | 333333333444 | 333334-34444 | weekly |
  Career changer: graphic design to UX research, with a week's holiday.
  | Graphic designer moving into UX research
  | Lead research for a product team | Noticing what users do, not what they say
"""
# key | set on day | horizon | days until due | visibility | title | why | metric name |
# unit | baseline | target
GOALS_TABLE = """
amara.pm | 2 | long | 180 | group | Move into an associate product manager role |
  Discovery is where my analysis turns into decisions; I want to own them.
amara.cert | 2 | short | 70 | mentors | Finish the product analytics certificate course
  | Proves I can design experiments, not just report on them.
  | modules completed | modules | 0 | 8
lukas.lead | 3 | long | 150 | mentors | Lead the payments service migration as tech lead
  | I want to shape how the team builds, not only write the code.
lukas.talk | 4 | short | 60 | group | Give a talk at the Berlin Go meetup |
  Speaking makes my work visible beyond my team. | slides drafted | slides | 0 | 25
priya.istqb | 3 | short | 90 | mentors | Pass the ISTQB advanced test analyst exam |
  A credential might get me noticed again.
priya.sdet | 4 | long | 200 | mentors | Move from manual QA into test automation work |
  Automation is the work I admire; manual regression drains me.
priya.tests | 37 | short | 50 | group | Automate forty regression tests for checkout |
  A number my team can see, and proof for my next role.
  | automated regression tests | tests | 0 | 40
sofia.circle | 2 | short | 95 | group | Run a twelve-week peer accountability circle |
  Peers keep each other moving; I want to prove it here.
sofia.icf | 5 | long | 240 | mentors | Earn the ICF associate coach credential |
  Coaching is the part of my job I would do for free.
  | coaching hours logged | hours | 12 | 60
kenji.ux | 3 | long | 180 | group | Move from graphic design into UX research |
  I care more about why people click than about how the button looks.
daniel.mentor | 2 | long | 300 | mentors | Mentor three people through a career move
  | Someone did this for me once; passing it on.
"""
MILESTONES_TABLE = """
amara.pm | Shadow two product discovery sessions
amara.pm | Own one small feature end to end
amara.pm | Write a product case study for my portfolio
amara.pm | Ask my manager for an APM interview loop
lukas.lead | Write the migration design doc
lukas.lead | Run the first design review
lukas.lead | Agree the rollout plan with the SRE team
priya.sdet | Finish a Python testing course
priya.sdet | Automate the checkout smoke tests
priya.sdet | Present the automation results to my team
sofia.circle | Invite four colleagues
sofia.circle | Hold the first session
sofia.circle | Pair accountability buddies
sofia.circle | Collect feedback at the halfway point
kenji.ux | Complete a UX research fundamentals course
kenji.ux | Run five user interviews on a side project
kenji.ux | Publish a UX case study on my portfolio
"""
# The plot, day by day: day | who | what | details (goal#n: the goal's n-th milestone)
SCRIPT = """
2 | sofia | group | Career Momentum Circle | Peers keeping each other moving.
2 | amara | propose | You helped two people I admire make this move.
3 | daniel | accept | amara
3 | sofia | invite | amara | kenji | lukas | priya
3 | lukas | propose | I'd like a sounding board on the tech lead path.
3 | sofia | done | sofia.circle#0
4 | amara | join
4 | kenji | join
4 | daniel | accept | lukas
5 | lukas | join
6 | daniel | note | amara.pm | Strong roadmap. Owning one feature end to end will
  teach you more than any course - pick a small one.
6 | amara | progress | amara.cert | 7 | 1 2 3 4 5 6 7 8 | Module quiz passed.
8 | lukas | progress | lukas.talk | 7 | 3 8 12 | Slides drafted so far.
9 | sofia | progress | sofia.icf | 7 | 15 18 20 23 25 | Hours from practice sessions.
10 | sofia | done | sofia.circle#1
12 | priya | join
14 | sofia | pair | amara | priya
14 | sofia | pair | lukas | kenji
15 | sofia | done | sofia.circle#2
16 | amara | done | amara.pm#0
20 | lukas | done | lukas.lead#0
30 | kenji | away | 43 | 49
30 | kenji | done | kenji.ux#0
33 | priya | propose | I've been stuck for months and I'm ready to change that.
34 | daniel | accept | priya
36 | daniel | note | priya.sdet | Good to see this goal again. What is the smallest
  test you could automate this week?
38 | priya | status | priya.istqb | abandon | Restarting made me honest: this exam
  would keep me in manual testing, the very place I want to leave. The hours go to
  automation instead.
40 | priya | progress | priya.tests | 6 | 3 7 12 18 24 29 35 | Merged and green in CI.
40 | daniel | suggest | priya.sdet | milestone | Pair with the platform team on CI
  for a day | Their pipeline shows where automation pays off.
41 | priya | take | priya.sdet#3
44 | amara | done | amara.pm#1
45 | lukas | revise | lukas.talk | 110 | The meetup moved its call for speakers to next
  quarter, so the talk gets more room.
45 | amara | note | priya.tests | Forty is a great number. Cheering you on, buddy!
46 | sofia | done | sofia.circle#3
47 | sofia | status | sofia.icf | pause | The circle takes my spare evenings this
  quarter; I pick the credential up again when it ends.
55 | priya | done | priya.sdet#0
58 | amara | status | amara.cert | achieve | Eight modules in eight weeks. Studying
  before work on Tuesdays and Thursdays made it stick; the A/B module already changed
  how I review experiments.
66 | kenji | done | kenji.ux#1
72 | amara | done | amara.pm#2
74 | priya | done | priya.sdet#3
75 | daniel | note | lukas.lead | The migration has been quiet for a few weeks. What is
  in the way? A 20-minute call might unblock it.
76 | daniel | suggest | lukas.lead | action | Agree the tech lead scope with your
  manager | Ambiguity about the role may be what stalls this.
78 | kenji | propose | Could you mentor me through the switch to UX research?
"""
# who | category | minutes | goal | flags (w: win, p: private, <: in the rut, >: after
# it) | title ({n}: the how-many-th time) | notes; later uses of a row take the titles
# of demo_texts.ACTION_TITLES in turn
ACTS_TABLE = """
amara | learning | 90 | amara.cert | | Finished module {n} of the analytics course |
  Redid the exercises until the sample-size maths clicked.
amara | challenge | 60 | amara.pm | w | Led a discovery interview for onboarding |
  Nervous for ten minutes, then it flowed.
amara | networking | 30 | amara.pm | | Coffee chat with a senior PM from payments |
  Her advice: own one outcome end to end.
amara | portfolio | 75 | amara.pm | | Worked on the onboarding case study |
amara | visibility | 20 | amara.pm | w | Presented the churn analysis to product |
  Two teams asked for the dashboard afterwards.
amara | mentoring | 20 | - | | Prepared questions for my session with Daniel |
amara | learning | 45 | - | | Read a chapter of 'Inspired' | Discovery vs delivery.
lukas | challenge | 90 | lukas.lead | | Wrote a section of the migration design doc |
  Idempotency keys and the cut-over plan.
lukas | networking | 30 | lukas.lead | | Talked the rollout through with the SRE lead |
lukas | visibility | 60 | lukas.talk | w | Drafted slides for the meetup talk |
  What broke when we moved payments to events.
lukas | learning | 45 | lukas.lead | | Watched a talk on strangler-fig migrations |
lukas | mentoring | 60 | - | | Paired with a junior engineer on payment tests |
lukas | exploration | 30 | - | p | Looked at staff engineer openings elsewhere |
  Not ready to tell anyone yet.
lukas | other | 10 | - | | Blocked two focus mornings in my calendar |
priya | learning | 25 | priya.istqb | | Read a chapter of the ISTQB syllabus |
  Hard to focus; skimmed most of it.
priya | exploration | 60 | - | p< | Scrolled job boards for an hour |
  Everything asks for automation experience.
priya | other | 20 | - | < | Wrote down what drains me at work | Regression week.
priya | learning | 50 | priya.sdet | > | Finished lesson {n} of the pytest course |
priya | challenge | 70 | priya.tests | w | Automated another checkout regression test
  | Fixed a flaky locator with a data-testid.
priya | networking | 30 | priya.sdet | > | Coffee chat with the platform team's SDET
  | She walked me through their CI pipeline.
priya | portfolio | 30 | - | > | Updated my profile: automation first, manual second |
priya | visibility | 15 | priya.tests | w | Demoed the automated smoke tests |
daniel | mentoring | 30 | daniel.mentor | | Reviewed a mentee's goal roadmap |
daniel | mentoring | 60 | daniel.mentor | | Ran open office hours on career moves |
daniel | learning | 30 | - | | Read about situational leadership |
sofia | mentoring | 60 | sofia.circle | w | Ran this week's accountability circle |
  Theme: small wins we stopped noticing.
sofia | learning | 60 | sofia.icf | | Practice coaching session with a peer |
sofia | networking | 30 | sofia.circle | | Met the HR lead about sponsoring the circle |
sofia | visibility | 45 | sofia.circle | | Wrote an internal post on the circle |
sofia | learning | 30 | - | | Read a chapter of 'The Coaching Habit' |
sofia | other | 15 | sofia.circle | | Booked the room and sent the circle agenda |
kenji | learning | 60 | kenji.ux | | Finished a lesson of the UX research course |
kenji | challenge | 45 | kenji.ux | w | Ran user interview {n} for my side project |
  Asked about the last time, not about the future.
kenji | portfolio | 90 | kenji.ux | | Reworked my portfolio around research |
kenji | exploration | 30 | kenji.ux | | Call with a UX researcher at a fintech |
kenji | networking | 120 | - | | Went to the Tokyo UX meetup |
kenji | exploration | 40 | - | p | Compared UX bootcamps with learning on the job |
"""
EVIDENCE = {
    "Worked on the onboarding case study": "https://example.org/amara/case-study"
}


def _table(text: str) -> list[list[str]]:
    """The rows of a '|'-separated table; an indented line continues the row above."""
    rows: list[list[str]] = []
    for line in text.strip("\n").splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if line[:1].isspace():
            rows[-1][-1] = f"{rows[-1][-1]} {cells[0]}".strip()
            rows[-1].extend(cells[1:])
        else:
            rows.append(cells)
    return rows


class Person(NamedTuple):
    key: str
    name: str
    tz: str
    target: str
    review_weekday: str
    activity: str
    signals: str
    period: str
    story: str
    headline: str
    aspiration: str
    strengths: str


class Act(NamedTuple):
    who: str
    category: str
    minutes: str
    goal: str
    flags: str
    title: str
    notes: str


class Ref(NamedTuple):
    """A command argument known only when the plan runs: what was saved under `key`."""

    key: str


PEOPLE = {row[0]: Person(*row) for row in _table(PEOPLE_TABLE)}
GOALS = {row[0]: row for row in _table(GOALS_TABLE)}
ACTS = [Act(*row) for row in _table(ACTS_TABLE)]
PLOT = _table(SCRIPT)


def _pairs(text: str) -> list[tuple[str, str]]:
    """The rows of a table of titles and their notes (notes may be left out)."""
    return [(row[0], row[1] if len(row) > 1 else "") for row in _table(text)]


# Each row of ACTS (by its title): its own title and notes, then its later ones.
TITLES = {a.title: [(a.title, a.notes)] for a in ACTS}
for _first, _more in demo_texts.ACTION_TITLES.items():
    TITLES[_first] += _pairs(_more)  # a KeyError: a pool for no row of ACTS_TABLE
REVIEWS = {
    who: {int(week): tuple(parts) for week, *parts in _table(text)}
    for who, text in demo_texts.REVIEWS.items()
}
EARLIER_REVIEWS: dict[str, list[tuple[str, ...]]] = {}
for _mood, *_parts in _table(demo_texts.EARLIER_REVIEWS):
    EARLIER_REVIEWS.setdefault(_mood, []).append(tuple(_parts))
COMMITMENTS = {
    who: [c.NewCommitment(*row) for row in _table(text)]
    for who, text in demo_texts.COMMITMENTS.items()
}
REPLIES: dict[str, list[str]] = {}
for _mood, _reply in _table(demo_texts.REPLIES):
    REPLIES.setdefault(_mood, []).append(_reply)
# The sizes of the lists the plan once drew texts from at random (see _as_drawn).
TEXT_DRAWS = 2
REPLY_DRAWS = {"low": 1, "mid": 1, "high": 2}
JITTER = (-1, 0, 0, 0, 0, 1)  # how far one signal strays from the week's level
Step = tuple[datetime, int, Any, tuple[Any, ...], str]
CLOSED_ON = {row[3]: int(row[0]) for row in PLOT if row[2] == "status"}


@dataclass(frozen=True)
class DemoAccount:
    """A demo login and the story it tells."""

    email: str
    display_name: str
    story: str


@dataclass(frozen=True)
class DemoSummary:
    """How much `load_demo` wrote."""

    accounts: tuple[DemoAccount, ...]
    members: int
    goals: int
    actions: int
    reviews: int
    feedback: int
    cheers: int
    groups: int
    commands: int


def demo_accounts() -> list[DemoAccount]:
    """The demo logins; all use DEMO_PASSWORD."""
    return [DemoAccount(_email(p.key), p.name, p.story) for p in PEOPLE.values()]


def _email(key: str) -> str:
    return f"{PEOPLE[key].name.lower().replace(' ', '.')}@demo.momentum.test"


@dataclass
class _Demo:
    """The plan, a time-ordered queue of steps, and what its commands returned."""

    app: MomentumApplication
    clock: FixedClock
    rng: random.Random
    weeks: int
    end: datetime
    queue: list[Step] = field(default_factory=list)
    seq: Callable[[], int] = field(default_factory=lambda: itertools.count().__next__)
    refs: dict[str, Any] = field(default_factory=dict)
    since: dict[str, int] = field(default_factory=dict)  # mentorship accepted on day
    pair_day: int = 99
    counts: Counter[str] = field(default_factory=Counter)
    away: dict[str, set[int]] = field(default_factory=dict)  # who: days away
    turns: Counter[str] = field(default_factory=Counter)  # texts taken, by pool

    def turn(self, pool: str) -> int:
        """How many texts were taken from `pool` before this one."""
        self.turns[pool] += 1
        return self.turns[pool] - 1

    def day(self, story_day: int | str) -> int:
        """A day of the twelve-week story, which takes the last twelve weeks."""
        return int(story_day) + 7 * (self.weeks - 12)

    def date(self, day: int) -> date:
        return (self.end - timedelta(weeks=self.weeks)).date() + timedelta(days=day)

    def story_week(self, week: int) -> int:
        """Weeks before the story's twelve repeat the rhythm of its first."""
        return max(0, week - (self.weeks - 12))

    def digit(self, text: str, week: int) -> str:
        return text[self.story_week(week)]

    def at(
        self, who: str, day: int, hour: float, step: Any, *args: Any, save: str = ""
    ) -> None:
        """Plan a command (or a function) at a local time of `who`, inside the span."""
        local = datetime.combine(self.date(day), time(), ZoneInfo(PEOPLE[who].tz))
        when = (local + timedelta(hours=hour)).astimezone(UTC)
        if self.end - timedelta(weeks=self.weeks, hours=-1) < when <= self.end:
            heapq.heappush(self.queue, (when, self.seq(), step, args, save))

    def send(self, command: c.Command, save: str = "") -> c.Result:
        """Run one command; keep its id (or token, or new milestone) as `save`."""
        result = self.app.handle(command)
        self.counts[type(command).__name__] += 1
        extra = result.extra
        self.refs[save] = extra.get("token", extra.get("milestone_id", result.id))
        for i, milestone_id in enumerate(extra.get("milestone_ids", ())):
            self.refs[f"{save}#{i}"] = milestone_id
        return result

    def run(self) -> None:
        while self.queue:
            when, _, step, args, save = heapq.heappop(self.queue)
            self.clock.set(when)
            args = tuple(self.refs[a.key] if isinstance(a, Ref) else a for a in args)
            if isinstance(step, type):  # a command class; otherwise a planning function
                self.send(step(*args), save)
            else:
                step(self, *args)
        self.clock.set(self.end)


def load_demo(
    app: MomentumApplication,
    clock: FixedClock,
    *,
    seed: int = 7,
    weeks: int = 12,
    end: datetime,
) -> DemoSummary:
    """Write `weeks` (at least 12) weeks of demo history ending at `end`."""
    if app.clock is not clock:
        raise ValueError("The application must run on the clock the demo moves.")
    if weeks < 12:
        raise ValueError("The demo's stories need at least 12 weeks.")
    if end.tzinfo is None:
        raise ValueError("The end of the demo must be timezone-aware.")
    demo = _Demo(app, clock, random.Random(seed), weeks, end.astimezone(UTC))
    _register(demo)
    for goal in GOALS.values():
        _set_goal(demo, goal)
    for day, who, what, *details in PLOT:
        VERBS[what](demo, who, demo.day(day), *details)
    for person in PEOPLE.values():
        _plan_actions(demo, person)
        _plan_reviews(demo, person)
    demo.run()
    n = demo.counts
    return DemoSummary(
        accounts=tuple(demo_accounts()),
        members=n["RegisterMember"],
        goals=n["SetGoal"],
        actions=n["LogAction"],
        reviews=n["RecordReview"],
        feedback=n["GiveFeedback"],
        cheers=n["CheerItem"],
        groups=n["CreateGroup"],
        commands=n.total(),
    )


def _register(demo: _Demo) -> None:
    for i, p in enumerate(PEOPLE.values()):
        demo.clock.set(demo.end - timedelta(weeks=demo.weeks, minutes=-5 * i))
        command = c.RegisterMember(_email(p.key), DEMO_PASSWORD, p.name, p.tz)
        uid = demo.send(command, p.key).id
        demo.send(c.UpdateProfile(uid, p.name, p.tz, p.headline))
        demo.send(c.SetAspirations(uid, p.aspiration, p.headline, p.strengths))
        demo.send(c.SetWeeklyTarget(uid, int(p.target)))
        digest_day = (int(p.review_weekday) + 1) % 7  # the morning after the review
        demo.send(c.ChangePreferences(uid, {"digest_weekday": digest_day}))


def _set_goal(demo: _Demo, row: list[str]) -> None:
    """Plan a goal with its roadmap, milestones due at even steps until the goal is."""
    key, day, horizon, due, visibility, title, why, *metric = row
    set_on, days = demo.day(day), int(due)
    steps = [r[1] for r in _table(MILESTONES_TABLE) if r[0] == key]
    roadmap = tuple(
        c.NewMilestone(t, demo.date(set_on + days * (i + 1) // (len(steps) + 1)))
        for i, t in enumerate(steps)
    )
    name, unit, baseline, target = metric or ("", "", 0, 0)
    measure = dict(name=name, unit=unit, baseline=int(baseline), target=int(target))
    owner, due_on = key.split(".")[0], demo.date(set_on + days)
    args = (Ref(owner), title, horizon, why, due_on, "", measure if metric else None)
    demo.at(owner, set_on, 8.0, c.SetGoal, *args, visibility, roadmap, save=key)


# The verbs of the plot: each plans the commands of one line of SCRIPT.
VERBS: dict[str, Callable[..., None]] = {}


def _verb(func: Callable[..., None]) -> Callable[..., None]:
    VERBS[func.__name__[1:]] = func
    return func


@_verb
def _propose(demo: _Demo, who: str, day: int, message: str) -> None:
    args = (Ref(who), _email(MENTOR), message)
    demo.at(who, day, 12, c.ProposeMentorship, *args, save=f"ms.{who}")


@_verb
def _accept(demo: _Demo, who: str, day: int, mentee: str) -> None:
    demo.since[mentee] = day
    demo.at(who, day, 18, c.AnswerMentorship, Ref(who), Ref(f"ms.{mentee}"), "accept")


@_verb
def _group(demo: _Demo, who: str, day: int, name: str, purpose: str) -> None:
    demo.at(who, day, 9, c.CreateGroup, Ref(who), name, purpose, save="group")


@_verb
def _invite(demo: _Demo, who: str, day: int, *members: str) -> None:
    for m in members:
        args = (Ref(who), Ref("group"), _email(m))
        demo.at(who, day, 9.5, c.InviteToGroup, *args, save=f"invitation.{m}")


@_verb
def _join(demo: _Demo, who: str, day: int) -> None:
    demo.at(who, day, 20, c.JoinGroup, Ref(who), Ref(f"invitation.{who}"))


@_verb
def _pair(demo: _Demo, who: str, day: int, a: str, b: str) -> None:
    demo.pair_day = day
    demo.at(who, day, 10, c.PairBuddies, Ref(who), Ref("group"), Ref(a), Ref(b))


@_verb
def _away(demo: _Demo, who: str, day: int, first: str, last: str) -> None:
    first_day, last_day = demo.day(first), demo.day(last)
    demo.away.setdefault(who, set()).update(range(first_day, last_day + 1))
    start, end = demo.date(first_day), demo.date(last_day)
    demo.at(who, day, 9, c.SetAwayPeriod, Ref(who), start, end, "holiday")


@_verb
def _note(demo: _Demo, who: str, day: int, goal: str, text: str) -> None:
    demo.at(who, day, 19, c.GiveFeedback, Ref(who), "goal", Ref(goal), text)


@_verb
def _suggest(demo: _Demo, who: str, day: int, goal: str, *what: str) -> None:
    kind, title, note = what
    due = demo.date(day + 21) if kind == "milestone" else None
    args = (Ref(who), Ref(goal), kind, title, note, due)
    demo.at(who, day, 19.5, c.MakeSuggestion, *args, save=f"suggestion.{goal}")


@_verb
def _take(demo: _Demo, who: str, day: int, milestone: str) -> None:
    args = (Ref(who), Ref(f"suggestion.{milestone.split('#')[0]}"), True)
    demo.at(who, day, 20, c.AnswerSuggestion, *args, save=milestone)


@_verb
def _done(demo: _Demo, who: str, day: int, milestone: str) -> None:
    goal = Ref(milestone.split("#")[0])
    demo.at(who, day, 21, c.CompleteMilestone, Ref(who), goal, Ref(milestone))


@_verb
def _progress(demo: _Demo, who: str, day: int, goal: str, *values: str) -> None:
    every, numbers, note = values
    for i, value in enumerate(numbers.split()):
        args = (Ref(who), Ref(goal), int(value), note)
        demo.at(who, day + i * int(every), 21.25, c.RecordProgress, *args)


@_verb
def _status(demo: _Demo, who: str, day: int, goal: str, change: str, note: str) -> None:
    demo.at(who, day, 21.5, c.ChangeGoalStatus, Ref(who), Ref(goal), change, note)


@_verb
def _revise(demo: _Demo, who: str, day: int, goal: str, days: str, reason: str) -> None:
    due = demo.date(demo.day(GOALS[goal][1]) + int(GOALS[goal][3]) + int(days))
    demo.at(who, day, 20, c.ReviseGoal, Ref(who), Ref(goal), {"due_on": due}, reason)


def _is_open(demo: _Demo, goal: str, first: int, last: int) -> bool:
    """True if the goal was set before day `first` and is still active on day `last`."""
    if goal == "-":
        return True
    closed = demo.day(CLOSED_ON.get(goal, 999))
    return demo.day(GOALS[goal][1]) < first and last < closed


def _fits(act: Act, week: int) -> bool:
    """Rut-only actions before the restart, after-the-rut ones from it."""
    if "<" in act.flags:
        return week < RESTART_WEEK
    return ">" not in act.flags or week >= RESTART_WEEK


def _plan_actions(demo: _Demo, p: Person) -> None:
    used: Counter[str] = Counter()
    for week in range(demo.weeks):
        base = int(demo.digit(p.activity, week))
        days = _week_days(demo, p.key, week)
        jitter = (0, 0, 1) if p.key in BY_THE_CALENDAR else (-1, 0, 0, 1)
        count = base + demo.rng.choice(jitter) if base >= 3 else base
        for day in sorted(demo.rng.sample(days, min(count, len(days)))):
            lag = demo.rng.choice((0, 0, 0, 1, 2))
            story_week = demo.story_week(week)
            acts = [a for a in ACTS if a.who == p.key and _fits(a, story_week)]
            open_acts = [a for a in acts if _is_open(demo, a.goal, day, day + lag)]
            act = demo.rng.choice(open_acts)
            used[act.title] += 1
            _log(demo, f"action.{p.key}.{day}", act, used[act.title], day, lag)
            if "w" in act.flags:
                _plan_applause(demo, f"action.{p.key}.{day}", act, day + lag, week)


def _week_days(demo: _Demo, who: str, week: int) -> list[int]:
    """The days of a week's actions: the story's week, or for those who plan by the
    calendar the ISO week it starts in, without their away days."""
    first = 7 * week + 1
    if who not in BY_THE_CALENDAR:
        return list(range(first, first + 7))
    monday = first - demo.date(first).weekday()
    away = demo.away.get(who, set())
    return [day for day in range(monday, monday + 7) if day not in away]


def _log(demo: _Demo, key: str, act: Act, n: int, day: int, lag: int) -> None:
    """Log the n-th use of a row of ACTS, with the next title of its pool."""
    goal = None if act.goal == "-" else Ref(act.goal)
    pool = TITLES[act.title]
    title, notes = pool[(n - 1) % len(pool)]
    title, visibility = title.format(n=n), "private" if "p" in act.flags else None
    details = (notes, int(act.minutes), EVIDENCE.get(act.title), "w" in act.flags)
    when = demo.date(day)
    args = (Ref(act.who), act.category, title, when, goal, *details, visibility)
    hour = demo.rng.choice(LOG_HOURS)
    demo.at(act.who, day + lag, hour, c.LogAction, *args, save=key)


def _plan_applause(demo: _Demo, key: str, act: Act, day: int, week: int) -> None:
    """Group-visible wins get cheers and a buddy's word; the mentor cheers some wins."""
    rng, owner = demo.rng, act.who
    if act.goal != "-" and GOALS[act.goal][4] == "group" and day > demo.pair_day:
        active = [m for m in GROUP if demo.digit(PEOPLE[m].activity, week) > "1"]
        fans = [m for m in active if m != owner]
        for fan in rng.sample(fans, min(len(fans), rng.randint(1, 3))):
            later = day + rng.choice((1, 1, 2, 3))
            demo.at(fan, later, 21.5, c.CheerItem, Ref(fan), "action", Ref(key))
        if owner in BUDDIES and rng.random() < 0.35:
            buddy = BUDDIES[owner]
            _as_drawn(rng, TEXT_DRAWS)
            notes = demo_texts.BUDDY_NOTES
            note = notes[demo.turn(f"buddy.{buddy}") % len(notes)]
            args = (Ref(buddy), "action", Ref(key), note)
            demo.at(buddy, day + 2, 21.75, c.GiveFeedback, *args)
    if day > demo.since.get(owner, 999) and rng.random() < 0.4:
        demo.at(MENTOR, day + 1, 19, c.CheerItem, Ref(MENTOR), "action", Ref(key))


def _plan_reviews(demo: _Demo, p: Person) -> None:
    rng = demo.rng
    for week in range(demo.weeks):
        if (level := demo.digit(p.signals, week)) == "-":
            continue
        days = range(7 * week + 1, 7 * week + 8)
        day = next(d for d in days if demo.date(d).weekday() == int(p.review_weekday))
        lv, key = int(level), f"review.{p.key}.{week}"
        mood = "low" if lv <= 2 else "mid" if lv == 3 else "high"
        signals = {s: min(5, max(1, lv + rng.choice(JITTER))) for s in SIGNALS}
        _as_drawn(rng, TEXT_DRAWS, TEXT_DRAWS, TEXT_DRAWS)
        went, stuck, lessons = _review_texts(demo, p.key, week, mood)
        turned = demo.story_week(week) >= TURN.get(p.key, 6)
        six = COMMITMENTS[p.key][6:] if turned else COMMITMENTS[p.key][:6]
        steps = tuple(rng.sample(six, rng.randint(1, 3)))
        visibility = "private" if lv <= 1 else "group" if lv >= 5 else "mentors"
        texts = (went, stuck, lessons, steps, visibility)
        review = c.RecordReview(demo.refs[p.key], signals, p.period, *texts)
        kept = [rng.random() < lv / 5 for _ in range(3)]
        demo.at(p.key, day, 19.5, _review, p.key, key, review, kept)
        if day > demo.since.get(p.key, 999) and lv > 1 and rng.random() < 0.7:
            _as_drawn(rng, REPLY_DRAWS[mood])
            replies = REPLIES[mood]
            reply = replies[demo.turn(f"reply.{mood}") % len(replies)]
            args = (Ref(MENTOR), "review", Ref(key), reply)
            demo.at(MENTOR, day + 1, 19, c.GiveFeedback, *args)


def _as_drawn(rng: random.Random, *sizes: int) -> None:
    """Draw as the plan did when it picked texts at random (now taken in turn), so
    the draws after it, and with them the history's dates and counts, stay the
    seed's."""
    for size in sizes:
        rng.randrange(size)


def _review_texts(demo: _Demo, who: str, week: int, mood: str) -> tuple[str, ...]:
    """What went well, where I am stuck, lessons: the person's own for a week of the
    story, or for a week before it the next of the mood's in turn."""
    if week >= demo.weeks - 12:
        return REVIEWS[who][demo.story_week(week)]
    earlier = EARLIER_REVIEWS[mood]
    return earlier[demo.turn(f"earlier.{who}.{mood}") % len(earlier)]


def _review(
    demo: _Demo, who: str, key: str, review: c.RecordReview, kept: list[bool]
) -> None:
    """Record a review, marking the commitments of the one before kept or missed."""
    earlier = demo.refs.get(f"commitments.{who}", [])
    pairs = zip(earlier, kept, strict=False)
    outcomes = tuple(c.CommitmentOutcome(r, cid, k) for (r, cid), k in pairs)
    result = demo.send(replace(review, outcomes=outcomes), key)
    commitment_ids = result.extra["commitment_ids"]
    demo.refs[f"commitments.{who}"] = [(result.id, cid) for cid in commitment_ids]
