"""In-app notifications (SPEC 4 and 8): who hears about what, and what they have read.

One notification per recipient and event, its id the event's log position (also its
sort key). Kinds: feedback_received, cheer_received, mentor_request,
mentorship_answered, mentorship_ended, suggestion_made, suggestion_answered,
buddy_activity, group_joined, and `reminder_<name>` for each reminder (SPEC 8).
Nobody is notified of their own doing. A member's read mark
(Member.NotificationsRead) makes every notification at or below it read. A mentor
request to an email nobody has registered yet waits and reaches that person when
they register. Texts are stored without the actor's name, which queries join in,
so a renamed member shows their current name. Tables: `notifications_facts`;
queries: `notifications_queries`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    bindparam,
    delete,
    literal,
    select,
    update,
)

from projections.base import on
from projections.notifications_facts import (
    NOTICE_FIELDS,
    TABLES,
    Facts,
    buddies,
    facilitators,
    groups,
    inbox,
    items,
    members,
    mentorships,
    pending,
    suggestions,
    text_or_none,
)
from projections.notifications_queries import (
    Notification,
    NotificationPage,
    newest_position,
    notifications_for,
    unread_count,
)
from service.domain.visibility import GROUP, action_visibility

__all__ = [
    "Notification",
    "NotificationPage",
    "Notifications",
    "newest_position",
    "notifications_for",
    "unread_count",
]

Link = tuple[str, Any]

# Built once: the hot paths (every action, cheer, feedback) only bind values.
_INSERT_ITEM = items.insert()
_INSERT_NOTICE = inbox.insert()
_VISIBILITY = select(items.c.visibility).where(items.c.item_id == bindparam("item_id"))
_TITLE = select(items.c.title).where(items.c.item_id == bindparam("item_id"))
_BUDDIES = select(buddies.c.buddy_id).where(
    buddies.c.member_id == bindparam("member_id")
)


def quoted(title: str) -> str:
    """A title in typographic quotes, as texts show it."""
    return f"\u201c{title}\u201d"


class Notifications(Facts):
    """Writes one notification per recipient of each event worth hearing about."""

    name = "notifications"
    tables = TABLES

    @staticmethod
    def _notify(
        conn: Connection,
        recipients: Iterable[str | None],
        e: Any,
        pos: int,
        kind: str,
        text: str,
        link: Link,
    ) -> None:
        """Notify each recipient except the actor: nobody hears of their own doing."""
        actor = str(e.actor_id)
        notice = _notice(e, kind, text, link)
        rows = [
            {"member_id": who, "position": pos, **notice}
            for who in sorted({r for r in recipients if r is not None} - {actor})
        ]
        if rows:
            conn.execute(_INSERT_NOTICE, rows)

    @classmethod
    def _request(
        cls, conn: Connection, email: str, e: Any, pos: int, text: str
    ) -> None:
        """A mentor request: to the member with `email`, or pending until they join."""
        found = conn.execute(
            select(members.c.member_id).where(members.c.email == email)
        ).scalar()
        link = ("mentorship", e.originator_id)
        if found is not None:
            cls._notify(conn, [found], e, pos, "mentor_request", text, link)
            return
        notice = _notice(e, "mentor_request", text, link)
        conn.execute(pending.insert().values(email=email, position=pos, **notice))

    @on("Member.Registered")
    def _registered(self, conn: Connection, e: Any, _pos: int) -> None:
        member_id = str(e.originator_id)
        conn.execute(
            members.insert().values(
                member_id=member_id,
                email=e.email,
                display_name=e.display_name,
                read_up_to=0,
            )
        )
        waiting = select(
            literal(member_id, String(36)),
            pending.c.position,
            *(pending.c[name] for name in NOTICE_FIELDS),
        ).where(pending.c.email == e.email)
        fields = ["member_id", "position", *NOTICE_FIELDS]
        conn.execute(inbox.insert().from_select(fields, waiting))
        conn.execute(delete(pending).where(pending.c.email == e.email))

    @on("Action.ActionLogged")
    def _action_logged(self, conn: Connection, e: Any, pos: int) -> None:
        owner, goal_id = str(e.owner_id), text_or_none(e.goal_id)
        conn.execute(
            _INSERT_ITEM,
            {
                "item_id": str(e.originator_id),
                "kind": "action",
                "owner_id": owner,
                "title": e.title,
                "goal_id": goal_id,
                "visibility": e.visibility,
                "retracted": False,
            },
        )
        # A goal can only narrow what the action shows: look it up only if that matters.
        if action_visibility(e.visibility, goal_id, GROUP) == GROUP:
            self._buddy_activity(conn, e, pos, owner, goal_id)

    def _buddy_activity(
        self, conn: Connection, e: Any, pos: int, owner: str, goal_id: str | None
    ) -> None:
        """Tell the owner's buddies of an action logged group-visible."""
        goal = None
        if goal_id is not None:
            goal = conn.execute(_VISIBILITY, {"item_id": goal_id}).scalar()
        if action_visibility(e.visibility, goal_id, goal) != GROUP:
            return
        pals = conn.execute(_BUDDIES, {"member_id": owner}).scalars()
        what = "a win: " if e.win else ""
        text = f"logged {what}{quoted(e.title)}"
        link = ("action", e.originator_id)
        self._notify(conn, pals, e, pos, "buddy_activity", text, link)

    @staticmethod
    def _label(conn: Connection, kind: str, item_id: Any) -> str:
        if kind == "review":
            return "check-in"
        title = conn.execute(_TITLE, {"item_id": str(item_id)}).scalar()
        return f"{kind} {quoted(title)}" if title else kind

    def _on_item(
        self, conn: Connection, e: Any, pos: int, kind: str, verb: str
    ) -> None:
        owner = str(e.target_owner_id)
        if owner == str(e.actor_id):
            return  # nobody hears of their own doing: spare the title look-up
        text = f"{verb} your {self._label(conn, e.target_kind, e.target_id)}"
        link = (e.target_kind, e.target_id)
        self._notify(conn, [owner], e, pos, kind, text, link)

    @on("Feedback.FeedbackGiven")
    def _feedback_given(self, conn: Connection, e: Any, pos: int) -> None:
        self._on_item(conn, e, pos, "feedback_received", "left feedback on")

    @on("Cheer.Cheered")
    def _cheered(self, conn: Connection, e: Any, pos: int) -> None:
        self._on_item(conn, e, pos, "cheer_received", "cheered")

    @on("Suggestion.SuggestionMade")
    def _suggestion_made(self, conn: Connection, e: Any, pos: int) -> None:
        conn.execute(
            suggestions.insert().values(
                suggestion_id=str(e.originator_id),
                mentor_id=str(e.mentor_id),
                mentee_id=str(e.mentee_id),
                goal_id=str(e.goal_id),
                title=e.title,
                made_at=e.timestamp,
                status="open",
            )
        )
        article = "an" if e.kind[0] in "aeiou" else "a"
        goal = self._label(conn, "goal", e.goal_id)
        text = f"suggested {article} {e.kind} {quoted(e.title)} for your {goal}"
        link = ("goal", e.goal_id)
        self._notify(conn, [str(e.mentee_id)], e, pos, "suggestion_made", text, link)

    @on("Suggestion.SuggestionAccepted", "Suggestion.SuggestionDeclined")
    def _suggestion_answered(self, conn: Connection, e: Any, pos: int) -> None:
        row = conn.execute(
            select(suggestions).where(
                suggestions.c.suggestion_id == str(e.originator_id)
            )
        ).first()
        if row is None:  # its mentor was erased: nobody to tell
            return
        verb = "accepted" if type(e).__name__ == "SuggestionAccepted" else "declined"
        conn.execute(
            update(suggestions)
            .where(suggestions.c.suggestion_id == row.suggestion_id)
            .values(status=verb)
        )
        text = f"{verb} your suggestion {quoted(row.title)}"
        link = ("goal", row.goal_id)
        self._notify(conn, [row.mentor_id], e, pos, "suggestion_answered", text, link)

    @on("Mentorship.MentorshipProposed")
    def _proposed(self, conn: Connection, e: Any, pos: int) -> None:
        conn.execute(
            mentorships.insert().values(
                mentorship_id=str(e.originator_id),
                mentee_id=str(e.mentee_id),
                mentor_email=e.mentor_email,
                mentor_id=None,
                status="proposed",
                asked_at=e.timestamp,
            )
        )
        self._request(conn, e.mentor_email, e, pos, "asked you to be their mentor")

    @staticmethod
    def _mentorship(conn: Connection, e: Any, **values: Any) -> Any:
        """The mentorship's row as it was, after recording its new values; None once
        one of its members was erased (`Facts` purged the row)."""
        where = mentorships.c.mentorship_id == str(e.originator_id)
        row = conn.execute(select(mentorships).where(where)).first()
        if row is not None:
            conn.execute(update(mentorships).where(where).values(**values))
        return row

    @on("Mentorship.MentorshipRenewed")
    def _renewed(self, conn: Connection, e: Any, pos: int) -> None:
        row = self._mentorship(
            conn, e, status="proposed", mentor_id=None, asked_at=e.timestamp
        )
        if row is None:
            return
        text = "asked you again to be their mentor"
        self._request(conn, row.mentor_email, e, pos, text)

    @on("Mentorship.MentorshipAccepted", "Mentorship.MentorshipDeclined")
    def _answered(self, conn: Connection, e: Any, pos: int) -> None:
        if type(e).__name__ == "MentorshipAccepted":
            verb, values = "accepted", {"mentor_id": str(e.mentor_id)}
        else:
            verb, values = "declined", {}
        conn.execute(
            delete(pending).where(
                pending.c.item_id == str(e.originator_id), pending.c.position < pos
            )
        )
        row = self._mentorship(conn, e, status=verb, **values)
        if row is None:
            return
        text = f"{verb} your mentorship request"
        link = ("mentorship", e.originator_id)
        self._notify(conn, [row.mentee_id], e, pos, "mentorship_answered", text, link)

    @on("Mentorship.MentorshipEnded")
    def _ended(self, conn: Connection, e: Any, pos: int) -> None:
        row = self._mentorship(conn, e, status="ended")
        if row is None:
            return
        link = ("mentorship", e.originator_id)
        text = "ended your mentorship"
        if str(e.actor_id) != row.mentee_id:
            self._notify(conn, [row.mentee_id], e, pos, "mentorship_ended", text, link)
            return
        # A withdrawn request: someone not registered yet will never see it.
        conn.execute(delete(pending).where(pending.c.item_id == row.mentorship_id))
        mentor = (
            row.mentor_id
            or conn.execute(
                select(members.c.member_id).where(members.c.email == row.mentor_email)
            ).scalar()
        )
        if row.status == "proposed":
            text = "withdrew their request that you mentor them"
        self._notify(conn, [mentor], e, pos, "mentorship_ended", text, link)

    @on("Group.MemberJoined")
    def _member_joined(self, conn: Connection, e: Any, pos: int) -> None:
        group_id = str(e.originator_id)
        name = conn.execute(
            select(groups.c.name).where(groups.c.group_id == group_id)
        ).scalar_one()
        hosts = conn.execute(
            select(facilitators.c.member_id).where(facilitators.c.group_id == group_id)
        ).scalars()
        text = f"joined your group {quoted(name)}"
        link = ("group", group_id)
        self._notify(conn, hosts, e, pos, "group_joined", text, link)

    @on("Reminder.ReminderIssued")
    def _reminded(self, conn: Connection, e: Any, pos: int) -> None:
        """A reminder (SPEC 8) is also an in-app notification: `reminder_<name>`."""
        member_id = str(e.member_id)
        known = select(members.c.member_id).where(members.c.member_id == member_id)
        if conn.execute(known).first() is None:  # erased since
            return
        text, link, actor = _reminder_text(conn, e)
        notice = _notice(e, f"reminder_{e.reminder}", text, link)
        notice["actor_id"] = actor
        row = {"member_id": member_id, "position": pos, **notice}
        conn.execute(_INSERT_NOTICE, row)


def _day(value: date | None) -> str:
    """`Monday 7 December` (a reminder's due date as its texts show it)."""
    return f"{value:%A} {value.day} {value:%B}" if value is not None else "soon"


def _reminder_text(conn: Connection, e: Any) -> tuple[str, Link, str | None]:
    """A reminder's text, what it links to, and the member named first (if any)."""
    ref = text_or_none(e.ref_id)
    if e.reminder == "review_due":
        return "Your weekly review is due: how did this week go?", ("review", ""), None
    if e.reminder == "milestone_due":
        title = conn.execute(_TITLE, {"item_id": ref}).scalar() or "An item"
        what = "milestone" if e.ref_kind == "milestone" else "goal"
        text = f"Your {what} {quoted(title)} is due on {_day(e.day)}."
        return text, ("goal", text_or_none(e.goal_id) or ref), None
    if e.reminder == "inactivity":
        since = _day(e.day)
        text = f"No action logged since {since}: one small step gets you going again."
        return text, ("action", ""), None
    if e.reminder == "buddy_quiet":
        text = f"went quiet: no action since {_day(e.day)}. A word from you may help."
        return text, ("buddies", ""), ref
    if e.ref_kind == "suggestion":
        row = conn.execute(
            select(suggestions.c.mentor_id, suggestions.c.title).where(
                suggestions.c.suggestion_id == ref
            )
        ).first()
        title = quoted(row.title) if row is not None else "a step"
        text = f"is waiting for your answer to their suggestion {title}."
        return text, ("mentorship", ""), row.mentor_id if row is not None else None
    row = conn.execute(
        select(mentorships.c.mentee_id).where(mentorships.c.mentorship_id == ref)
    ).first()
    text = "is waiting for your answer to their mentor request."
    return text, ("mentorship", ref or ""), row.mentee_id if row is not None else None


def _notice(e: Any, kind: str, text: str, link: Link) -> dict[str, Any]:
    return {
        "kind": kind,
        "created_at": e.timestamp,
        "actor_id": str(e.actor_id),
        "text": text,
        "item_kind": link[0],
        "item_id": str(link[1]) if link[1] else None,
    }
