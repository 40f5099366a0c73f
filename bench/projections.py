"""Projection catch-up and full rebuild (SPEC 11, row 3): events/s and memory.

For each log size, writes a realistic year of Momentum history into a fresh event
store (a SQLite file in a temp dir; PostgreSQL in a throwaway schema), then, in a
child process each so that peak RSS is per measurement: (a) catches up every read
model of `projections.registry` from zero, (b) rebuilds them all. Writes
bench/RESULTS.md.

    .venv/bin/python -m bench.projections [--events 100000,300000,1000000] [--quick]
    .venv/bin/python -m bench.projections --profile    # where catch-up time goes

Each measurement has a time budget (`--budget`; by default 1.8 × what the largest
log needs at the target rate): a run that uses it up reports what it applied.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import heapq
import json
import math
import os
import pstats
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse
from uuid import UUID
from zoneinfo import ZoneInfo

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import command_line, machine, write_results
from projections.runner import BATCH
from service.application import MomentumApplication
from service.clock import FixedClock, using
from service.domain.action import CATEGORIES, Action
from service.domain.base import VISIBILITIES, narrower_or_equal
from service.domain.feedback import Cheer, Feedback, Suggestion
from service.domain.goal import Goal
from service.domain.group import Group, GroupMembershipIndex, membership_index_id
from service.domain.member import EmailIndex, Member, email_index_id
from service.domain.mentorship import Mentorship
from service.domain.review import SIGNALS, Review
from service.errors import DomainError
from service.secret_keys import EMAIL_INDEX, derive_key
from service.settings import Settings
from system import build_application, open_system
from system.rebuild import helper, workers

ROOT = Path(__file__).resolve().parent.parent
RUSAGE_SELF, RUSAGE_KIDS = resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN
PROCESSES = workers()
"""Processes of a rebuild: what `momentum rebuild` uses on this machine."""
NAME = "projections"
DEFAULT_EVENTS = (100_000, 300_000, 1_000_000)
QUICK_EVENTS = (20_000,)
TARGET_RATE = 10_000.0  # SQLite (issue 15)
TARGET_RATES = {"PostgreSQL": 5_000.0}  # issue 15: PostgreSQL, 300,000 events
RSS_LIMIT_MB = 300.0
FLAT = 1.2  # "flat": peak RSS at most 1.2 × the smallest log's, same backend
PLAIN_EVENTS = 20_000
PLAIN_BATCH = BATCH  # the runner's batch size
BUDGET_FACTOR = 1.8  # time budget per measurement: 1.8 × the time the largest
MIN_BUDGET = 60.0  # log needs at the target rate, at least a minute
CHUNK = 2_000  # events per write while generating
EVENTS_PER_MEMBER = 350
YEAR = 365
START = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday; history runs a year from here
DAY = 86_400.0
HOUR = 3_600.0
SECRET = "bench-secret"
EMAIL_INDEX_KEY = derive_key(SECRET, EMAIL_INDEX)
PASSWORD = "bench-password-1"
TIMEZONES = (
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Australia/Sydney",
    "Africa/Lagos",
    "UTC",
)
LOCAL_HOURS = (7.5, 8.5, 12.5, 13.0, 18.0, 19.5, 20.5, 21.5, 22.5)
ACTION_TITLES = (
    "Read a chapter of Designing Data-Intensive Applications",
    "Coffee chat with a product manager",
    "Shipped a small refactor and wrote it up",
    "Practised a mock interview",
    "Posted a short write-up on LinkedIn",
    "Finished a module of the online course",
    "Asked for feedback on my portfolio",
    "Paired with a senior colleague",
    "Went to a meetup",
    "Updated my CV",
    "Sketched the talk outline",
    "Reviewed a teammate's design doc",
)
GOAL_TITLES = (
    "Move into a product management role",
    "Give a talk at a local meetup",
    "Finish the data engineering certificate",
    "Lead the next migration project",
    "Build a portfolio of three case studies",
    "Grow my professional network this quarter",
    "Automate the regression test suite",
    "Earn the cloud architect certification",
)
METRICS = (
    ("modules completed", "modules", 8.0),
    ("coffee chats", "chats", 20.0),
    ("automated tests", "tests", 40.0),
    ("hours practised", "hours", 60.0),
)


# --- The log generator ----------------------------------------------------------------


@dataclass(eq=False)
class Person:
    """One simulated member and what the generator needs to know about them."""

    n: int
    id: UUID
    email: str
    tz: str
    offset: float  # seconds east of UTC, for scheduling at local times
    joined_at: float  # seconds since START
    activity: float
    review_weekday: int | None  # None: reviews monthly
    rut: tuple[int, int] | None  # days with very little activity
    churn_day: int | None
    mentor: bool
    member: Member | None = None
    index: GroupMembershipIndex | None = None
    goals: list[Goal] = field(default_factory=list)  # open goals
    last_review: Review | None = None
    mentors: dict[UUID, Mentorship] = field(default_factory=dict)  # accepted
    links: dict[str, Mentorship] = field(default_factory=dict)  # by mentor email
    groups: set[UUID] = field(default_factory=set)
    away: tuple[date, date] | None = None


class Writer:
    """Collects each simulated command's events in order and saves them in chunks."""

    def __init__(self, app: MomentumApplication) -> None:
        self.app = app
        self.pending: list[Any] = []
        self.saved = 0
        self.types: Counter[str] = Counter()

    def emit(self, *aggregates: Any) -> None:
        """Record the new events of these aggregates, in this order (one command)."""
        for aggregate in aggregates:
            self.pending.extend(aggregate.collect_events())
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            # What app.save does with events, without its per-object protocol checks.
            self.app.events.put(self.pending)
            self.saved += len(self.pending)
            self.types.update(type(e).__qualname__ for e in self.pending)
            self.pending = []

    @property
    def count(self) -> int:
        return self.saved + len(self.pending)


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson-distributed count (Knuth; fine for the small rates used here)."""
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class Generator:
    """Writes about `target` events of plausible history, in time order, through the
    domain aggregates (every command is one the service would accept).

    Members join over the first four months; each logs actions (about 70 % of
    the log), sets goals with milestones and metrics, records weekly or monthly
    reviews with commitments, has a mentor, joins a peer group with a buddy, and
    cheers and comments on what others may see. A daily controller tunes the
    action rate so that the log reaches `target` after about a year.
    """

    def __init__(
        self, app: MomentumApplication, target: int, members: int, seed: int
    ) -> None:
        self.app, self.target = app, target
        self.rng = random.Random(seed)
        self.clock = FixedClock(START)
        self.writer = Writer(app)
        self.password_hash = app.hasher.hash(PASSWORD)
        self.heap: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self.seq = 0
        self.scale = 1.4  # action rate multiplier, tuned daily
        self.refused = 0
        self.days = 0
        self.window: list[tuple[int, float]] = []  # (events, member-days) per day
        self.people = [self._person(i, members) for i in range(members)]
        self.by_id = {p.id: p for p in self.people}
        self.mentors = [p for p in self.people if p.mentor]
        self.groups: dict[UUID, Group] = {}
        self.outsiders = 0
        self.zones = {tz: ZoneInfo(tz) for tz in TIMEZONES}

    # Scheduling.

    def at(self, t: float, fn: Callable[..., None], *args: Any) -> None:
        heapq.heappush(self.heap, (t, self.seq, fn, args))
        self.seq += 1

    def now(self) -> float:
        return (self.clock.now() - START).total_seconds()

    def run(self) -> Writer:
        """Write the log; return the writer (counts by event type)."""
        rng = self.rng
        for p in self.people:
            self.at(p.joined_at, self.register, p)
            if not p.mentor and rng.random() < 0.55 and self.mentors:
                self.at(p.joined_at + rng.uniform(1, 30) * DAY, self.propose, p)
            if rng.random() < 0.04 and p.churn_day is None:
                self.at(p.joined_at + rng.uniform(1, 60) * DAY, self.facilitate, p)
            if rng.random() < 0.3:
                self.at(p.joined_at + rng.uniform(5, 300) * DAY, self.plan_away, p)
        self.at(-15 * HOUR, self.plan_day, 0)
        with using(self.clock):
            while self.heap and self.writer.count < self.target:
                t, _, fn, args = heapq.heappop(self.heap)
                self.clock.set(START + timedelta(seconds=t))
                try:
                    fn(*args)
                except DomainError:
                    self.refused += 1
        self.writer.flush()
        return self.writer

    def _person(self, n: int, members: int) -> Person:
        rng = self.rng
        tz = rng.choice(TIMEZONES)
        offset = ZoneInfo(tz).utcoffset(START.replace(tzinfo=None))
        early = n < max(5, members // 10)  # the first tenth join in the first week
        joined_day = rng.uniform(0, 7) if early else rng.uniform(0, 120)
        rut_start = rng.randint(30, 300)
        return Person(
            n=n,
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            email=f"member{n}@bench.invalid",
            tz=tz,
            offset=offset.total_seconds() if offset else 0.0,
            joined_at=joined_day * DAY + rng.uniform(8, 22) * HOUR,
            activity=rng.lognormvariate(0, 0.5),
            review_weekday=None if rng.random() < 0.1 else rng.randrange(7),
            rut=(rut_start, rut_start + rng.randint(21, 56))
            if rng.random() < 0.15
            else None,
            churn_day=int(joined_day) + rng.randint(60, 300)
            if rng.random() < 0.1
            else None,
            mentor=rng.random() < 0.12,
        )

    def local(self, p: Person, day: int, hour: float) -> float:
        """Seconds since START of `hour` o'clock on `day` in the person's timezone."""
        return day * DAY + hour * HOUR - p.offset

    def today(self, p: Person) -> date:
        """The person's local date now (as `service.clock.local_date`, but with the
        zone kept: ZoneInfo's own cache holds only eight zones)."""
        return self.clock.now().astimezone(self.zones[p.tz]).date()

    # The daily plan: what each member does today (and tuning of the action rate).

    def plan_day(self, day: int) -> None:
        rng, scale = self.rng, self._tune(day)
        weekday = (START + timedelta(days=day)).weekday()
        month_start = (START + timedelta(days=day)).day == 1
        active = 0
        for p in self.people:
            if p.member is None or (p.churn_day is not None and day >= p.churn_day):
                continue
            active += 1
            factor = p.activity * (0.6 if weekday >= 5 else 1.0)
            if p.rut and p.rut[0] <= day < p.rut[1]:
                factor *= 0.1
            today = (START + timedelta(days=day)).date()
            if p.away and p.away[0] <= today <= p.away[1]:
                factor *= 0.1
            for _ in range(poisson(rng, scale * factor)):
                self.at(self.local(p, day, self._hour()), self.log_action, p)
            if p.goals and rng.random() < 0.1 * min(factor, 1.5):
                self.at(self.local(p, day, self._hour()), self.goal_step, p)
            if len(p.goals) < 2 and rng.random() < 0.01:
                self.at(self.local(p, day, self._hour()), self.set_goal, p)
            reviews = (
                month_start if p.review_weekday is None else weekday == p.review_weekday
            )
            if reviews and rng.random() < 0.85 * min(1.0, factor * 2):
                self.at(self.local(p, day, rng.uniform(17, 22)), self.review, p)
            if rng.random() < 0.03:
                self.at(self.local(p, day, self._hour()), self.read_notifications, p)
            for mentor_id in p.mentors:
                if rng.random() < 0.01:
                    mentor = self.by_id[mentor_id]
                    self.at(
                        self.local(mentor, day, self._hour()), self.suggest, mentor, p
                    )
            if rng.random() < 0.004:
                self.at(self.local(p, day, self._hour()), self.member_change, p)
        self.window.append((-self.writer.count, float(active)))
        self.days = day + 1
        self.at((day + 1) * DAY - 15 * HOUR, self.plan_day, day + 1)

    def _tune(self, day: int) -> float:
        """Move the action rate so the log reaches the target at about one year."""
        if self.window:
            start, member_days = self.window[-1]
            self.window[-1] = (self.writer.count + start, member_days)
        recent = self.window[-14:]
        made = sum(e for e, _ in recent)
        member_days = sum(m for _, m in recent)
        if made > 0 and member_days > 0:
            remaining = self.target - self.writer.count
            future = sum(
                max(0.0, min(YEAR, p.churn_day or YEAR) - max(day, p.joined_at / DAY))
                for p in self.people
            )
            if future > 0:
                wanted = remaining / future
                ratio = min(1.25, max(0.8, wanted / (made / member_days)))
                self.scale = min(20.0, max(0.05, self.scale * ratio))
        return self.scale

    def _hour(self) -> float:
        return self.rng.choice(LOCAL_HOURS) + self.rng.uniform(-0.5, 0.5)

    # Members.

    def register(self, p: Person) -> None:
        rng = self.rng
        p.member = Member.register(
            p.id, p.email, f"Member {p.n}", p.tz, self.password_hash
        )
        index_id = email_index_id(p.email, EMAIL_INDEX_KEY)
        index = EmailIndex(id=index_id, member_id=p.id, actor_id=p.id)
        self.writer.emit(p.member, index)
        t = self.now()
        for _ in range(rng.choice((1, 1, 2))):
            self.at(t + rng.uniform(0.1, 48) * HOUR, self.set_goal, p)
        if rng.random() < 0.5:
            self.at(t + rng.uniform(0.1, 3) * HOUR, self.profile, p)
        if rng.random() < 0.4:
            self.at(t + rng.uniform(0.1, 5) * HOUR, self.aspirations, p)
        if rng.random() < 0.3:
            self.at(t + rng.uniform(0.1, 24) * HOUR, self.weekly_target, p)

    def profile(self, p: Person) -> None:
        assert p.member
        p.member.update_profile(
            f"Member {p.n}", p.tz, "Engineer on the way to tech lead", p.id
        )
        self.writer.emit(p.member)

    def aspirations(self, p: Person) -> None:
        assert p.member
        p.member.set_aspirations(
            "Lead a team that ships things people love",
            "Teaching, systems, good coffee",
            "Calm under pressure; explains things simply",
            p.id,
        )
        self.writer.emit(p.member)

    def weekly_target(self, p: Person) -> None:
        assert p.member
        p.member.set_weekly_target(self.rng.randint(2, 8), p.id)
        self.writer.emit(p.member)

    def member_change(self, p: Person) -> None:
        choice = self.rng.random()
        if choice < 0.4:
            self.weekly_target(p)
        elif choice < 0.7:
            assert p.member
            p.member.change_preferences(
                p.id, digest=self.rng.choice(("off", "daily", "weekly"))
            )
            self.writer.emit(p.member)
        else:
            self.profile(p)

    def plan_away(self, p: Person) -> None:
        if p.member is None or p.away is not None:
            return
        rng, today = self.rng, self.today(p)
        starts = today + timedelta(days=rng.randint(3, 30))
        ends = starts + timedelta(days=rng.randint(4, 14))
        period_id = uuid.uuid4()
        p.member.set_away_period(period_id, starts, ends, "holiday", p.id)
        self.writer.emit(p.member)
        p.away = (starts, ends)
        if rng.random() < 0.1:
            self.at(
                self.now() + rng.uniform(1, 48) * HOUR, self.cancel_away, p, period_id
            )

    def cancel_away(self, p: Person, period_id: UUID) -> None:
        assert p.member
        p.member.cancel_away_period(period_id, p.id)
        self.writer.emit(p.member)
        p.away = None

    def read_notifications(self, p: Person) -> None:
        mark = getattr(p.member, "mark_notifications_read", None)
        if mark is not None and self.writer.saved:
            mark(self.writer.saved, p.id)  # a position that is surely in the log
            self.writer.emit(p.member)

    # Actions, and what others do about them.

    def log_action(self, p: Person) -> None:
        rng, today = self.rng, self.today(p)
        goal = rng.choice(p.goals) if p.goals and rng.random() < 0.65 else None
        visibility = None
        if rng.random() < 0.2:
            widest = goal.visibility if goal else "group"
            visibility = rng.choice(
                [v for v in VISIBILITIES if narrower_or_equal(v, widest)]
            )
        back = 0 if rng.random() < 0.85 else rng.randint(1, 5)
        action = Action.log(
            p.id,
            today,
            goal_id=goal.id if goal else None,
            category=rng.choice(CATEGORIES),
            title=rng.choice(ACTION_TITLES),
            notes="" if rng.random() < 0.6 else "Went better than I expected.",
            minutes=None if rng.random() < 0.3 else rng.randint(5, 120),
            occurred_on=today - timedelta(days=back),
            evidence_url="https://example.com/notes/1" if rng.random() < 0.05 else None,
            win=rng.random() < 0.08,
            visibility=visibility,
        )
        self.writer.emit(action)
        t = self.now()
        if rng.random() < 0.02:
            self.at(t + rng.uniform(0.2, 3) * HOUR, self.edit_action, p, action)
        elif rng.random() < 0.005:
            self.at(t + rng.uniform(0.2, 48) * HOUR, self.retract_action, p, action)
        effective = visibility or (goal.visibility if goal else "mentors")
        self.react(p, "action", action.id, effective, 0.25 if action.win else 0.03)

    def react(
        self, p: Person, kind: str, item_id: UUID, visibility: str, cheer: float
    ) -> None:
        """Those who may see the item cheer it or comment, some hours later."""
        if visibility == "private":
            return
        rng, t = self.rng, self.now()
        for mentor_id in p.mentors:
            if rng.random() < 0.05:
                later = t + rng.uniform(0.5, 30) * HOUR
                self.at(later, self.feedback, mentor_id, p, kind, item_id, visibility)
            elif rng.random() < cheer:
                later = t + rng.uniform(0.5, 30) * HOUR
                self.at(later, self.cheer, mentor_id, p, kind, item_id, visibility)
        if visibility == "group" and p.groups:
            for other in self.co_members(p) - p.mentors.keys():  # one reaction each
                if rng.random() < cheer:
                    later = t + rng.uniform(0.2, 30) * HOUR
                    self.at(later, self.cheer, other, p, kind, item_id, visibility)
                elif rng.random() < 0.01:
                    later = t + rng.uniform(0.2, 30) * HOUR
                    self.at(later, self.feedback, other, p, kind, item_id, visibility)

    def co_members(self, p: Person) -> set[UUID]:
        found: set[UUID] = set()
        for group_id in p.groups:
            found |= self.groups[group_id].members
        found.discard(p.id)
        return found

    def may_see(self, viewer_id: UUID, owner: Person, visibility: str) -> bool:
        """SPEC 9 for the generator's own bookkeeping (checked when the viewer acts)."""
        if viewer_id in owner.mentors:
            return True
        return visibility == "group" and viewer_id in self.co_members(owner)

    def cheer(
        self, author_id: UUID, owner: Person, kind: str, item_id: UUID, vis: str
    ) -> None:
        if self.may_see(author_id, owner, vis):
            self.writer.emit(Cheer.give(author_id, kind, item_id, owner.id))

    def feedback(
        self, author_id: UUID, owner: Person, kind: str, item_id: UUID, vis: str
    ) -> None:
        if not self.may_see(author_id, owner, vis):
            return
        given = Feedback.give(
            author_id, kind, item_id, owner.id, "Nice step. What will you try next?"
        )
        self.writer.emit(given)
        if self.rng.random() < 0.01:
            self.at(self.now() + HOUR, self.withdraw, given)

    def withdraw(self, given: Feedback) -> None:
        given.withdraw(given.author_id)
        self.writer.emit(given)

    def edit_action(self, p: Person, action: Action) -> None:
        if action.retracted:
            return
        notes = f"{action.notes} Added a detail.".strip()
        action.edit({"notes": notes}, self.today(p), p.id)
        self.writer.emit(action)

    def retract_action(self, p: Person, action: Action) -> None:
        if not action.retracted:
            action.retract("Logged by mistake", p.id)
            self.writer.emit(action)

    # Goals.

    def set_goal(self, p: Person) -> None:
        rng, today = self.rng, self.today(p)
        metric = None
        if rng.random() < 0.4:
            name, unit, target = rng.choice(METRICS)
            metric = {"name": name, "unit": unit, "baseline": 0.0, "target": target}
        goal = Goal.set(
            p.id,
            today,
            title=rng.choice(GOAL_TITLES),
            horizon=rng.choice(("short", "long")),
            why="It is the step that gets me out of the rut.",
            description="" if rng.random() < 0.5 else "Small weekly steps.",
            metric=metric,
            due_on=today + timedelta(days=rng.randint(30, 300)),
            visibility=rng.choices(("private", "mentors", "group"), (2, 5, 3))[0],
        )
        for k in range(rng.randint(2, 5)):
            due = today + timedelta(days=14 * (k + 1)) if rng.random() < 0.5 else None
            goal.add_milestone(
                uuid.uuid4(), f"Milestone {k + 1}", due, p.id, set_on=today
            )
        self.writer.emit(goal)
        p.goals.append(goal)

    def goal_step(self, p: Person) -> None:
        if not p.goals:  # closed since this was planned
            return
        rng, goal = self.rng, self.rng.choice(p.goals)
        if goal.status == "paused":
            if rng.random() < 0.3:
                goal.resume(p.id)
                self.writer.emit(goal)
            return
        r = rng.random()
        todo = [m for m in goal.milestones.values() if not m["completed"]]
        if goal.metric and r < 0.45:
            step = goal.metric["target"] / rng.uniform(8, 20)
            goal.record_progress(round((goal.current_value or 0) + step, 2), "", p.id)
        elif r < 0.75 and todo:
            goal.complete_milestone(todo[0]["id"], p.id)
        elif r < 0.82 and len(goal.milestones) < 40:
            goal.add_milestone(
                uuid.uuid4(), "Another step", None, p.id, set_on=date.min
            )
        elif r < 0.85:
            due = max(goal.due_on, self.today(p)) + timedelta(days=30)
            goal.revise(
                {"due_on": due},
                "It needs more time than I thought.",
                self.today(p),
                p.id,
            )
        elif r < 0.87:
            goal.pause("Busy month at work", p.id)
        elif r < 0.88:
            goal.abandon("It no longer fits where I am heading.", p.id)
        elif r < 0.89 and len(todo) < len(goal.milestones):
            done = [m for m in goal.milestones.values() if m["completed"]]
            goal.reopen_milestone(done[-1]["id"], p.id)
        metric_done = (
            not goal.metric or (goal.current_value or 0) >= goal.metric["target"]
        )
        all_done = all(m["completed"] for m in goal.milestones.values())
        if goal.status == "active" and all_done and metric_done and rng.random() < 0.6:
            goal.achieve("Done, and I learned a lot on the way.", p.id)
        self.writer.emit(goal)
        if goal.is_closed:
            p.goals.remove(goal)
            if goal.status == "achieved":
                self.react(p, "goal", goal.id, goal.visibility, 0.5)

    def suggest(self, mentor: Person, mentee: Person) -> None:
        if mentor.id not in mentee.mentors:
            return
        goals = [g for g in mentee.goals if g.visibility != "private"]
        if not goals:
            return
        goal = self.rng.choice(goals)
        made = Suggestion.make(
            mentor.id,
            mentee.id,
            goal.id,
            "milestone",
            "Ask for a stretch task",
            "",
            None,
        )
        self.writer.emit(made)
        if self.rng.random() < 0.9:
            later = self.now() + self.rng.uniform(2, 96) * HOUR
            self.at(later, self.answer_suggestion, mentee, made, goal)

    def answer_suggestion(self, p: Person, made: Suggestion, goal: Goal) -> None:
        if self.rng.random() < 0.65 and not goal.is_closed:
            milestone_id = uuid.uuid4()
            goal.add_milestone(
                milestone_id, made.title, made.due_on, p.id, set_on=date.min
            )
            made.accept(milestone_id, p.id)
            self.writer.emit(made, goal)  # the handler touches the suggestion first
        else:
            made.decline("Not now, thanks.", p.id)
            self.writer.emit(made)

    # Reviews.

    def review(self, p: Person) -> None:
        rng = self.rng
        commitments = [
            {"id": uuid.uuid4(), "if_when": "When I open my laptop", "then": "plan"}
            for _ in range(rng.choice((0, 1, 1, 2)))
        ]
        review = Review.record(
            p.id,
            "monthly" if p.review_weekday is None else "weekly",
            {name: rng.randint(1, 5) for name in SIGNALS},
            commitments,
            rng.choices(("private", "mentors", "group"), (2, 6, 2))[0],
            went_well="Kept the streak going.",
            stuck_on="" if rng.random() < 0.5 else "Finding time on Thursdays.",
            lessons="Small steps add up.",
        )
        earlier = p.last_review
        if earlier is not None:
            for c in earlier.commitments:
                if str(c["id"]) not in earlier.outcomes and rng.random() < 0.6:
                    earlier.mark_commitment(c["id"], rng.random() < 0.6, p.id)
            self.writer.emit(earlier, review)  # outcomes first, as the handler does
        else:
            self.writer.emit(review)
        p.last_review = review
        if rng.random() < 0.03:
            self.at(self.now() + HOUR, self.amend_review, p, review)
        self.react(p, "review", review.id, review.visibility, 0.02)

    def amend_review(self, p: Person, review: Review) -> None:
        review.amend({"lessons": f"{review.lessons} Sleep matters too."}, p.id)
        self.writer.emit(review)

    # Mentoring.

    def propose(self, p: Person) -> None:
        rng = self.rng
        if rng.random() < 0.05:  # someone who has not joined (yet)
            self.outsiders += 1
            email = f"outsider{self.outsiders}@bench.invalid"
            self.writer.emit(Mentorship.propose(p.id, p.email, email, "Would you?"))
            return
        mentor = rng.choice(self.mentors)
        if mentor is p or mentor.id in p.mentors:
            return
        link = p.links.get(mentor.email)  # one aggregate per (mentee, email)
        if link is None:
            link = Mentorship.propose(p.id, p.email, mentor.email, "Mentor me?")
            p.links[mentor.email] = link
        elif link.status in ("declined", "ended"):
            link.propose_again("Could we try again?", p.id)
        else:
            return
        self.writer.emit(link)
        answer_at = max(
            self.now() + rng.uniform(2, 72) * HOUR,
            mentor.joined_at + rng.uniform(1, 48) * HOUR,
        )
        self.at(answer_at, self.answer, p, mentor, link)

    def answer(self, p: Person, mentor: Person, link: Mentorship) -> None:
        rng = self.rng
        if rng.random() < 0.85:
            link.accept(mentor.id)
            self.writer.emit(link)
            p.mentors[mentor.id] = link
            if rng.random() < 0.12:
                later = self.now() + rng.uniform(20, 200) * DAY
                self.at(later, self.end_mentorship, p, mentor, link)
        else:
            link.decline(mentor.id)
            self.writer.emit(link)
            if rng.random() < 0.5:
                self.at(self.now() + rng.uniform(3, 10) * DAY, self.propose, p)

    def end_mentorship(self, p: Person, mentor: Person, link: Mentorship) -> None:
        actor = p.id if self.rng.random() < 0.5 else mentor.id
        link.end("We covered what we set out to.", actor)
        self.writer.emit(link)
        p.mentors.pop(mentor.id, None)

    # Groups.

    def enter(self, p: Person, group: Group, actor_id: UUID) -> GroupMembershipIndex:
        if p.index is None:
            p.index = GroupMembershipIndex(
                id=membership_index_id(p.id), member_id=p.id, actor_id=actor_id
            )
        p.index.entered(group.id, actor_id=actor_id)
        p.groups.add(group.id)
        return p.index

    def facilitate(self, p: Person) -> None:
        rng = self.rng
        group = Group.create(f"Circle {len(self.groups) + 1}", "Peers, weekly.", p.id)
        self.groups[group.id] = group
        self.writer.emit(group, self.enter(p, group, p.id))
        t = self.now()
        joined = [q for q in self.people if q.member is not None and q is not p]
        for q in rng.sample(joined, min(len(joined), rng.randint(5, 10))):
            if len(q.groups) < 2:
                self.at(t + rng.uniform(0.1, 10) * DAY, self.invite, p, group, q)
        self.at(t + 25 * DAY, self.pair, p, group)
        if rng.random() < 0.2:
            self.at(t + 30 * DAY, self.co_facilitator, p, group)

    def invite(self, facilitator: Person, group: Group, q: Person) -> None:
        rng, invitation_id = self.rng, uuid.uuid4()
        email = None if rng.random() < 0.3 else q.email  # a link, or for one email
        group.invite(invitation_id, email, self.clock.now(), facilitator.id)
        self.writer.emit(group)
        self.at(
            self.now() + rng.uniform(1, 13 * 24) * HOUR,
            self.join,
            q,
            group,
            invitation_id,
        )

    def join(self, q: Person, group: Group, invitation_id: UUID) -> None:
        if q.id in group.members:
            return
        assert q.member
        group.join(q.id, q.member.email, invitation_id, self.clock.now())
        self.writer.emit(group, self.enter(q, group, q.id))
        if self.rng.random() < 0.08:
            self.at(self.now() + self.rng.uniform(20, 200) * DAY, self.leave, q, group)

    def leave(self, q: Person, group: Group) -> None:
        if q.id not in group.members or q.id in group.facilitators:
            return
        group.leave(q.id)
        assert q.index
        q.index.exited(group.id, actor_id=q.id)
        q.groups.discard(group.id)
        self.writer.emit(group, q.index)

    def pair(self, facilitator: Person, group: Group) -> None:
        free = [m for m in sorted(group.members) if m not in group.buddies]
        self.rng.shuffle(free)
        for a, b in zip(free[::2], free[1::2], strict=False):
            if self.rng.random() < 0.7:
                group.pair_buddies(a, b, facilitator.id)
        self.writer.emit(group)

    def co_facilitator(self, facilitator: Person, group: Group) -> None:
        others = sorted(group.members - group.facilitators)
        if others:
            group.add_facilitator(self.rng.choice(others), facilitator.id)
            self.writer.emit(group)


@dataclass
class Log:
    """What was generated."""

    events: int
    members: int
    days: int
    seconds: float
    types: Counter[str]
    refused: int

    def mix(self, top: int = 8) -> str:
        shown = ", ".join(
            f"{name} {100 * n / self.events:.1f} %"
            for name, n in self.types.most_common(top)
        )
        return f"{shown}; {len(self.types)} event types in all"


def generate(url: str, target: int, per_member: int, seed: int) -> Log:
    """Write about `target` events into the store at `url`."""
    settings = Settings(database_url=url, secret_key=SECRET)
    app = build_application(
        settings, clock=FixedClock(START), password_profile="CHEAPEST"
    )
    try:
        members = max(20, target // per_member)
        started = time.perf_counter()
        gen = Generator(app, target, members, seed)
        writer = gen.run()
        seconds = time.perf_counter() - started
        stored = app.recorder.max_notification_id() or 0
        if stored < writer.saved:
            raise RuntimeError(f"{writer.saved} events written, {stored} in the log")
        return Log(writer.saved, members, gen.days, seconds, writer.types, gen.refused)
    finally:
        app.close()


# --- Measurements, each in a child process --------------------------------------------


class OutOfBudgetError(Exception):
    """The measurement used up its time budget (`--budget`)."""


def select_models(models: Sequence[Any], spec: str) -> list[Any]:
    """`spec`: comma-separated names; only those, or all but those prefixed '-'."""
    names = [s.strip() for s in spec.split(",") if s.strip()]
    drop = {n[1:] for n in names if n.startswith("-")}
    keep = {n for n in names if not n.startswith("-")}
    known = {m.name for m in models}
    unknown = (drop | keep) - known
    if unknown:
        raise SystemExit(
            f"unknown read model(s): {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(known))}"
        )
    return [m for m in models if m.name not in drop and (not keep or m.name in keep)]


def rss_mb() -> float:
    """Current resident set size of this process."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """The larger peak of this process and its children (a rebuild's second
    process)."""
    peaks = (resource.getrusage(who).ru_maxrss for who in (RUSAGE_SELF, RUSAGE_KIDS))
    return max(peaks) / 1024  # KiB on Linux


def open_runner(url: str, spec: str) -> tuple[MomentumApplication, Any]:
    settings = Settings(database_url=url, secret_key=SECRET)
    system = open_system(
        settings, password_profile="CHEAPEST", follow=False, create_tables=False
    )
    system.runner.setup()
    system.runner.models = select_models(system.runner.models, spec)
    return system.app, system.runner


def diagnose(runner: Any, error: BaseException) -> dict[str, Any]:
    """Find the read model and event that failed: replay each model's next batch
    event by event in a transaction that is rolled back."""
    positions = runner.positions()
    for model in runner.models:
        batch = runner.app.recorder.select_notifications(
            start=positions[model.name],
            limit=runner.batch_size,
            inclusive_of_start=False,
        )
        with runner.engine.connect() as conn:
            trans = conn.begin()
            try:
                for n in batch:
                    event = runner.app.mapper.to_domain_event(n)
                    try:
                        if hasattr(model, "apply"):
                            model.apply(conn, event, n)
                        else:
                            model.apply_batch(conn, [(n, event)])
                    except Exception as e:
                        return failure(model.name, n.id, event, e)
            finally:
                trans.rollback()
    return failure(None, None, None, error)


def failure(
    model: str | None, position: int | None, event: Any, error: BaseException
) -> dict[str, Any]:
    frames = [
        f"{Path(f.filename).name}:{f.lineno} {f.name}"
        for f in traceback.extract_tb(error.__traceback__)
        if "/projections/" in f.filename
    ]
    fields = {}
    if event is not None:
        skip = ("originator_topic", "password_hash")
        fields = {k: str(v)[:60] for k, v in vars(event).items() if k not in skip}
    message = str(error).splitlines()[0][:300] if str(error) else ""
    return {
        "model": model,
        "position": position,
        "event": type(event).__qualname__ if event is not None else None,
        "fields": fields,
        "error": f"{type(error).__name__}: {message}".rstrip(": "),
        "where": frames[-3:],
    }


def child(mode: str, url: str, spec: str, budget: float) -> None:
    """Run one measurement and print its figures as JSON on the last line.

    Samples RSS at every tenth of the log; stops at the first batch boundary after
    `budget` seconds (0: no limit)."""
    app, runner = open_runner(url, spec)
    events = app.recorder.max_notification_id() or 0
    result: dict[str, Any] = {
        "models": [m.name for m in runner.models],
        "events": events,
        "applied": 0,
        "rss_before_mb": rss_mb(),
        "samples": [],  # [events applied, seconds, RSS MB]
    }
    step, started = max(1, events // 10), time.perf_counter()

    def progress(n: int) -> None:
        before, result["applied"] = result["applied"], result["applied"] + n
        seconds = time.perf_counter() - started
        if result["applied"] // step > before // step:
            result["samples"].append([result["applied"], seconds, rss_mb()])
        if budget and seconds > budget and result["applied"] < events:
            raise OutOfBudgetError

    try:
        two = PROCESSES >= 2  # as `momentum rebuild` / `project --once` here
        second = helper(Settings(database_url=url, secret_key=SECRET)) if two else None
        if mode == "rebuild":
            runner.rebuild(None, progress, second)
        else:
            runner.catch_up(progress, second)  # two processes on PostgreSQL only
    except OutOfBudgetError:
        result["stopped"] = True
    except Exception as e:
        result["error"] = diagnose(runner, e)
    result["seconds"] = time.perf_counter() - started
    sampled = [rss for _, _, rss in result["samples"]]
    result["peak_rss_mb"] = max([peak_rss_mb(), *sampled])
    runner.engine.dispose()
    app.close()
    print(json.dumps(result))


def run_child(mode: str, url: str, spec: str, budget: float) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.projections", "--child", mode]
    cmd += ["--url", url, f"--models={spec}", f"--budget={budget}"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-15:]
        raise RuntimeError(f"{mode} child failed:\n" + "\n".join(tail))
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def drop_read_models(url: str) -> None:
    """Remove every read-model table (after a failed run), so the next is from zero."""
    from projections import registry  # noqa: F401  (registers every model's tables)
    from projections.db import make_engine, metadata

    engine = make_engine(url)
    metadata.drop_all(engine)
    engine.dispose()


# --- Plain baseline -------------------------------------------------------------------


def plain_batches(events: int) -> list[list[tuple[Any, ...]]]:
    """The rows to insert, made before the clock starts, in runner-sized batches."""
    kind = "Action.ActionLogged"
    rows = [(pos, str(uuid.uuid4()), kind, START) for pos in range(1, events + 1)]
    return [rows[i : i + PLAIN_BATCH] for i in range(0, events, PLAIN_BATCH)]


def plain_sqlite(path: Path, events: int, models: int) -> float:
    """One row per event per read model, `PLAIN_BATCH` events per transaction per
    model."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # as projections.db sets it
    for k in range(models):
        conn.execute(
            f"CREATE TABLE plain{k} (position INTEGER PRIMARY KEY, "
            "aggregate_id TEXT, kind TEXT, at TEXT)"
        )
    batches = [
        [(p, a, kind, at.isoformat()) for p, a, kind, at in rows]
        for rows in plain_batches(events)
    ]
    started = time.perf_counter()
    for rows in batches:
        for k in range(models):
            conn.execute("BEGIN")
            conn.executemany(f"INSERT INTO plain{k} VALUES (?,?,?,?)", rows)
            conn.execute("COMMIT")
    rate = events / (time.perf_counter() - started)
    conn.close()
    return rate


def plain_postgres(url: str, schema: str, events: int, models: int) -> float:
    """As `plain_sqlite`, with psycopg (executemany pipelines the rows)."""
    with psycopg.connect(url, connect_timeout=3) as conn:
        for k in range(models):
            conn.execute(
                f"CREATE TABLE {schema}.plain{k} (position bigint PRIMARY KEY, "
                "aggregate_id text, kind text, at timestamptz)"
            )
        conn.commit()
        batches = plain_batches(events)
        started = time.perf_counter()
        for rows in batches:
            for k in range(models):
                with conn.cursor() as cur:
                    cur.executemany(
                        f"INSERT INTO {schema}.plain{k} VALUES (%s, %s, %s, %s)", rows
                    )
                conn.commit()
        return events / (time.perf_counter() - started)


# --- One measured log -----------------------------------------------------------------


@dataclass
class Row:
    backend: str
    target_events: int
    log: Log | None = None
    catch_up: dict[str, Any] = field(default_factory=dict)
    rebuild: dict[str, Any] = field(default_factory=dict)
    plain: float | None = None
    excluded: dict[str, str] = field(default_factory=dict)  # model → finding
    error: str = ""

    @staticmethod
    def rate(part: dict[str, Any]) -> float | None:
        if not part or "error" in part or not part.get("seconds"):
            return None
        return float(part["applied"]) / float(part["seconds"])

    @property
    def peak(self) -> float | None:
        peaks = [p["peak_rss_mb"] for p in (self.catch_up, self.rebuild) if p]
        return max(peaks) if peaks else None

    @property
    def stopped(self) -> bool:
        return bool(self.catch_up.get("stopped") or self.rebuild.get("stopped"))


def measure(
    row: Row, url: str, spec: str, budget: float, plain: Callable[[int], float]
) -> None:
    """Catch-up then rebuild in child processes; a model that fails is reported
    and left out, and the measurement starts again without it."""
    while True:
        row.catch_up = run_child("catch-up", url, spec, budget)
        failed = row.catch_up.get("error")
        if not failed:
            break
        model = failed.get("model")
        if model is None or model in row.excluded:
            row.error = f"catch-up failed: {describe(failed)}"
            return
        row.excluded[model] = describe(failed)
        print(f"  ! read model {model} failed: {row.excluded[model]}", file=sys.stderr)
        spec = f"{spec},-{model}" if spec else f"-{model}"
        drop_read_models(url)
    print(f"  catch-up: {summary(row.catch_up)}", file=sys.stderr)
    row.rebuild = run_child("rebuild", url, spec, budget)
    if row.rebuild.get("error"):
        row.error = f"rebuild failed: {describe(row.rebuild['error'])}"
    else:
        print(f"  rebuild:  {summary(row.rebuild)}", file=sys.stderr)
    row.plain = plain(len(row.catch_up["models"]))


def describe(failed: dict[str, Any]) -> str:
    where = f" ({'; '.join(failed['where'])})" if failed.get("where") else ""
    fields = ", ".join(f"{k}={v}" for k, v in failed.get("fields", {}).items())
    return (
        f"{failed['error']} on {failed['event']} at position {failed['position']}"
        f"{where}; event: {fields}"
    )


def summary(part: dict[str, Any]) -> str:
    rate = part["applied"] / part["seconds"]
    stopped = (
        f" (stopped by the time budget at {part['applied']:,} of {part['events']:,})"
        if part.get("stopped")
        else ""
    )
    samples = part.get("samples") or []
    shown = [samples[i] for i in sorted({0, len(samples) // 2, len(samples) - 1})]
    curve = ", ".join(f"{n:,}: {rss:.0f} MB" for n, _, rss in shown if samples)
    tenth = ""
    if len(samples) >= 3:  # rate over the first and the last tenth of the run
        (n1, t1, _), (n3, t3, _) = samples[0], samples[-1]
        n2, t2, _ = max((s for s in samples if s[0] <= n3 - n1), key=lambda s: s[0])
        tenth = f"; first/last tenth {n1 / t1:,.0f}/{(n3 - n2) / (t3 - t2):,.0f} ev/s"
    return (
        f"{part['applied']:,} events in {part['seconds']:.1f} s = {rate:,.0f}/s"
        f"{stopped}{tenth}; peak RSS {part['peak_rss_mb']:.0f} MB, RSS before "
        f"{part['rss_before_mb']:.0f} MB, after events applied {curve or '–'}"
    )


def bench_sqlite(size: int, args: argparse.Namespace) -> Row:
    row = Row("SQLite (file)", size)
    with tempfile.TemporaryDirectory(prefix="momentum-bench-") as tmp:
        url = f"sqlite:///{tmp}/events.sqlite"
        print(f"SQLite, {size:,} events: generating…", file=sys.stderr)
        row.log = generate(url, size, args.events_per_member, args.seed)
        print(f"  generated {generated(row.log)}", file=sys.stderr)

        def plain(models: int) -> float:
            path = Path(tmp) / "plain.sqlite"
            return plain_sqlite(path, min(size, PLAIN_EVENTS), models)

        measure(row, url, args.models, args.budget, plain)
    return row


@contextmanager
def pg_schema(url: str) -> Iterator[tuple[str, str]]:
    """A throwaway schema on the server at `url`, dropped afterwards."""
    schema = f"bench_projections_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        found = conn.execute("SHOW server_version").fetchone()
    try:
        yield schema, str(found[0]) if found else "?"
    finally:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def bench_postgres(size: int, args: argparse.Namespace) -> tuple[Row, str]:
    row = Row("PostgreSQL", size)
    url = args.postgres_url
    try:
        with pg_schema(url) as (schema, version):
            service_url = urlunparse(urlparse(url)._replace(query=f"schema={schema}"))
            print(f"PostgreSQL, {size:,} events: generating…", file=sys.stderr)
            row.log = generate(service_url, size, args.events_per_member, args.seed)
            print(f"  generated {generated(row.log)}", file=sys.stderr)

            def plain(models: int) -> float:
                return plain_postgres(url, schema, min(size, PLAIN_EVENTS), models)

            measure(row, service_url, args.models, args.budget, plain)
    except psycopg.OperationalError as e:
        print(f"PostgreSQL not reachable at {url}: {e}".strip(), file=sys.stderr)
        row.error = "not reachable"
        return row, "not reachable"
    return row, version


def generated(log: Log) -> str:
    return (
        f"{log.events:,} events for {log.members:,} members over {log.days} days in "
        f"{log.seconds:.0f} s ({log.events / log.seconds:,.0f}/s)"
    )


def run_sizes(
    backend: str, sizes: Sequence[int], bench: Callable[[int], Row]
) -> list[Row]:
    """Measure each size, smallest first; once a size ran out of its time budget,
    the bigger ones would only repeat it (cut at the same point), so skip them."""
    rows: list[Row] = []
    for size in sizes:
        over = next((r for r in rows if r.stopped), None)
        if over is not None and over.log is not None:
            skipped = f"skipped: the {over.log.events:,}-event run ran out of time"
            rows.append(Row(backend, size, error=skipped))
            continue
        rows.append(bench(size))
    return rows


# --- The results section --------------------------------------------------------------


def target_rate(backend: str) -> float:
    """The events/s the issue asks of this backend."""
    return TARGET_RATES.get(backend, TARGET_RATE)


def check(row: Row, smallest: dict[str, float]) -> str:
    catch_up, rebuild, peak = row.rate(row.catch_up), row.rate(row.rebuild), row.peak
    if row.error or catch_up is None or rebuild is None or peak is None:
        return "–"
    rate = target_rate(row.backend)
    checks = {
        "catch-up": catch_up >= rate,
        "rebuild": rebuild >= rate,
        "RSS": peak < RSS_LIMIT_MB,
        "not flat": row.stopped or peak <= FLAT * smallest.get(row.backend, peak),
        "not all applied in the time budget": not row.stopped,
    }
    failed = ", ".join(what for what, ok in checks.items() if not ok)
    return f"no ({failed})" if failed else "yes"


def table_row(row: Row, smallest: dict[str, float]) -> str:
    target = f"≥ {target_rate(row.backend):,.0f}/s; RSS < {RSS_LIMIT_MB:.0f} MB, flat"
    events = f"{row.log.events:,}" if row.log else f"{row.target_events:,} (planned)"
    if row.error:
        return f"| {row.backend} | {events} | {row.error} | – | – | – | {target} | – |"
    catch_up, rebuild = row.rate(row.catch_up), row.rate(row.rebuild)
    ratio = "–"
    if row.plain and catch_up and rebuild:
        ratio = f"{catch_up / row.plain:.2f} / {rebuild / row.plain:.2f}"
    return (
        f"| {row.backend} | {events} | {fmt(catch_up, row.catch_up)} | "
        f"{fmt(rebuild, row.rebuild)} | {row.peak:.0f} | {ratio} | {target} | "
        f"{check(row, smallest)} |"
    )


def fmt(rate: float | None, part: dict[str, Any]) -> str:
    if rate is None:
        return "–"
    return f"{rate:,.0f}" + (
        f" ({part['applied']:,} applied)" if part.get("stopped") else ""
    )


def section(
    rows: list[Row], pg_version: str, command: str, wall: float, budget: float
) -> str:
    measured = [r for r in rows if r.log and r.catch_up and not r.error]
    smallest: dict[str, float] = {}
    for r in sorted(measured, key=lambda r: r.log.events if r.log else 0):
        if r.peak is not None and not r.stopped:
            smallest.setdefault(r.backend, r.peak)
    models = measured[0].catch_up["models"] if measured else []
    logs = [r.log for r in rows if r.log]
    biggest = max(logs, key=lambda log: log.events) if logs else None
    per_member = biggest.events // biggest.members if biggest else EVENTS_PER_MEMBER
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    limit = f"{budget:.0f} s" if budget else "none"
    lines = [
        "## Projection catch-up and rebuild (SPEC 11 row 3)",
        "",
        f"- Date: {now}",
        f"- Machine: {machine(pg_version)}",
        f"- Command: `{command}` (whole run {wall / 60:.1f} min)",
        "- Workload: per log size a generated year of history (about one member "
        f"per {per_member:,} events, joining over four months; actions, goals with "
        "milestones and metrics, weekly/monthly reviews with commitments, "
        "mentorships and suggestions, peer groups with buddies, cheers, feedback), "
        "written through the domain aggregates in time order. Mix of the largest "
        f"log: {biggest.mix() if biggest else '–'}.",
        "- Read models measured (`projections.registry.all_models()`): "
        f"{', '.join(models) or '–'}. Each measurement runs in its own child "
        "process: (a) catch-up from zero as `momentum project --once` runs it "
        "(in two processes here when far behind: on PostgreSQL on the live tables, "
        "on SQLite built beside and swapped in), (b) a blue/green "
        f"rebuild of the built models as `momentum rebuild` runs it here "
        f"({PROCESSES} process(es): a second one replays about half the models, "
        "`system.rebuild`); events/s "
        "= events applied / wall time; peak RSS = the largest `ru_maxrss` of the "
        "measuring processes. Time budget per "
        f"measurement: {limit} (a run that uses it up stops and reports the "
        "events it applied).",
        "- Plain baseline: one row per event per read model into 4-column tables, "
        f"{PLAIN_BATCH} events per transaction per model (the runner's shape), "
        "executemany, with the read-model database's durability (SQLite WAL, "
        f"synchronous=NORMAL; PostgreSQL server default), {PLAIN_EVENTS:,} events; "
        "ratio = catch-up / plain and rebuild / plain.",
        "",
        "| backend | events | catch-up events/s | rebuild events/s | peak RSS MB "
        "| ratio to plain (catch-up / rebuild) | target | met? |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *(table_row(r, smallest) for r in rows),
        "",
        f"- met?: both rates ≥ the backend's target ({TARGET_RATE:,.0f}/s on "
        f"SQLite, {TARGET_RATES['PostgreSQL']:,.0f}/s on PostgreSQL, as issue 15 "
        f"asks), peak RSS < {RSS_LIMIT_MB:.0f} MB, and flat: at most {FLAT} × "
        "the smallest log's peak on the same "
        "backend; every event applied within the time budget.",
    ]
    for r in rows:
        if not r.log:
            continue
        parts = [f"generated {generated(r.log)}"]
        if r.log.refused:
            parts.append(f"{r.log.refused} simulated commands refused by the domain")
        if r.catch_up and "error" not in r.catch_up:
            parts.append(f"catch-up {summary(r.catch_up)}")
        if r.rebuild and "error" not in r.rebuild:
            parts.append(f"rebuild {summary(r.rebuild)}")
        if r.plain:
            parts.append(f"plain {r.plain:,.0f} events/s")
        head = f"- {r.backend}, {r.log.events:,} events: "
        lines.append(head + "; ".join(parts) + ".")
    findings = {(m, text) for r in rows for m, text in r.excluded.items()}
    for model, text in sorted(findings):
        lines.append(
            f"- **Finding:** read model `{model}` raised on the generated log and was "
            f"left out of the figures above: {text}"
        )
    return "\n".join(lines)


# --- Profile --------------------------------------------------------------------------


def profile(size: int, spec: str, per_member: int, seed: int) -> None:
    """cProfile of a catch-up, then a rebuild timed per read model."""
    with tempfile.TemporaryDirectory(prefix="momentum-bench-") as tmp:
        url = f"sqlite:///{tmp}/events.sqlite"
        log = generate(url, size, per_member, seed)
        print(f"generated {generated(log)}\nmix: {log.mix(20)}\n")
        app, runner = open_runner(url, spec)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.runcall(runner.catch_up)
        took = time.perf_counter() - started
        print(
            f"catch-up of {log.events:,} events under cProfile: {took:.1f} s "
            f"({log.events / took:,.0f}/s with profiling overhead)\n"
        )
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        print(per_model(runner, log.events))
        runner.engine.dispose()
        app.close()


def per_model(runner: Any, events: int) -> str:
    """Rebuild once more, timing reading + decoding and each model's transactions
    (wraps the runner class's private steps, so the blue/green rebuild's scratch
    runner is timed too; skipped if the runner changed shape)."""
    cls = type(runner)
    if not all(hasattr(cls, a) for a in ("_apply_batch", "_decode")):
        return "(no per-model breakdown: the runner has no _apply_batch/_decode)"
    spent: dict[str, float] = {}
    apply_batch, decode = cls._apply_batch, cls._decode
    select = runner.app.recorder.select_notifications

    def timed(key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - started

        return wrapper

    def decoding(self: Any, notification: Any) -> Any:
        return timed("(decode events)", decode)(self, notification)

    def batch(self: Any, model: Any, *args: Any) -> None:
        timed(model.name, apply_batch)(self, model, *args)

    runner.app.recorder.select_notifications = timed("(read the log)", select)
    cls._decode, cls._apply_batch = decoding, batch
    started = time.perf_counter()
    try:
        runner.rebuild()
    finally:
        cls._decode, cls._apply_batch = decode, apply_batch
    total = time.perf_counter() - started
    lines = [
        f"rebuild of {events:,} events without profiler: {total:.1f} s "
        f"({events / total:,.0f}/s); where it went:"
    ]
    for key, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        lines.append(
            f"  {key:<26} {seconds:7.2f} s  {100 * seconds / total:5.1f} %  "
            f"{1e6 * seconds / events:6.1f} µs/event"
        )
    rest = total - sum(spent.values())
    lines.append(f"  {'(rest: scratch tables, swap, tracking)':<26} {rest:7.2f} s")
    return "\n".join(lines)


# --- Command line ---------------------------------------------------------------------


def sizes(text: str) -> list[int]:
    return sorted({int(float(s)) for s in text.split(",") if s.strip()})


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--events",
        type=sizes,
        default=list(DEFAULT_EVENTS),
        help="log sizes for SQLite, comma-separated (default 100000,300000,1000000)",
    )
    p.add_argument(
        "--postgres-events",
        type=sizes,
        help="log sizes for PostgreSQL (default: the middle one of --events; 0: none)",
    )
    p.add_argument(
        "--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres"
    )
    p.add_argument("--require-postgres", action="store_true")
    p.add_argument(
        "--models",
        default="",
        help="read models to measure: 'a,b' only these, '-a' all but a "
        "(write --models=-a); default all",
    )
    p.add_argument(
        "--budget",
        type=float,
        help="seconds per measurement before it stops (0: none; default "
        f"{BUDGET_FACTOR} × the largest size / {TARGET_RATE:,.0f} per second, at "
        f"least {MIN_BUDGET:.0f}: 180 s for 1 M events)",
    )
    p.add_argument(
        "--events-per-member",
        type=int,
        default=EVENTS_PER_MEMBER,
        help=f"members = events / this (default {EVENTS_PER_MEMBER})",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, help="default bench/RESULTS.md")
    p.add_argument(
        "--quick", action="store_true", help="20,000 events; no file unless --out"
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="profile a catch-up of the smallest size (SQLite) and print; no file",
    )
    p.add_argument("--child", choices=("catch-up", "rebuild"), help=argparse.SUPPRESS)
    p.add_argument("--url", help=argparse.SUPPRESS)
    return p.parse_args()


def main() -> int:
    args = parse_args()
    if args.child:
        child(args.child, args.url, args.models, args.budget or 0.0)
        return 0
    if args.quick:
        args.events = list(QUICK_EVENTS)
    if args.profile:
        profile(args.events[0], args.models, args.events_per_member, args.seed)
        return 0
    pg_events = args.postgres_events
    if pg_events is None:
        pg_events = [args.events[len(args.events) // 2]]
    pg_events = [n for n in pg_events if n > 0]
    if args.budget is None:  # a run that needs more misses the target by far
        largest = max([*args.events, *pg_events])
        args.budget = max(MIN_BUDGET, BUDGET_FACTOR * largest / TARGET_RATE)
    started = time.perf_counter()
    rows = run_sizes("SQLite (file)", args.events, lambda n: bench_sqlite(n, args))
    pg_version = "not measured"

    def pg(n: int) -> Row:
        nonlocal pg_version
        row, pg_version = bench_postgres(n, args)
        return row

    rows += run_sizes("PostgreSQL", pg_events, pg)
    command = command_line("bench.projections", __package__)
    wall = time.perf_counter() - started
    body = section(rows, pg_version, command, wall, args.budget)
    print(body)
    out = args.out or (None if args.quick else ROOT / "bench" / "RESULTS.md")
    if out is not None:
        write_results(out, body, NAME)
        print(f"\nwritten to {out}")
    pg_measured = any(r.backend == "PostgreSQL" and r.rebuild for r in rows)
    return 1 if args.require_postgres and pg_events and not pg_measured else 0


if __name__ == "__main__":
    sys.exit(main())
