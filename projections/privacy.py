"""Read models and privacy (SPEC 9): a member's rows for their export, and the purge
of an erased member from the tables whose own model does not purge them.

Export: `MEMBER_COLUMNS` names, per table, the columns that tie a row to a member;
tables tied through the member's goals, reviews or groups follow. Every read-model
table is classified here (a test checks it), so a new table cannot silently stay
out of exports. Rows that others wrote to the member and the member may see (feedback
on their items, notifications) are theirs to download; rows in other members'
inboxes that the member caused are not.

Purge: every model purges its own rows on Member.Erased (relations drops the member's
email, name and links; notifications drops answered mentor requests from `pending`, so
a rebuild after the mentor's key is shredded equals the incremental build).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Table, or_, select

from service.application import MomentumApplication
from service.privacy import event_json, jsonable, member_events

MEMBER_COLUMNS: dict[str, tuple[str, ...]] = {
    "audit_index": ("actor_id",),
    "rm_members": ("member_id",),
    "rm_mentor_links": ("mentee_id", "mentor_id"),
    "rm_group_members": ("member_id",),
    "rm_member_preferences": ("member_id",),
    "rm_goals_members": ("member_id",),
    "rm_goals": ("owner_id",),
    "rm_goals_actions": ("owner_id",),
    "rm_groups_facilitators": ("member_id",),
    "rm_groups_buddies": ("member_a", "member_b"),
    "rm_journal_members": ("member_id",),
    "rm_journal_items": ("owner_id",),
    "rm_journal_entries": ("member_id",),
    "rm_journal_feedback": ("author_id", "target_owner_id"),
    "rm_journal_cheers": ("author_id", "target_owner_id"),
    "rm_metrics_members": ("member_id",),
    "rm_metrics_away_periods": ("member_id",),
    "rm_metrics_goal_owners": ("owner_id",),
    "rm_metrics_actions": ("member_id",),
    "rm_metrics_action_weeks": ("member_id",),
    "rm_metrics_points": ("member_id",),
    "rm_metrics_reviews": ("member_id",),
    "rm_notifications_inbox": ("member_id",),
    "rm_notifications_pending": ("actor_id",),
    "rm_notifications_members": ("member_id",),
    "rm_notifications_mentorships": ("mentee_id", "mentor_id"),
    "rm_notifications_items": ("owner_id",),
    "rm_notifications_suggestions": ("mentor_id", "mentee_id"),
    "rm_notifications_facilitators": ("member_id",),
    "rm_notifications_buddies": ("member_id",),
    "rm_history_parties": ("member_id",),
    "rm_history_mentions": ("member_id",),
    "notify_outbox": ("member_id",),  # their emails; deleted on erasure (notify)
}
"""Tables whose rows name the member directly."""

THROUGH_GOALS = (
    "rm_goals_milestones",
    "rm_goals_progress",
    "rm_goals_milestone_steps",
    "rm_journal_milestones",
)
THROUGH_REVIEWS = ("rm_metrics_outcomes",)
THROUGH_GROUPS = ("rm_groups", "rm_notifications_groups")
WITHOUT_MEMBERS = (
    "projection_tracking",
    "momentum_sign_in_failures",
    "momentum_sign_in_known",
    "audit_chain",
    "audit_checkpoints",
    "audit_days",
)
"""Tables that hold nothing readable about any one member (failed sign-ins are kept
as HMACs of the email and address under the secret key, only for 15 minutes; known
addresses as HMACs of the email and address, for 30 days after a sign-in; the audit
chain and its checkpoints hold positions and hashes only, its days the first and
last position of each day — who acted is in `audit_index`, exported through
`actor_id`)."""


def classified() -> set[str]:
    """Every table this module knows how to export (or knows holds no member data)."""
    return (
        set(MEMBER_COLUMNS)
        | set(THROUGH_GOALS)
        | set(THROUGH_REVIEWS)
        | set(THROUGH_GROUPS)
        | set(WITHOUT_MEMBERS)
    )


def _tables() -> dict[str, Table]:
    from projections.migrate import target_metadata

    return dict(target_metadata().tables)


def _rows(conn: Connection, table: Table, *conditions: Any) -> list[dict[str, Any]]:
    query = select(table).where(or_(*conditions))
    order = list(table.primary_key.columns)
    rows = conn.execute(query.order_by(*order) if order else query)
    return [jsonable(dict(row._mapping)) for row in rows]


def member_rows(conn: Connection, member_id: UUID) -> dict[str, list[dict[str, Any]]]:
    """Every read-model row about the member, by table (see the module docstring)."""
    tables, me = _tables(), str(member_id)
    found: dict[str, list[dict[str, Any]]] = {}
    for name, columns in MEMBER_COLUMNS.items():
        if name in tables:
            table = tables[name]
            found[name] = _rows(conn, table, *(table.c[c] == me for c in columns))
    through = {
        "goal_id": (THROUGH_GOALS, [r["goal_id"] for r in found.get("rm_goals", [])]),
        "review_id": (
            THROUGH_REVIEWS,
            [r["review_id"] for r in found.get("rm_metrics_reviews", [])],
        ),
        "group_id": (
            THROUGH_GROUPS,
            [r["group_id"] for r in found.get("rm_group_members", [])],
        ),
    }
    for column, (names, ids) in through.items():
        for name in names:
            if name in tables:
                table = tables[name]
                found[name] = _rows(conn, table, table.c[column].in_(ids))
    return dict(sorted(found.items()))


def export_document(
    app: MomentumApplication, conn: Connection, member_id: UUID, now: datetime
) -> dict[str, Any]:
    """Everything about the member as one JSON document (GET /me/export)."""
    member = app.get_member(member_id)
    account = {
        k: v
        for k, v in vars(member).items()
        if not k.startswith("_") and k != "password_hash"
    }
    return {
        "format": "momentum-export/1",
        "member_id": str(member_id),
        "exported_at": now.isoformat(),
        "account": jsonable(account),
        "events": [event_json(e) for e in member_events(app, member_id)],
        "read_models": member_rows(conn, member_id),
    }
