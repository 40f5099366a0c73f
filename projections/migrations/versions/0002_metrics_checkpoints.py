"""Metrics: a checkpoint per member and week (raw score at the week's end, streaks
ending with it, last action day), so that reading momentum is cheap.

The checkpoints are computed from the facts, which the stored rows do not all keep
(the timed points before them would be needed from the first one), so the metrics
read model is emptied and its position reset: the runner rebuilds it from the log
on its next catch-up.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
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
COLUMNS = (
    ("raw_end", sa.Float(), "0"),
    ("run", sa.Integer(), "0"),
    ("review_run", sa.Integer(), "0"),
)


def upgrade() -> None:
    for table in TABLES:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.execute(
        sa.text("UPDATE projection_tracking SET position = 0 WHERE name = 'metrics'")
    )
    with op.batch_alter_table("rm_metrics_action_weeks", schema=None) as batch_op:
        for name, kind, default in COLUMNS:
            batch_op.add_column(
                sa.Column(name, kind, nullable=False, server_default=default)
            )
        batch_op.add_column(sa.Column("last_day", sa.Date(), nullable=True))
    with op.batch_alter_table("rm_metrics_action_weeks", schema=None) as batch_op:
        for name, kind, _ in COLUMNS:
            batch_op.alter_column(name, existing_type=kind, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("rm_metrics_action_weeks", schema=None) as batch_op:
        batch_op.drop_column("last_day")
        for name, _, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
