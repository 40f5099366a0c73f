"""Revision 0009 adds when each member joined (the grace week) and recounts streaks
against pro-rated targets: it empties the metrics read model and resets its
position, so the runner rebuilds it from the log, `joined_at` included."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import inspect, text

from projections import migrate
from projections.db import make_engine
from projections.metrics import Metrics
from projections.metrics_queries import member_metrics
from projections.runner import ProjectionRunner
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.conftest import registrar


def test_upgrading_from_0008_resets_metrics_and_rebuilds_joined_at(
    app: MomentumApplication, clock: FixedClock
) -> None:
    engine = make_engine("memory://")
    migrate.upgrade(engine, "0008")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO rm_metrics_members VALUES ('m', 'UTC', 3)"))
        conn.execute(
            text(
                "INSERT INTO projection_tracking (name, position)"
                " VALUES ('metrics', 9), ('journal', 9)"
            )
        )
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()  # 0009 and any later
    assert migrate.differences(engine) == []
    columns = inspect(engine).get_columns("rm_metrics_members")
    assert "joined_at" in {c["name"] for c in columns}
    with engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM rm_metrics_members")).scalar()
        tracked = text("SELECT name, position FROM projection_tracking")
        positions = dict(conn.execute(tracked).all())
    assert left == 0
    assert positions == {"metrics": 0, "journal": 9}
    ann = registrar(app)("Ann")
    runner = ProjectionRunner(app, engine, [Metrics()])
    runner.setup()
    runner.catch_up()
    with engine.connect() as conn:
        now = member_metrics(conn, str(ann), clock.now())
        later = member_metrics(conn, str(ann), clock.now() + timedelta(days=7))
    assert now is not None and now.new and now.rut_level == "new"
    assert later is not None and not later.new and later.rut_level == "high"
