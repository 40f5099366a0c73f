"""Read-model tables come from Alembic migrations that match the models exactly."""

from __future__ import annotations

from sqlalchemy import inspect

from projections import migrate
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
