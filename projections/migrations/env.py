"""Alembic environment for the read models (run through `projections.migrate`)."""

from __future__ import annotations

from alembic import context

from projections.migrate import target_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copes
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
