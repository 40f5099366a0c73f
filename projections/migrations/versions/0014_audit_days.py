"""Audit search by time: each UTC day's lowest and highest log positions
(`audit_days`), filled from the audit index, so a time range's page walks the
primary key between two bounds instead of sorting the range.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_days",
        sa.Column("day", sa.Date(), autoincrement=False, nullable=False),
        sa.Column("first_position", sa.BigInteger(), nullable=False),
        sa.Column("last_position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    if op.get_bind().dialect.name == "postgresql":
        day = "(occurred_at AT TIME ZONE 'UTC')::date"
    else:  # stored in UTC
        day = "date(occurred_at)"
    op.execute(
        f"INSERT INTO audit_days (day, first_position, last_position) "
        f"SELECT {day}, min(position), max(position) FROM audit_index GROUP BY {day}"
    )


def downgrade() -> None:
    op.drop_table("audit_days")
