"""Known client addresses per account (a successful sign-in from there), so the
per-account sign-in delay spares the owner's usual address (web.throttle).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import projections.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "momentum_sign_in_known",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("signed_in_at", projections.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_sign_in_known_key",
        "momentum_sign_in_known",
        ["key", "signed_in_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_sign_in_known_key", table_name="momentum_sign_in_known")
    op.drop_table("momentum_sign_in_known")
