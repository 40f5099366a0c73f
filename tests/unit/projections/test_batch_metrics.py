"""The metrics read model a batch at a time: built one event per batch it equals it
built in one batch, row for row and float for float (with erasures, new timezones
and targets, away periods set in the past and cancelled, actions moved to other
days, retracted, reopened milestones, amended reviews), on SQLite and PostgreSQL;
and a batch sends a few statements, not some per event."""

from __future__ import annotations

from uuid import UUID

from hypothesis import strategies as st
from sqlalchemy import Engine, select

from projections.formulas import SIGNALS as SIGNAL_NAMES
from projections.formulas import WEIGHTS
from projections.metrics import Metrics
from projections.metrics_tables import (
    action_weeks,
    actions,
    away_periods,
    members,
    outcomes,
    points,
    reviews,
)
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.domain.action import Action
from service.domain.member import Member
from service.domain.review import Review
from tests.conftest import PASSWORD
from tests.histories import SIGNALS, History
from tests.unit.projections.batch_check import (
    Dump,
    equivalence_test,
    erased_members,
    statements_for_one_batch,
)

KINDS = ["erase", "move", "target", "away", "edit", "retract", "reopen", "review"]
EXTRAS = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 20)), max_size=6)


def _extra(history: History, kind: str, i: int) -> None:
    """What the random histories leave out or rarely reach, each with actions
    around it: erasure (with reviews, outcomes and goals), a new timezone or target
    (every week recomputed), an away period in the past (cancelled or not), an
    action moved to another day or retracted, a milestone reopened, a review's
    signals amended."""
    member = history.m(i)
    history.win(i, i % 3)
    if kind == "erase":
        history.checkin(i, low=True, commit=True)
        history.checkin(i, low=False, commit=True)
        history.do(c.EraseMember(member, PASSWORD))
    elif kind == "move":
        history.move(i, i + 1)
    elif kind == "target":
        history.target(i, 1 + i % 7)
    elif kind == "away":
        history.away(i, -(i % 15), i % 6, cancel=i % 2 == 0)
    elif kind == "edit":
        history.edit_action(i, i % 9, win=i % 2 == 0)
        history.edit_action(i + 1, 0, win=True)
    elif kind == "retract":
        history.retract(i)
    elif kind == "reopen":
        history.milestone(i)
        history.complete(i, reopen=False)
        history.complete(i, reopen=True)
    else:
        recorded = history.do(c.RecordReview(member, SIGNALS))
        if recorded is not None:
            signals = {name: 1 + (value + i) % 5 for name, value in SIGNALS.items()}
            history.do(c.AmendReview(member, recorded.id, {"signals": signals}))
    history.win(i + 1, 0)
    history.clock.advance(hours=1)
    history.edit_action(i + 2, 1, win=False)


def _each_kind_once(history: History) -> None:
    for n, kind in enumerate(KINDS):
        _extra(history, kind, n + 1)


def _facts_agree_with_the_aggregates(history: History, rows: Dump) -> None:
    """The facts against the write side (which a handler left out would break on
    both builds alike): members' timezones, targets and away periods, actions' days
    and weights, reviews' signals; nothing left of an erased member (no outcome
    without its review)."""
    assert rows[action_weeks.name]
    erased = erased_members(history)
    repository = history.app.repository
    by_member = {row[0]: row for row in rows[members.name]}
    for member_id in history.members:
        if member_id in erased:
            for table in (members, actions, action_weeks, points, reviews):
                column = list(table.c).index(table.c.member_id)
                assert all(r[column] != str(member_id) for r in rows[table.name])
            continue
        member: Member = repository.get(member_id)
        row = by_member[str(member_id)]
        assert (row[1], row[2]) == (member.timezone, member.weekly_target)
        periods = {
            (period_id, p["starts_on"], p["ends_on"])
            for period_id, p in member.away_periods.items()
        }
        assert periods == {
            (r[0], r[2], r[3])
            for r in rows[away_periods.name]
            if r[1] == str(member_id)
        }
    by_action = {row[0]: row for row in rows[actions.name]}
    for owner, action_id in history.actions:
        action: Action = repository.get(action_id)
        if owner in erased or action.retracted:
            assert str(action_id) not in by_action
        else:
            weight = WEIGHTS["win"] if action.win else WEIGHTS["action"]
            row = by_action[str(action_id)]
            assert (row[2], row[3]) == (action.occurred_on, weight)
    assert rows[reviews.name]
    for review_id, _, _, *signals in rows[reviews.name]:
        review: Review = repository.get(UUID(review_id))
        assert signals == [review.signals[name] for name in SIGNAL_NAMES]
    reviewed = {row[0] for row in rows[reviews.name]}
    assert all(row[0] in reviewed for row in rows[outcomes.name])


test_the_metrics_in_one_batch_equal_them_one_event_per_batch = equivalence_test(
    lambda: [Metrics()],
    EXTRAS,
    _extra,
    last=_each_kind_once,
    check=_facts_agree_with_the_aggregates,
)


def test_the_metrics_send_a_few_statements_per_batch_not_per_event(
    app: MomentumApplication, clock: FixedClock, engine: Engine, statements: list[str]
) -> None:
    history = History(app, clock, "s")
    history.everything()
    for i in range(4):
        for kind in KINDS[1:]:
            _extra(history, kind, i)
            clock.advance(hours=3)
        clock.advance(days=3)
    history.do(c.EraseMember(history.m(4), PASSWORD))
    sent = statements_for_one_batch(app, engine, Metrics(), statements)
    # loads: one per table read; weeks: members, and a few reads per group of
    # members; writes: at most purges, deletes and one upsert per table
    assert sent <= 6 + 3 * len(Metrics.tables) + 12
    with engine.connect() as conn:
        assert conn.execute(select(action_weeks)).first() is not None
