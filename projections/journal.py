"""Journal: one entry per meaningful event per member, with the item's visibility.

Entries hold what happened (kind, day, title, summary); `rm_journal_items` holds each
goal, action and review with its owner and effective visibility (SPEC 9), so a change
of visibility is one update however many entries the item has. Feedback and cheers are
kept as rows and counted at read time. Queries are in `journal_queries`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    Index,
    String,
    Table,
    Text,
    case,
    delete,
    select,
    update,
)

from projections.base import Projection, UTCDateTime, on
from projections.db import metadata
from service.clock import local_date
from service.domain.visibility import action_visibility, kept_under

SUMMARY_LENGTH = 200

members = Table(
    "rm_journal_members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("timezone", String(64), nullable=False),
)

items = Table(
    "rm_journal_items",
    metadata,
    Column("item_id", String(36), primary_key=True),
    Column("item_kind", String(16), nullable=False),
    Column("owner_id", String(36), nullable=False, index=True),
    # A goal's own id for goals, the linked goal for actions, NULL otherwise.
    Column("goal_id", String(36), nullable=True, index=True),
    Column("own_visibility", String(16), nullable=True),
    Column("visibility", String(16), nullable=False),
    Column("title", String(150), nullable=False),
    Column("unit", String(30), nullable=True),
)

milestones = Table(
    "rm_journal_milestones",
    metadata,
    Column("milestone_id", String(36), primary_key=True),
    Column("goal_id", String(36), nullable=False, index=True),
    Column("title", String(150), nullable=False),
)

entries = Table(
    "rm_journal_entries",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("member_id", String(36), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("item_kind", String(16), nullable=False),
    Column("item_id", String(36), nullable=False, index=True),
    Column("goal_id", String(36), nullable=True),
    Column("day", Date, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("title", String(150), nullable=False),
    Column("summary", Text, nullable=False),
    Column("category", String(16), nullable=True),
    Column("win", Boolean, nullable=False, default=False),
    Index("ix_rm_journal_entries_member_page", "member_id", "day", "position"),
    Index("ix_rm_journal_entries_goal_page", "goal_id", "day", "position"),
)

feedback = Table(
    "rm_journal_feedback",
    metadata,
    Column("feedback_id", String(36), primary_key=True),
    Column("author_id", String(36), nullable=False, index=True),
    Column("target_kind", String(16), nullable=False),
    Column("target_id", String(36), nullable=False, index=True),
    Column("target_owner_id", String(36), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
)

cheers = Table(
    "rm_journal_cheers",
    metadata,
    Column("cheer_id", String(36), primary_key=True),
    Column("author_id", String(36), nullable=False, index=True),
    Column("target_kind", String(16), nullable=False),
    Column("target_id", String(36), nullable=False, index=True),
    Column("target_owner_id", String(36), nullable=False, index=True),
)


def summarise(text: str | None) -> str:
    """Plain one-line text, cut to SUMMARY_LENGTH characters with an ellipsis."""
    flat = " ".join((text or "").split())
    if len(flat) <= SUMMARY_LENGTH:
        return flat
    return flat[: SUMMARY_LENGTH - 1].rstrip() + "…"


def _amount(value: float, unit: str | None) -> str:
    number = str(int(value)) if float(value).is_integer() else f"{value:.10g}"
    return f"{number} {unit or ''}".strip()


GOAL_STATUS_KINDS = {
    "Goal.GoalPaused": ("goal_paused", "reason"),
    "Goal.GoalResumed": ("goal_resumed", None),
    "Goal.GoalAchieved": ("goal_achieved", "reflection"),
    "Goal.GoalAbandoned": ("goal_abandoned", "reason"),
}


def _add_item(
    conn: Connection, e: Any, kind: str, owner: str, vis: str, **values: Any
) -> None:
    """The event's aggregate as an item with its owner and effective visibility."""
    conn.execute(
        items.insert(),
        dict(
            item_id=str(e.originator_id),
            item_kind=kind,
            owner_id=owner,
            visibility=vis,
            **values,
        ),
    )


def _add_entry(
    conn: Connection, e: Any, pos: int, kind: str, owner: str, text: str, **values: Any
) -> None:
    """An entry about the event's aggregate; `text` is shortened into the summary."""
    values.setdefault("category", None)
    values.setdefault("win", False)
    conn.execute(
        entries.insert(),
        dict(
            position=pos,
            member_id=owner,
            kind=kind,
            item_kind=kind if kind in ("action", "review") else "goal",
            item_id=str(e.originator_id),
            at=e.timestamp,
            summary=summarise(text),
            **values,
        ),
    )


def _goal_visibility(conn: Connection, goal_id: str | None) -> str | None:
    """The visibility of a linked goal (None without a goal or if it is not found)."""
    if goal_id is None:
        return None
    found: str | None = conn.execute(
        select(items.c.visibility).where(items.c.item_id == goal_id)
    ).scalar()
    return found


def _target(e: Any) -> dict[str, str]:
    return {
        "author_id": str(e.author_id),
        "target_kind": e.target_kind,
        "target_id": str(e.target_id),
        "target_owner_id": str(e.target_owner_id),
    }


class Journal(Projection):
    """Keeps the journal entries, item visibilities, feedback and cheers."""

    name = "journal"
    tables = (members, items, milestones, entries, feedback, cheers)

    # Members: timezone for the entries' days; erasure purges everything of theirs.

    @on("Member.Registered")
    def _member_registered(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            members.insert(), dict(member_id=str(e.originator_id), timezone=e.timezone)
        )

    @on("Member.ProfileUpdated")
    def _member_profile_updated(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            update(members)
            .where(members.c.member_id == str(e.originator_id))
            .values(timezone=e.timezone)
        )

    @on("Member.Erased")
    def _member_erased(self, conn: Connection, e: Any, _pos: int) -> None:
        member_id = str(e.originator_id)
        own_goals = select(items.c.item_id).where(
            items.c.owner_id == member_id, items.c.item_kind == "goal"
        )
        conn.execute(delete(milestones).where(milestones.c.goal_id.in_(own_goals)))
        conn.execute(delete(entries).where(entries.c.member_id == member_id))
        conn.execute(delete(items).where(items.c.owner_id == member_id))
        for table in (feedback, cheers):
            conn.execute(
                delete(table).where(
                    (table.c.author_id == member_id)
                    | (table.c.target_owner_id == member_id)
                )
            )
        conn.execute(delete(members).where(members.c.member_id == member_id))

    # Goals.

    @on("Goal.GoalSet")
    def _goal_set(self, conn: Connection, e: Any, pos: int) -> None:
        goal_id = str(e.originator_id)
        _add_item(
            conn,
            e,
            "goal",
            str(e.owner_id),
            e.visibility,
            goal_id=goal_id,
            title=e.title,
            unit=e.metric["unit"] if e.metric else None,
        )
        self._goal_entry(conn, e, pos, "goal_set", summary=e.why)

    @on("Goal.GoalRevised")
    def _goal_revised(self, conn: Connection, e: Any, pos: int) -> None:
        changes: dict[str, Any] = e.changes
        goal_id = str(e.originator_id)
        values: dict[str, Any] = {}
        if "title" in changes:
            values["title"] = changes["title"]
        if "metric" in changes:
            values["unit"] = changes["metric"]["unit"] if changes["metric"] else None
        if values:
            conn.execute(
                update(items).where(items.c.item_id == goal_id).values(**values)
            )
        if "visibility" in changes:
            self._goal_visibility_changed(conn, goal_id, changes["visibility"])
        self._goal_entry(conn, e, pos, "goal_revised", summary=e.reason)

    @staticmethod
    def _goal_visibility_changed(
        conn: Connection, goal_id: str, visibility: str
    ) -> None:
        """The goal and every action linked to it take the new visibility, except
        actions set narrower (SPEC 9: `action_visibility`, for all of them at once)."""
        narrower = kept_under(visibility)
        conn.execute(
            update(items)
            .where(items.c.goal_id == goal_id)
            .values(
                visibility=case(
                    (items.c.own_visibility.in_(narrower), items.c.own_visibility),
                    else_=visibility,
                )
            )
        )

    @on("Goal.MilestoneAdded")
    def _milestone_added(self, conn: Connection, e: Any, pos: int) -> None:
        conn.execute(
            milestones.insert(),
            dict(
                milestone_id=str(e.milestone_id),
                goal_id=str(e.originator_id),
                title=e.title,
            ),
        )
        due = f"Due {e.due_on.isoformat()}" if e.due_on else ""
        self._goal_entry(conn, e, pos, "milestone_added", title=e.title, summary=due)

    @on("Goal.MilestoneCompleted", "Goal.MilestoneReopened")
    def _milestone_changed(self, conn: Connection, e: Any, pos: int) -> None:
        title = conn.execute(
            select(milestones.c.title).where(
                milestones.c.milestone_id == str(e.milestone_id)
            )
        ).scalar_one()
        done = type(e).__qualname__ == "Goal.MilestoneCompleted"
        kind = "milestone_completed" if done else "milestone_reopened"
        self._goal_entry(conn, e, pos, kind, title=title)

    @on("Goal.ProgressRecorded")
    def _progress_recorded(self, conn: Connection, e: Any, pos: int) -> None:
        self._goal_entry(conn, e, pos, "progress", note=e.note, value=e.value)

    @on(*GOAL_STATUS_KINDS)
    def _goal_status(self, conn: Connection, e: Any, pos: int) -> None:
        kind, text_field = GOAL_STATUS_KINDS[type(e).__qualname__]
        summary = getattr(e, text_field) if text_field else ""
        self._goal_entry(conn, e, pos, kind, summary=summary)

    @staticmethod
    def _goal_entry(
        conn: Connection,
        e: Any,
        pos: int,
        kind: str,
        *,
        title: str | None = None,
        summary: str = "",
        note: str = "",
        value: float | None = None,
    ) -> None:
        goal_id = str(e.originator_id)
        goal = conn.execute(
            select(items.c.owner_id, items.c.title, items.c.unit, members.c.timezone)
            .join(members, members.c.member_id == items.c.owner_id)
            .where(items.c.item_id == goal_id)
        ).one()
        if value is not None:
            amount = _amount(value, goal.unit)
            summary = f"{amount} — {note}" if note else amount
        _add_entry(
            conn,
            e,
            pos,
            kind,
            goal.owner_id,
            summary,
            goal_id=goal_id,
            day=local_date(e.timestamp, goal.timezone),
            title=title or goal.title,
        )

    # Actions.

    @on("Action.ActionLogged")
    def _action_logged(self, conn: Connection, e: Any, pos: int) -> None:
        owner_id = str(e.owner_id)
        goal_id = str(e.goal_id) if e.goal_id else None
        visibility = action_visibility(
            e.visibility, goal_id, _goal_visibility(conn, goal_id)
        )
        _add_item(
            conn,
            e,
            "action",
            owner_id,
            visibility,
            goal_id=goal_id,
            own_visibility=e.visibility,
            title=e.title,
        )
        _add_entry(
            conn,
            e,
            pos,
            "action",
            owner_id,
            e.notes,
            goal_id=goal_id,
            day=e.occurred_on,
            title=e.title,
            category=e.category,
            win=e.win,
        )

    @on("Action.ActionEdited")
    def _action_edited(self, conn: Connection, e: Any, _pos: int) -> None:
        changes: dict[str, Any] = e.changes
        action_id = str(e.originator_id)
        item = conn.execute(
            select(items.c.goal_id, items.c.own_visibility, items.c.title).where(
                items.c.item_id == action_id
            )
        ).one()
        goal_id = item.goal_id
        if "goal_id" in changes:
            goal_id = str(changes["goal_id"]) if changes["goal_id"] else None
        own = changes.get("visibility", item.own_visibility)
        title = changes.get("title", item.title)
        conn.execute(
            update(items)
            .where(items.c.item_id == action_id)
            .values(
                goal_id=goal_id,
                own_visibility=own,
                visibility=action_visibility(
                    own, goal_id, _goal_visibility(conn, goal_id)
                ),
                title=title,
            )
        )
        conn.execute(
            update(entries)
            .where(entries.c.item_id == action_id)
            .values(**_edited_entry_values(changes, goal_id, title))
        )

    @on("Action.ActionRetracted")
    def _action_retracted(self, conn: Connection, e: Any, _pos: int) -> None:
        action_id = str(e.originator_id)
        conn.execute(delete(entries).where(entries.c.item_id == action_id))
        conn.execute(delete(items).where(items.c.item_id == action_id))

    # Reviews.

    @on("Review.ReviewRecorded")
    def _review_recorded(self, conn: Connection, e: Any, pos: int) -> None:
        owner_id = str(e.owner_id)
        title = f"{e.period.capitalize()} review"
        vis = e.visibility
        _add_item(conn, e, "review", owner_id, vis, own_visibility=vis, title=title)
        timezone = conn.execute(
            select(members.c.timezone).where(members.c.member_id == owner_id)
        ).scalar_one()
        day = local_date(e.timestamp, timezone)
        _add_entry(conn, e, pos, "review", owner_id, e.went_well, day=day, title=title)

    @on("Review.ReviewAmended")
    def _review_amended(self, conn: Connection, e: Any, _pos: int) -> None:
        changes: dict[str, Any] = e.changes
        review_id = str(e.originator_id)
        if "visibility" in changes:
            conn.execute(
                update(items)
                .where(items.c.item_id == review_id)
                .values(visibility=changes["visibility"])
            )
        if "went_well" in changes:
            conn.execute(
                update(entries)
                .where(entries.c.item_id == review_id)
                .values(summary=summarise(changes["went_well"]))
            )

    # Feedback and cheers: rows, counted when entries are read.

    @on("Feedback.FeedbackGiven")
    def _feedback_given(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            feedback.insert(),
            dict(
                feedback_id=str(e.originator_id),
                text=e.text,
                at=e.timestamp,
                **_target(e),
            ),
        )

    @on("Feedback.FeedbackWithdrawn")
    def _feedback_withdrawn(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(
            delete(feedback).where(feedback.c.feedback_id == str(e.originator_id))
        )

    @on("Cheer.Cheered")
    def _cheered(self, conn: Connection, e: Any, _pos: int) -> None:
        conn.execute(cheers.insert(), dict(cheer_id=str(e.originator_id), **_target(e)))


def _edited_entry_values(
    changes: dict[str, Any], goal_id: str | None, title: str
) -> dict[str, Any]:
    values: dict[str, Any] = {"goal_id": goal_id, "title": title}
    if "notes" in changes:
        values["summary"] = summarise(changes["notes"])
    if "occurred_on" in changes:
        values["day"] = changes["occurred_on"]
    for name in ("category", "win"):
        if name in changes:
            values[name] = changes[name]
    return values
