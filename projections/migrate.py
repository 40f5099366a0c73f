"""Read-model schema migrations with Alembic (`projections/migrations/`).

`upgrade(engine)` brings the read-model tables to the newest revision; `momentum init`,
the runner's `setup` and `momentum serve` call it. To change a table: edit its module,
then `momentum-migrations revision "what changed"` (see docs/operations.md).
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData

HERE = Path(__file__).parent / "migrations"
SHARED_TABLE_MODULES = ("notify.outbox",)
"""Modules above projections whose tables these migrations create (not read models)."""


def target_metadata() -> MetaData:
    """The metadata with every read model's tables registered, and the tables that
    share their migrations from the layer above (the notification outbox: imported
    by name, as projections never depends on notify)."""
    from projections import (  # noqa: F401  (imports every module with tables)
        registry,
        sign_in_failures,
    )
    from projections.db import metadata

    for module in SHARED_TABLE_MODULES:
        importlib.import_module(module)

    return metadata


def _config(connection: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = connection
    return config


@functools.cache
def head() -> str | None:
    """The newest revision in `projections/migrations/versions`."""
    return ScriptDirectory.from_config(_config(None)).get_current_head()


def current(engine: Engine) -> str | None:
    """The revision the database of `engine` is at (None if never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the read-model tables of `engine` to `revision` (one query when the
    database is there already: every process start, every test)."""
    if revision == "head" and current(engine) == head():
        return
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)


def revision(engine: Engine, message: str) -> None:
    """Write a new revision for the difference between the tables and the models."""
    with engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)


def differences(engine: Engine) -> list[object]:
    """What the database schema lacks or has beyond the models (empty when in step)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, target_metadata()))
