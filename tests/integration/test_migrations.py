"""Read-model tables come from Alembic migrations that match the models exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import inspect, select

from projections import migrate
from projections.audit import audit_days, audit_index
from projections.db import make_engine, metadata


def test_migrations_create_exactly_the_tables_the_models_declare(
    empty_backend: str,
) -> None:
    engine = make_engine(empty_backend)
    migrate.upgrade(engine)
    assert migrate.differences(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    migrate.upgrade(engine)  # a second run changes nothing
    assert migrate.differences(engine) == []
    engine.dispose()


def test_an_empty_database_differs_from_the_models(empty_backend: str) -> None:
    engine = make_engine(empty_backend)
    assert migrate.differences(engine), "the check can fail"
    engine.dispose()


def test_0014_fills_each_days_positions_from_the_audit_index(
    empty_backend: str,
) -> None:
    """Stores made before `audit_days` get it filled from their audit index (a
    search by time trusts it to bound every day's events), times out of order too."""
    engine = make_engine(empty_backend)
    migrate.upgrade(engine, "0013")
    times = {  # position: time (position 4 was written by a clock behind)
        1: datetime(2026, 3, 1, 23, 59, tzinfo=UTC),
        2: datetime(2026, 3, 2, 0, 0, tzinfo=UTC),
        3: datetime(2026, 3, 2, 18, 30, tzinfo=UTC),
        4: datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        5: datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
    }
    with engine.begin() as conn:
        conn.execute(
            audit_index.insert(),
            [
                {
                    "position": position,
                    "aggregate_id": "a",
                    "aggregate_type": "Goal",
                    "event_type": "Set",
                    "actor_id": None,
                    "occurred_at": at,
                    "chain_hash": "h",
                }
                for position, at in times.items()
            ],
        )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        days = {row.day: tuple(row[1:]) for row in conn.execute(select(audit_days))}
    assert days == {
        date(2026, 3, 1): (1, 4),
        date(2026, 3, 2): (2, 3),
        date(2026, 3, 4): (5, 5),
    }
    assert migrate.differences(engine) == []
    engine.dispose()
