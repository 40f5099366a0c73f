"""Metrics: an action counts from the moment it was logged or local noon of its day,
whichever is earlier (docs/metrics.md, "When an action counts").

Each stored action keeps when it was logged and its lead (the seconds its decay
starts before its day's noon), and each day's weight is the actions' noon-equivalent
weight. The logging instants are only in the log, so the metrics read model is
emptied and its position reset: the runner rebuilds it from the log on its next
catch-up (as 0002 and 0009 did).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import projections.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "rm_metrics_outcomes",
    "rm_metrics_reviews",
    "rm_metrics_points",
    "rm_metrics_action_weeks",
    "rm_metrics_actions",
    "rm_metrics_goal_owners",
    "rm_metrics_away_periods",
    "rm_metrics_members",
)
# Added NOT NULL with a server default (SQLite adds no NOT NULL column without
# one), which is then dropped: the table is empty, the model sets both.
COLUMNS = (
    ("lead", sa.Float(), "0"),
    ("logged_at", projections.base.UTCDateTime(), "1970-01-01 00:00:00"),
)


def _rebuild_metrics() -> None:
    for table in TABLES:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.execute(
        sa.text(
            "UPDATE projection_tracking SET position = 0, stopped_at = NULL,"
            " stopped_event = NULL, stopped_error = NULL, stopped_on = NULL"
            " WHERE name = 'metrics'"
        )
    )


def upgrade() -> None:
    _rebuild_metrics()
    with op.batch_alter_table("rm_metrics_actions", schema=None) as batch_op:
        for name, kind, default in COLUMNS:
            batch_op.add_column(
                sa.Column(name, kind, nullable=False, server_default=default)
            )
    with op.batch_alter_table("rm_metrics_actions", schema=None) as batch_op:
        for name, kind, _ in COLUMNS:
            batch_op.alter_column(name, existing_type=kind, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("rm_metrics_actions", schema=None) as batch_op:
        for name, _, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
