"""Revision 0010 adds the milestone steps of each goal (the stepped progress chart):
it empties the goal board and resets its position, so the runner rebuilds it from
the log, steps included."""

from __future__ import annotations

from sqlalchemy import inspect, text

from projections import migrate
from projections.db import make_engine
from projections.goals import GoalBoard
from projections.goals_queries import progress_series
from projections.runner import ProjectionRunner
from service import commands as c
from service.application import MomentumApplication
from tests.conftest import registrar


def test_upgrading_from_0009_rebuilds_the_goal_board_with_milestone_steps(
    app: MomentumApplication,
) -> None:
    engine = make_engine("memory://")
    migrate.upgrade(engine, "0009")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO projection_tracking (name, position)"
                " VALUES ('goals', 9), ('journal', 9)"
            )
        )
    migrate.upgrade(engine, "0010")
    assert "rm_goals_milestone_steps" in inspect(engine).get_table_names()
    with engine.connect() as conn:
        tracked = text("SELECT name, position FROM projection_tracking")
        positions = dict(conn.execute(tracked).all())
    assert positions == {"goals": 0, "journal": 9}
    migrate.upgrade(engine)
    assert migrate.differences(engine) == []
    ann = registrar(app)("Ann")
    goal = app.handle(
        c.SetGoal(
            ann,
            "Give a talk at a meetup",
            "short",
            "To be seen",
            app.clock.now().date().replace(month=6),
            milestones=(c.NewMilestone("Pick a topic"),),
        )
    ).id
    runner = ProjectionRunner(app, engine, [GoalBoard()])
    runner.setup()
    runner.catch_up()
    with engine.connect() as conn:
        series = progress_series(conn, str(ann), str(goal))
    assert series is not None and series.measure == "milestones"
    assert [value for _, value in series.points] == [0.0]
