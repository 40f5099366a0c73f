"""Tables of the metrics read model (SPEC 4, 5), and nothing else.

The facts the metrics are computed from — each member's timezone, weekly target and
registration, away periods, the owners of goals (a copy, for milestone and goal
points), actions by their local day, timed points (reviews, completed milestones,
achieved goals), review signals and commitment outcomes — and `action_weeks`: per
member and ISO week that holds a point, its actions per weekday and its checkpoint
(`projections.metrics_checkpoints`).

Written only by the projection (`projections.metrics`); read by it and by the
queries (`projections.metrics_queries`).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, Index, Integer, String, Table

from projections.base import UTCDateTime
from projections.db import metadata
from projections.formulas import SIGNALS

members = Table(
    "rm_metrics_members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("timezone", String(64), nullable=False),
    Column("weekly_target", Integer, nullable=False),
    Column("joined_at", UTCDateTime(), nullable=True),  # when they registered
)

away_periods = Table(
    "rm_metrics_away_periods",
    metadata,
    Column("period_id", String(36), primary_key=True),
    Column("member_id", String(36), nullable=False, index=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
)

goal_owners = Table(
    "rm_metrics_goal_owners",
    metadata,
    Column("goal_id", String(36), primary_key=True),
    Column("owner_id", String(36), nullable=False, index=True),
)

# Each action, to know what an edit or retraction takes away from its week: its
# day, its weight (1 or 1.5), when it was logged (the event's instant) and its lead,
# the seconds by which its decay starts before its day's noon (`formulas.noon_lead`,
# fixed when logged or moved to another day). Its week counts
# `noon_equivalent(weight, lead)`.
actions = Table(
    "rm_metrics_actions",
    metadata,
    Column("action_id", String(36), primary_key=True),
    Column("member_id", String(36), nullable=False),
    Column("day", Date, nullable=False),
    Column("weight", Float, nullable=False),
    Column("lead", Float, nullable=False, default=0.0),
    Column("logged_at", UTCDateTime(), nullable=False),
    Index("ix_rm_metrics_actions_member_day", "member_id", "day"),
)

# Per member and ISO week (its Monday) that holds a point: the summed noon-equivalent
# weight `w<n>` and number `n<n>` of the actions on weekday n (0 Monday … 6 Sunday),
# then the checkpoint (see `projections.metrics_checkpoints`). Each day's weight
# decays from local noon of the day: an action logged that morning weighs less by its
# lead, so that it decays as from its logging (`formulas.noon_equivalent`,
# docs/metrics.md).
action_weeks = Table(
    "rm_metrics_action_weeks",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("week", Date, primary_key=True),
    *(Column(f"w{n}", Float, nullable=False, default=0.0) for n in range(7)),
    *(Column(f"n{n}", Integer, nullable=False, default=0) for n in range(7)),
    Column("raw_end", Float, nullable=False, default=0.0),
    Column("run", Integer, nullable=False, default=0),
    Column("review_run", Integer, nullable=False, default=0),
    Column("last_day", Date, nullable=True),
)

# Reviews, completed milestones and achieved goals count at their instant.
points = Table(
    "rm_metrics_points",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("member_id", String(36), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("weight", Float, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_rm_metrics_points_member_at", "member_id", "at"),
)

reviews = Table(
    "rm_metrics_reviews",
    metadata,
    Column("review_id", String(36), primary_key=True),
    Column("member_id", String(36), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    *(Column(name, Integer, nullable=False) for name in SIGNALS),
    Index("ix_rm_metrics_reviews_member_at", "member_id", "at"),
)

# A commitment's outcome belongs to the review whose commitment it was.
outcomes = Table(
    "rm_metrics_outcomes",
    metadata,
    Column("review_id", String(36), primary_key=True),
    Column("commitment_id", String(36), primary_key=True),
    Column("kept", Boolean, nullable=False),
    Column("marked_at", UTCDateTime(), nullable=False),
)
