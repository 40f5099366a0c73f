"""Indexes only readers use (`projections.db.readers_index`): a replay from zero
builds them once at the end, so no handler may look rows up by them — it would
scan the table for every batch of a rebuild."""

from __future__ import annotations

import re

from sqlalchemy import Engine, event

from projections.db import readers_only
from projections.registry import all_models
from projections.runner import ProjectionRunner
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.conftest import PASSWORD
from tests.histories import History


def _indexes_the_handlers_use(app: MomentumApplication, engine: Engine) -> set[str]:
    """Every index SQLite would use for a statement the handlers send while the
    read models apply the log (`EXPLAIN QUERY PLAN` of each, with its values)."""
    sent: dict[str, object] = {}

    def capture(
        _c: object, _cur: object, statement: str, params: object, *_: object
    ) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
            sent.setdefault(statement, params)

    runner = ProjectionRunner(app, engine, all_models(), batch_size=50)
    runner.setup()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        runner.catch_up()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert runner.stopped() == []
    used: set[str] = set()
    with engine.connect() as conn:
        for statement, params in sent.items():
            if (
                isinstance(params, list | tuple)
                and params
                and isinstance(params[0], list | tuple | dict)
            ):
                continue  # an executemany
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
            for row in plan:
                used.update(re.findall(r"USING (?:COVERING )?INDEX (\w+)", row[-1]))
    return used


def test_no_handler_looks_rows_up_by_an_index_built_only_after_a_replay(
    app: MomentumApplication, engine: Engine, clock: FixedClock
) -> None:
    history = History(app, clock, "ix")
    history.everything()
    history.goal(1, "private")
    history.action(1, len(history.goals) - 1, None)
    history.revise_goal(len(history.goals) - 1, "group")  # its actions follow it
    app.handle(c.EraseMember(history.m(0), PASSWORD))
    used = _indexes_the_handlers_use(app, engine)
    later = {str(ix.name) for m in all_models() for ix in readers_only(m.tables)}
    assert {"ix_rm_journal_entries_item_id", "ix_rm_journal_items_goal_id"} <= used
    assert {"ix_audit_index_aggregate_id", "ix_rm_goals_actions_goal"} <= later
    assert used & later == set()
