"""Whatever the domain accepts, every read model can apply (issue 11).

Hypothesis drives the service with extreme but accepted commands — dates on the
edges of the domain's window (1 January 1900, five years after today), metric values
of ±1e12 and the smallest floats, targets a hair from their baselines, text of the
longest length allowed, the lowest and highest signals, minutes and weekly targets,
timezones 25 hours apart — then every read model catches up and is rebuilt, on
SQLite and PostgreSQL. Neither may stop on an event, and the reads the API and pages
serve over them (goal cards with their safety buffers, momentum and its series,
progress series) must answer.

Dates are drawn as (anchor, offset) and resolved against the clock when the command
runs, so they stay on the edges however far the clock has moved.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from projections import goals_queries, metrics_queries
from projections.db import make_engine
from projections.registry import all_models
from projections.runner import ProjectionRunner
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.domain.base import EARLIEST_DAY, NUMBER_LIMIT, latest_day
from service.errors import DomainError
from tests.conftest import registrar

TINY = 5e-324
TIMEZONES = ("UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Paris")
LONG_TITLE = "Ship the " + "x" * 141  # 150 characters, three words
SIGNALS = ("motivation", "focus", "learning", "recognition", "satisfaction")

Day = tuple[str, int]
"""("first", n): n days after EARLIEST_DAY; ("last", n): n days before the last day
the domain accepts; ("today", n): n days after today (by the clock)."""

offsets = st.one_of(st.sampled_from([0, 1, 6, 7, 365]), st.integers(0, 400))
any_day = st.tuples(st.sampled_from(["first", "last", "today"]), offsets)
future_day = st.one_of(
    st.tuples(st.just("last"), offsets),
    st.tuples(st.just("today"), st.integers(1, 400)),
)
numbers = st.one_of(
    st.sampled_from([-NUMBER_LIMIT, NUMBER_LIMIT, 0.0, -0.0, TINY, -TINY, 1e-300]),
    st.floats(-NUMBER_LIMIT, NUMBER_LIMIT, allow_nan=False, allow_infinity=False),
)
who = st.integers(0, 1)
goal_index = st.integers(0, 5)
long = st.booleans()

operations = st.one_of(
    st.tuples(st.just("away"), who, any_day, st.sampled_from([0, 6, 365])),
    st.tuples(
        st.just("goal"),
        who,
        future_day,
        numbers,
        numbers,
        st.none() | any_day,
        long,
    ),
    st.tuples(st.just("progress"), goal_index, numbers),
    st.tuples(st.just("revise"), goal_index, future_day, numbers, numbers),
    st.tuples(st.just("milestone"), goal_index, st.none() | any_day, long),
    st.tuples(
        st.just("action"),
        who,
        st.sampled_from([0, 30]),
        st.sampled_from([None, 1, 1440]),
        st.none() | goal_index,
        long,
    ),
    st.tuples(st.just("review"), who, st.sampled_from([1, 5]), long),
    st.tuples(st.just("suggest"), goal_index, any_day, st.booleans()),
    st.tuples(st.just("target"), who, st.sampled_from([1, 50])),
    st.tuples(st.just("zone"), who, st.sampled_from(TIMEZONES)),
    st.tuples(st.just("status"), goal_index, st.sampled_from(["pause", "achieve"])),
    st.tuples(st.just("wait"), st.sampled_from([1, 7, 28])),
)


class Extremes:
    """Two members who mentor each other, driven with extreme commands; commands
    the domain refuses (an overlap, a target equal to its baseline) are skipped."""

    def __init__(self, app: MomentumApplication, clock: FixedClock, prefix: str):
        self.app, self.clock = app, clock
        register = registrar(app)
        self.names = [f"{prefix}a", f"{prefix}b"]
        self.members = [register(name, "Pacific/Kiritimati") for name in self.names]
        for mentee, mentor in ((0, 1), (1, 0)):
            email = f"{self.names[mentor].lower()}@example.com"
            link = self.do(c.ProposeMentorship(self.members[mentee], email))
            assert link is not None
            self.do(c.AnswerMentorship(self.members[mentor], link.id, "accept"))
        self.goals: list[tuple[int, UUID]] = []  # (owner, goal)

    def do(self, command: c.Command) -> Any:
        try:
            return self.app.handle(command)
        except DomainError:
            return None

    def day(self, spec: Day) -> date:
        anchor, offset = spec
        today = self.clock.now().date()
        if anchor == "first":
            return EARLIEST_DAY + timedelta(days=offset)
        if anchor == "last":
            return latest_day(today) - timedelta(days=offset)
        return today + timedelta(days=offset)

    def goal(self, k: int) -> tuple[int, UUID] | None:
        return self.goals[k % len(self.goals)] if self.goals else None

    def run(self, op: tuple[Any, ...]) -> None:
        getattr(self, f"_{op[0]}")(*op[1:])

    def _away(self, i: int, starts: Day, length: int) -> None:
        first = self.day(starts)
        last = min(first + timedelta(days=length), latest_day())
        self.do(c.SetAwayPeriod(self.members[i], first, last, "sick"))

    def _goal(
        self,
        i: int,
        due: Day,
        baseline: float,
        target: float,
        milestone: Day | None,
        longest: bool,
    ) -> None:
        steps = () if milestone is None else (c.NewMilestone("A", self.day(milestone)),)
        metric = {
            "name": "m" * 80 if longest else "m",
            "unit": "u" * 30 if longest else "",
            "baseline": baseline,
            "target": target,
        }
        result = self.do(
            c.SetGoal(
                self.members[i],
                LONG_TITLE if longest else "Give a talk",
                "long",
                "w" * 2000 if longest else "Why",
                self.day(due),
                description="d" * 5000 if longest else "",
                metric=metric,
                visibility="mentors",
                milestones=steps,
            )
        )
        if result is not None:
            self.goals.append((i, result.id))

    def _progress(self, k: int, value: float) -> None:
        if found := self.goal(k):
            note = "n" * 1000
            self.do(c.RecordProgress(self.members[found[0]], found[1], value, note))

    def _revise(self, k: int, due: Day, baseline: float, target: float) -> None:
        if found := self.goal(k):
            metric = {"name": "m", "unit": "", "baseline": baseline, "target": target}
            changes = {"due_on": self.day(due), "metric": metric}
            self.do(c.ReviseGoal(self.members[found[0]], found[1], changes, "r" * 500))

    def _milestone(self, k: int, due: Day | None, longest: bool) -> None:
        if found := self.goal(k):
            title = "t" * 150 if longest else "Step"
            when = None if due is None else self.day(due)
            self.do(c.AddMilestone(self.members[found[0]], found[1], title, when))

    def _action(
        self,
        i: int,
        days_ago: int,
        minutes: int | None,
        k: int | None,
        longest: bool,
    ) -> None:
        found = None if k is None else self.goal(k)
        actor = self.members[found[0] if found else i]
        self.do(
            c.LogAction(
                actor,
                "learning",
                "a" * 150 if longest else "Read",
                occurred_on=self.clock.now().date() - timedelta(days=days_ago),
                goal_id=found[1] if found else None,
                notes="n" * 5000 if longest else "",
                minutes=minutes,
                evidence_url=("https://example.com/" + "p" * 1980) if longest else None,
                win=longest,
            )
        )

    def _review(self, i: int, signal: int, longest: bool) -> None:
        text = "r" * 5000 if longest else ""
        steps = tuple(c.NewCommitment("i" * 300, "t" * 300) for _ in range(10))
        self.do(
            c.RecordReview(
                self.members[i],
                dict.fromkeys(SIGNALS, signal),
                went_well=text,
                stuck_on=text,
                lessons=text,
                commitments=steps if longest else (),
            )
        )

    def _suggest(self, k: int, due: Day, accept: bool) -> None:
        if found := self.goal(k):
            owner, goal = found
            mentor = self.members[1 - owner]
            made = self.do(
                c.MakeSuggestion(
                    mentor, goal, "milestone", "s" * 150, "", self.day(due)
                )
            )
            if made is not None:
                self.do(c.AnswerSuggestion(self.members[owner], made.id, accept))

    def _target(self, i: int, per_week: int) -> None:
        self.do(c.SetWeeklyTarget(self.members[i], per_week))

    def _zone(self, i: int, timezone: str) -> None:
        self.do(c.UpdateProfile(self.members[i], "n" * 80, timezone, "h" * 200))

    def _status(self, k: int, change: str) -> None:
        if found := self.goal(k):
            self.do(c.ChangeGoalStatus(self.members[found[0]], found[1], change))

    def _wait(self, days: int) -> None:
        self.clock.advance(days=days)


def assert_every_model_current_and_readable(
    runner: ProjectionRunner, extremes: Extremes
) -> None:
    """No read model stopped, each applied the whole log, and the reads answer."""
    assert runner.stopped() == []
    head = runner.app.recorder.max_notification_id() or 0
    assert set(runner.positions().values()) == {head}
    now = extremes.clock.now()
    ids = [str(m) for m in extremes.members]
    with runner.engine.connect() as conn:
        for member in ids:
            for card in goals_queries.goal_board(conn, member, member, now):
                assert 0 <= card.progress <= 100
                assert card.safety_buffer is None or card.safety_buffer >= 0
                series = goals_queries.progress_series(conn, member, card.goal_id)
                assert series is not None
            assert metrics_queries.daily_series(conn, member, now, days=14)
        assert set(metrics_queries.metrics_for_many(conn, ids, now)) == set(ids)


@pytest.fixture
def runner(stored_app: MomentumApplication, backend: str) -> Iterator[ProjectionRunner]:
    """Every read model over the test's store, set up once for all the examples."""
    engine = make_engine(backend)
    runner = ProjectionRunner(stored_app, engine, all_models())
    runner.setup()
    yield runner
    engine.dispose()


_examples = itertools.count()

# Found by hand (issue 11): far above a line that barely rises, four weeks on.
HAIR_LINE = [
    ("goal", 0, ("last", 0), 0.0, 1e-300, ("first", 0), True),
    ("progress", 0, NUMBER_LIMIT),
    ("away", 1, ("last", 0), 0),
    ("away", 1, ("first", 0), 365),
    ("wait", 28),
]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(ops=st.lists(operations, min_size=1, max_size=10))
@example(ops=HAIR_LINE)
def test_extreme_but_accepted_commands_never_stop_a_read_model(
    stored_app: MomentumApplication,
    runner: ProjectionRunner,
    clock: FixedClock,
    ops: list[tuple[Any, ...]],
) -> None:
    # The store is shared by the examples, each with members of its own: the
    # rebuild replays the extremes of every example so far.
    extremes = Extremes(stored_app, clock, f"x{next(_examples)}")
    for op in ops:
        extremes.run(op)
    runner.catch_up()
    assert_every_model_current_and_readable(runner, extremes)
    runner.rebuild()
    assert_every_model_current_and_readable(runner, extremes)
