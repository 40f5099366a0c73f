"""The goal board a batch at a time: built one event per batch it equals it built in
one batch (with erasures, new timezones, changed metrics, moved actions), on SQLite
and PostgreSQL; a batch sends a few statements, not some per event; and `Batch` keeps
rows whose primary key has several columns (metric values, milestone steps)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Date,
    Engine,
    Float,
    MetaData,
    String,
    Table,
    select,
)

from projections.batching import Batch
from projections.goals import GoalBoard
from projections.relations import Relations
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.conftest import PASSWORD
from tests.histories import History
from tests.unit.projections.batch_check import (
    equivalence_test,
    statements_for_one_batch,
)

meta = MetaData()
values = Table(
    "batch_goal_values",
    meta,
    Column("goal_id", String(8), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("value", Float, nullable=False),
)
DAY = date(2026, 3, 2)


def test_rows_with_a_primary_key_of_several_columns(backend_engine: Engine) -> None:
    meta.drop_all(backend_engine)
    meta.create_all(backend_engine)
    days = [DAY + timedelta(days=i) for i in range(3)]
    with backend_engine.begin() as conn:
        conn.execute(
            values.insert(),
            [{"goal_id": g, "day": d, "value": 1.0} for g in "ab" for d in days],
        )
    with backend_engine.begin() as conn:
        batch = Batch([values])
        batch.load(conn, values, goal_id=["a"])
        rows = batch[values]
        assert rows.key == "goal_id,day"
        assert [r["day"] for r in rows.where("goal_id", "a")] == days
        assert rows.get(("a", days[0])) == {"goal_id": "a", "day": days[0], "value": 1}
        assert rows.update(("a", days[1]), value=2.0)
        rows.insert(goal_id="a", day=days[2], value=3.0)  # over a loaded row
        rows.insert(goal_id="b", day=days[0], value=4.0)  # over one never loaded
        rows.delete(("b", days[1]))  # never loaded: by key all the same
        rows.purge("goal_id", ["c"])  # nothing there
        rows.delete(("a", days[0]))
        with pytest.raises(LookupError):
            rows.get(("b", days[2]))
        batch.write(conn)
    with backend_engine.connect() as conn:
        found = conn.execute(select(values).order_by(values.c.goal_id, values.c.day))
        assert [tuple(r) for r in found] == [
            ("a", days[1], 2.0),
            ("a", days[2], 3.0),
            ("b", days[0], 4.0),
            ("b", days[2], 1.0),
        ]
    meta.drop_all(backend_engine)


# The goal board, one batch against one event per batch.


EXTRAS = st.lists(
    st.tuples(
        st.sampled_from(["erase", "timezone", "metric", "relink", "progress"]),
        st.integers(0, 20),
    ),
    max_size=5,
)


def _extra(history: History, kind: str, i: int) -> None:
    """What the random histories leave out or rarely reach: erasure, a new timezone,
    a changed metric (its values purged) with progress after it, two values on one
    day, and an action moved to another goal and day."""
    member = history.m(i)
    if kind == "erase":
        history.do(c.EraseMember(member, PASSWORD))
    elif kind == "timezone":
        history.do(c.UpdateProfile(member, "N", "Pacific/Auckland"))
    elif kind == "metric":
        history.metric_goal(i, "mentors")
        history.progress(i, 2)
        if history.goals:
            owner, revised = history.goals[i % len(history.goals)]
            metric = {"name": "talks", "unit": "talks", "baseline": 1, "target": 3}
            history.do(c.ReviseGoal(owner, revised, {"metric": metric}, "x"))
        history.progress(i, 3)
        history.milestone(i)
        history.complete(i, reopen=False)
    elif kind == "progress":
        history.progress(i, 4)
        history.progress(i, 5)  # the same day: the last one stays
        history.complete(i, reopen=True)
        history.status(i, "pause")
    else:
        for owner, action in history.actions[i % 3 :: 3]:
            goals = [goal for o, goal in history.goals if o == owner]
            goal = goals[i % len(goals)] if goals else None
            day = history.clock.now().date() - timedelta(days=i % 5)
            changes = {"goal_id": goal, "occurred_on": day}
            history.do(c.EditAction(owner, action, changes))
        if history.actions:
            owner, action = history.actions[i % len(history.actions)]
            history.do(c.RetractAction(owner, action, "twice"))


test_the_goal_board_in_one_batch_equals_it_one_event_per_batch = equivalence_test(
    lambda: [Relations(), GoalBoard()], EXTRAS, _extra
)


def test_the_goal_board_sends_a_few_statements_per_batch_not_per_event(
    app: MomentumApplication, clock: FixedClock, engine: Engine, statements: list[str]
) -> None:
    history = History(app, clock, "s")
    history.everything()
    for i in range(4):
        for kind in ("metric", "progress", "relink", "timezone"):
            _extra(history, kind, i)
    history.do(c.EraseMember(history.m(4), PASSWORD))
    sent = statements_for_one_batch(app, engine, GoalBoard(), statements)
    # loads: goals, members, milestones, actions; writes: at most purges, deletes
    # and one upsert per column and table
    assert sent <= 4 + 3 * len(GoalBoard.tables) + 4
    with engine.connect() as conn:
        assert conn.execute(select(GoalBoard.tables[1])).first() is not None
