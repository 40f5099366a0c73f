"""Goal milestone steps: the stepped progress chart of goals measured by milestones.

`rm_goals_milestone_steps` keeps, for each milestone addition, completion and
reopening, the goal's milestones done and total right after it. The old rows cannot
supply that history (a reopening left no trace), so the goal board's tables are
emptied and its position reset: the runner rebuilds it from the log on its next
catch-up.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import projections.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMPTIED = (
    "rm_goals_members",
    "rm_goals",
    "rm_goals_milestones",
    "rm_goals_progress",
    "rm_goals_actions",
)


def _rebuild_goal_board() -> None:
    for table in EMPTIED:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.execute(
        sa.text(
            "UPDATE projection_tracking SET position = 0, stopped_at = NULL,"
            " stopped_event = NULL, stopped_error = NULL, stopped_on = NULL"
            " WHERE name = 'goals'"
        )
    )


def upgrade() -> None:
    op.create_table(
        "rm_goals_milestone_steps",
        sa.Column("goal_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", projections.base.UTCDateTime(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("goal_id", "version"),
    )
    _rebuild_goal_board()


def downgrade() -> None:
    op.drop_table("rm_goals_milestone_steps")
