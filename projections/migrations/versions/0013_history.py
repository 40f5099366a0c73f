"""My history (issue 17): who an event concerns besides whoever caused it.

`rm_history_parties` (the members party to a piece of feedback, a cheer, a
suggestion or a mentorship, and the item it is about) and `rm_history_mentions`
(group events naming a member). The `history` read model is new: the runner adds
its tracking row at position 0 and it catches up from the log on its own.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rm_history_parties",
        sa.Column("aggregate_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("aggregate_id", "member_id"),
    )
    op.create_index(
        "ix_rm_history_parties_member",
        "rm_history_parties",
        ["member_id", "item_id"],
        unique=False,
    )
    op.create_table(
        "rm_history_mentions",
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("member_id", "position"),
    )


def downgrade() -> None:
    op.drop_table("rm_history_mentions")
    op.drop_index("ix_rm_history_parties_member", table_name="rm_history_parties")
    op.drop_table("rm_history_parties")
