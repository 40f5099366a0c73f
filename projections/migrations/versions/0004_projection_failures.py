"""A read model that cannot apply an event stops alone: where, on what and why.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import projections.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("projection_tracking") as table:
        table.add_column(sa.Column("stopped_at", sa.BigInteger(), nullable=True))
        table.add_column(sa.Column("stopped_event", sa.String(200), nullable=True))
        table.add_column(sa.Column("stopped_error", sa.Text(), nullable=True))
        table.add_column(
            sa.Column("stopped_on", projections.base.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("projection_tracking") as table:
        for column in ("stopped_on", "stopped_error", "stopped_event", "stopped_at"):
            table.drop_column(column)
