"""Revision 0002 adds the checkpoints: it empties the metrics read model and resets
its position, so the runner rebuilds it (the checkpoints need every fact)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import inspect, text

from projections import migrate
from projections.db import make_engine
from projections.metrics import Metrics
from projections.metrics_queries import member_metrics
from projections.runner import ProjectionRunner
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.conftest import registrar

OLD_WEEK = "('m', '2026-03-02', 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0)"


def test_upgrading_a_filled_read_model_resets_metrics_for_a_rebuild(
    app: MomentumApplication, clock: FixedClock
) -> None:
    engine = make_engine("memory://")
    migrate.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO rm_metrics_action_weeks VALUES {OLD_WEEK}"))
        conn.execute(text("INSERT INTO rm_metrics_members VALUES ('m', 'UTC', 3)"))
        conn.execute(
            text(
                "INSERT INTO projection_tracking VALUES ('metrics', 9), ('journal', 9)"
            )
        )
    migrate.upgrade(engine)
    assert migrate.differences(engine) == []
    weeks = inspect(engine).get_columns("rm_metrics_action_weeks")
    assert {"raw_end", "run", "review_run", "last_day"} <= {c["name"] for c in weeks}
    with engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM rm_metrics_members")).scalar()
        tracked = text("SELECT name, position FROM projection_tracking")
        positions = dict(conn.execute(tracked).all())
    assert left == 0
    assert positions == {"metrics": 0, "journal": 9}
    # the runner fills it again from the log, checkpoints included
    ann = registrar(app)("Ann")
    app.handle(c.LogAction(ann, "learning", "Read", date(2026, 3, 2)))
    runner = ProjectionRunner(app, engine, [Metrics()])
    runner.setup()
    runner.catch_up()
    with engine.connect() as conn:
        found = member_metrics(conn, str(ann), clock.now().replace(hour=13))
    assert found is not None
    # logged at 09:00, 4 hours before now: 100 · ln 2 / 6 · 0.5^(4/336) ≈ 11.5
    assert found.momentum == 11
