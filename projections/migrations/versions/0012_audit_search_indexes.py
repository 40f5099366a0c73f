"""Audit search (issue 17): indexes for its filters, each ending in the position
its keyset pages continue after. The actor's index takes the place of the plain
`actor_id` one.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_index", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_index_actor_id")
        batch_op.create_index(
            "ix_audit_index_actor_position", ["actor_id", "position"], unique=False
        )
        batch_op.create_index(
            "ix_audit_index_type_position",
            ["aggregate_type", "event_type", "position"],
            unique=False,
        )
        batch_op.create_index(
            "ix_audit_index_time_position", ["occurred_at", "position"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_index", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_index_time_position")
        batch_op.drop_index("ix_audit_index_type_position")
        batch_op.drop_index("ix_audit_index_actor_position")
        batch_op.create_index("ix_audit_index_actor_id", ["actor_id"], unique=False)
