"""Revision 0011 makes an action count from when it was logged or its day's noon,
whichever is earlier: each stored action keeps when it was logged and its lead, so
it empties the metrics read model and resets its position (the logging instants
are only in the log), and the runner rebuilds it from the log, leads included."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import inspect, select, text

from projections import migrate
from projections.db import make_engine
from projections.formulas import noon_equivalent
from projections.metrics import Metrics
from projections.metrics_queries import member_metrics
from projections.metrics_tables import action_weeks, actions
from projections.runner import ProjectionRunner
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.conftest import registrar


def test_upgrading_from_0010_rebuilds_metrics_with_the_leads_of_actions(
    app: MomentumApplication, clock: FixedClock
) -> None:
    engine = make_engine("memory://")
    migrate.upgrade(engine, "0010")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO rm_metrics_members VALUES ('m', 'UTC', 3, NULL)")
        )
        conn.execute(
            text("INSERT INTO rm_metrics_actions VALUES ('a', 'm', '2026-03-02', 1.0)")
        )
        conn.execute(
            text(
                "INSERT INTO projection_tracking (name, position, stopped_at)"
                " VALUES ('metrics', 9, 7), ('journal', 9, NULL)"
            )
        )
    migrate.upgrade(engine, "0011")
    columns = {c["name"] for c in inspect(engine).get_columns("rm_metrics_actions")}
    assert {"lead", "logged_at"} <= columns
    with engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM rm_metrics_actions")).scalar()
        members = conn.execute(text("SELECT count(*) FROM rm_metrics_members")).scalar()
        tracked = text("SELECT name, position, stopped_at FROM projection_tracking")
        positions = {
            name: (pos, stopped) for name, pos, stopped in conn.execute(tracked)
        }
    assert left == members == 0
    assert positions == {"metrics": (0, None), "journal": (9, None)}
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()  # 0011 and any later
    assert migrate.differences(engine) == []
    # the runner fills it again from the log: one action logged at 09:00 UTC for
    # today, 3 hours before its noon
    ann = registrar(app)("Ann")
    app.handle(c.LogAction(ann, "learning", "Read", date(2026, 3, 2)))
    runner = ProjectionRunner(app, engine, [Metrics()])
    runner.setup()
    runner.catch_up()
    with engine.connect() as conn:
        stored = conn.execute(select(actions.c.lead, actions.c.logged_at)).one()
        day = conn.execute(select(action_weeks.c.w0, action_weeks.c.n0)).one()
        now = member_metrics(conn, str(ann), clock.now())
    assert tuple(stored) == (3 * 3600, datetime(2026, 3, 2, 9, tzinfo=UTC))
    assert tuple(day) == (noon_equivalent(1.0, 3 * 3600), 1)
    assert now is not None and now.momentum == 12  # in full at once: 100 · ln 2 / 6
