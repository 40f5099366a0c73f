"""Reminders (SPEC 8): what the planner needs that the read models did not keep.

- `rm_member_preferences` gains the mentor and group digest frequencies, the weekly
  review day and the chosen reminders (before, one `digest` setting served all
  three digests: the event's upcaster reads an old choice as the same choice);
- `rm_notifications_mentorships` gains when a request was made (`asked_at`),
  `rm_notifications_suggestions` when a suggestion was made and whether it is still
  open, and milestones join the titled items (for the reminder texts);
- `notify_outbox.period` is widened to 120 characters: a reminder's period is the
  thing it is about (`milestone:<id>:2026-12-07`).

The old rows cannot supply the new columns (the choices are only in the log), so the
relations and notifications read models are emptied and their positions reset: the
runner rebuilds both from the log on its next catch-up (the scheduler plans nothing
until the read models have caught up).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import projections.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMPTIED = {
    "relations": (
        "rm_members",
        "rm_mentor_links",
        "rm_group_members",
        "rm_member_preferences",
    ),
    "notifications": (
        "rm_notifications_inbox",
        "rm_notifications_pending",
        "rm_notifications_members",
        "rm_notifications_mentorships",
        "rm_notifications_items",
        "rm_notifications_suggestions",
        "rm_notifications_groups",
        "rm_notifications_facilitators",
        "rm_notifications_buddies",
    ),
}
PREFERENCES = (
    ("mentor_digest", sa.String(length=8), "weekly"),
    ("group_digest", sa.String(length=8), "weekly"),
    ("review_weekday", sa.Integer(), "4"),
    ("reminders", sa.String(length=200), ""),
)


def upgrade() -> None:
    for model, tables in EMPTIED.items():
        for table in tables:
            op.execute(sa.text(f"DELETE FROM {table}"))
        op.execute(
            sa.text(
                "UPDATE projection_tracking SET position = 0, stopped_at = NULL,"
                " stopped_event = NULL, stopped_error = NULL, stopped_on = NULL"
                " WHERE name = :name"
            ).bindparams(name=model)
        )
    with op.batch_alter_table("rm_member_preferences", schema=None) as batch_op:
        for name, kind, default in PREFERENCES:
            batch_op.add_column(
                sa.Column(name, kind, nullable=False, server_default=default)
            )
    with op.batch_alter_table("rm_member_preferences", schema=None) as batch_op:
        for name, kind, _ in PREFERENCES:
            batch_op.alter_column(name, existing_type=kind, server_default=None)
    with op.batch_alter_table("rm_notifications_mentorships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("asked_at", projections.base.UTCDateTime(), nullable=True)
        )
    with op.batch_alter_table("rm_notifications_suggestions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("made_at", projections.base.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=True))
    with op.batch_alter_table("notify_outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "period",
            existing_type=sa.String(length=40),
            type_=sa.String(length=120),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("notify_outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "period",
            existing_type=sa.String(length=120),
            type_=sa.String(length=40),
            existing_nullable=False,
        )
    with op.batch_alter_table("rm_notifications_suggestions", schema=None) as batch_op:
        batch_op.drop_column("status")
        batch_op.drop_column("made_at")
    with op.batch_alter_table("rm_notifications_mentorships", schema=None) as batch_op:
        batch_op.drop_column("asked_at")
    with op.batch_alter_table("rm_member_preferences", schema=None) as batch_op:
        for name, _, _ in reversed(PREFERENCES):
            batch_op.drop_column(name)
