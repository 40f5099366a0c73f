"""What the batch-at-a-time models' tests share: build a read model one event per
batch, then in one batch (a blue/green rebuild), and compare every row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select

from projections.runner import ProjectionRunner, ReadModel
from service.application import MomentumApplication

Dump = dict[str, list[tuple[Any, ...]]]


def dump(engine: Engine, model: ReadModel) -> Dump:
    """Every row of the model's tables, sorted."""
    with engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(row) for row in conn.execute(select(table))), key=repr
            )
            for table in model.tables
        }


def one_by_one_then_in_one_batch(
    app: MomentumApplication, engine: Engine, models: Sequence[ReadModel]
) -> tuple[Dump, Dump]:
    """The last of `models` (after those it needs) built one event per batch, then
    rebuilt in one batch of up to 2,000 events: both dumps. Neither may stop."""
    runner = ProjectionRunner(app, engine, models, batch_size=1)
    runner.setup()
    runner.catch_up()
    assert runner.stopped() == []
    model = models[-1]
    one_by_one = dump(engine, model)
    runner.batch_size = 2000
    runner.rebuild([model.name])
    assert runner.stopped() == []
    return one_by_one, dump(engine, model)
