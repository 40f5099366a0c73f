"""Metrics: when each member joined (their first grace week, docs/metrics.md) and
streaks against each week's target pro-rated by its days not away.

The joining instant is only in the log, and the stored streaks (`run`) were counted
against the full target, so the metrics read model is emptied and its position
reset: the runner rebuilds it from the log on its next catch-up (as 0002 did).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import projections.base

revision: str = "0009"
down_revision: str | None = "0008"
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


def upgrade() -> None:
    for table in TABLES:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.execute(
        sa.text("UPDATE projection_tracking SET position = 0 WHERE name = 'metrics'")
    )
    with op.batch_alter_table("rm_metrics_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("joined_at", projections.base.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("rm_metrics_members", schema=None) as batch_op:
        batch_op.drop_column("joined_at")
