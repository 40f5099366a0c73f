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
queries: `notifications_queries`. The model applies a batch at a time (see
`notifications_facts`): `_load` below brings in what the batch's events read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection

from projections.batching import Batch
from projections.notifications_facts import (
    HANDLERS,
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
from service.domain.action import Action
from service.domain.feedback import Cheer, Feedback, Suggestion
from service.domain.goal import Goal
from service.domain.group import Group
from service.domain.member import Member
from service.domain.mentorship import Mentorship
from service.domain.reminder import Reminder
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

NAMED_REMINDERS = ("review_due", "milestone_due", "inactivity", "buddy_quiet")
MENTORSHIP_ANSWERS = (
    Mentorship.MentorshipRenewed,
    Mentorship.MentorshipAccepted,
    Mentorship.MentorshipDeclined,
    Mentorship.MentorshipEnded,
)


def quoted(title: str) -> str:
    """A title in typographic quotes, as texts show it."""
    return f"\u201c{title}\u201d"


def _load(conn: Connection, b: Batch, events: Sequence[Any]) -> None:
    """The rows the events read or change, by the keys found in them: one query per
    table (members twice: by id, then by the emails mentor requests go to, which
    come from the mentorships loaded first)."""
    member_ids: set[str] = set()
    emails: set[str] = set()  # members by email: where mentor requests go
    registered: set[str] = set()  # pending requests by email
    answered: set[str] = set()  # pending requests by mentorship
    item_ids: set[str] = set()
    owners: set[str] = set()  # buddies by member
    suggestion_ids: set[str] = set()
    mentorship_ids: set[str] = set()
    mentor_asked: set[str] = set()  # mentorships whose mentor may be asked or told
    group_ids: set[str] = set()
    for e in events:
        kind = type(e)
        origin = str(e.originator_id)
        if kind in (Member.ProfileUpdated, Member.NotificationsRead):
            member_ids.add(origin)
        elif kind is Member.Registered:
            registered.add(e.email)
        elif kind in (
            Goal.MilestoneAdded,
            Goal.GoalRevised,
            Action.ActionEdited,
            Action.ActionRetracted,
        ):
            item_ids.add(origin)
        elif kind is Action.ActionLogged:
            if e.goal_id:
                item_ids.add(str(e.goal_id))
            owners.add(str(e.owner_id))
        elif kind in (Feedback.FeedbackGiven, Cheer.Cheered):
            item_ids.add(str(e.target_id))
        elif kind is Suggestion.SuggestionMade:
            item_ids.add(str(e.goal_id))
        elif kind in (Suggestion.SuggestionAccepted, Suggestion.SuggestionDeclined):
            suggestion_ids.add(origin)
        elif kind is Mentorship.MentorshipProposed:
            emails.add(e.mentor_email)
        elif kind in MENTORSHIP_ANSWERS:
            mentorship_ids.add(origin)
            if kind in (Mentorship.MentorshipRenewed, Mentorship.MentorshipEnded):
                mentor_asked.add(origin)
            if kind is not Mentorship.MentorshipRenewed:
                answered.add(origin)
        elif kind is Group.MemberJoined:
            group_ids.add(origin)
        elif kind is Reminder.ReminderIssued:
            member_ids.add(str(e.member_id))
            ref = text_or_none(e.ref_id)
            if ref is None or e.reminder in NAMED_REMINDERS:
                if e.reminder == "milestone_due" and ref is not None:
                    item_ids.add(ref)
            elif e.ref_kind == "suggestion":
                suggestion_ids.add(ref)
            else:
                mentorship_ids.add(ref)
    b.load(conn, mentorships, mentorship_id=mentorship_ids)
    for mentorship_id in mentor_asked:
        row = b[mentorships].get(mentorship_id)
        if row is not None:
            emails.add(row["mentor_email"])
    b.load(conn, members, member_id=member_ids, email=emails)
    b.load(conn, items, item_id=item_ids)
    b.load(conn, suggestions, suggestion_id=suggestion_ids)
    b.load(conn, groups, group_id=group_ids)
    b.load(conn, pending, email=registered, item_id=answered)
    b.load(conn, facilitators, group_id=group_ids)
    b.load(conn, buddies, member_id=owners)


class Notifications(Facts):
    """Writes one notification per recipient of each event worth hearing about."""

    name = "notifications"
    tables = TABLES

    def load(self, conn: Connection, batch: Batch, events: Sequence[Any]) -> None:
        _load(conn, batch, events)


def _notify(
    b: Batch,
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
    for who in sorted({r for r in recipients if r is not None} - {actor}):
        b[inbox].insert(member_id=who, position=pos, **notice)


def _member_with(b: Batch, email: str) -> str | None:
    found = b[members].where("email", email)
    return found[0]["member_id"] if found else None


def _request(b: Batch, email: str, e: Any, pos: int, text: str) -> None:
    """A mentor request: to the member with `email`, or pending until they join."""
    found = _member_with(b, email)
    link = ("mentorship", e.originator_id)
    if found is not None:
        _notify(b, [found], e, pos, "mentor_request", text, link)
        return
    notice = _notice(e, "mentor_request", text, link)
    b[pending].insert(email=email, position=pos, **notice)


def _title(b: Batch, item_id: str | None) -> str | None:
    """An item's title (None without an id or if it is not found)."""
    if item_id is None:
        return None
    row = b[items].get(item_id)
    return None if row is None else row["title"]


@HANDLERS.on(Member.Registered)
def _registered(b: Batch, e: Member.Registered, _pos: int) -> None:
    member_id = str(e.originator_id)
    b[members].insert(
        member_id=member_id, email=e.email, display_name=e.display_name, read_up_to=0
    )
    for row in b[pending].where("email", e.email):
        notice = {name: row[name] for name in NOTICE_FIELDS}
        b[inbox].insert(member_id=member_id, position=row["position"], **notice)
        b[pending].delete((row["email"], row["position"]))


@HANDLERS.on(Action.ActionLogged)
def _action_logged(b: Batch, e: Action.ActionLogged, pos: int) -> None:
    owner, goal_id = str(e.owner_id), text_or_none(e.goal_id)
    b[items].insert(
        item_id=str(e.originator_id),
        kind="action",
        owner_id=owner,
        title=e.title,
        goal_id=goal_id,
        visibility=e.visibility,
        retracted=False,
    )
    # A goal can only narrow what the action shows: look it up only if that matters.
    if action_visibility(e.visibility, goal_id, GROUP) == GROUP:
        _buddy_activity(b, e, pos, owner, goal_id)


def _buddy_activity(
    b: Batch, e: Any, pos: int, owner: str, goal_id: str | None
) -> None:
    """Tell the owner's buddies of an action logged group-visible."""
    goal = None
    if goal_id is not None:
        row = b[items].get(goal_id)
        goal = None if row is None else row["visibility"]
    if action_visibility(e.visibility, goal_id, goal) != GROUP:
        return
    pals = [row["buddy_id"] for row in b[buddies].where("member_id", owner)]
    what = "a win: " if e.win else ""
    text = f"logged {what}{quoted(e.title)}"
    link = ("action", e.originator_id)
    _notify(b, pals, e, pos, "buddy_activity", text, link)


def _label(b: Batch, kind: str, item_id: Any) -> str:
    if kind == "review":
        return "check-in"
    title = _title(b, str(item_id))
    return f"{kind} {quoted(title)}" if title else kind


def _on_item(b: Batch, e: Any, pos: int, kind: str, verb: str) -> None:
    owner = str(e.target_owner_id)
    if owner == str(e.actor_id):
        return  # nobody hears of their own doing
    text = f"{verb} your {_label(b, e.target_kind, e.target_id)}"
    link = (e.target_kind, e.target_id)
    _notify(b, [owner], e, pos, kind, text, link)


@HANDLERS.on(Feedback.FeedbackGiven)
def _feedback_given(b: Batch, e: Feedback.FeedbackGiven, pos: int) -> None:
    _on_item(b, e, pos, "feedback_received", "left feedback on")


@HANDLERS.on(Cheer.Cheered)
def _cheered(b: Batch, e: Cheer.Cheered, pos: int) -> None:
    _on_item(b, e, pos, "cheer_received", "cheered")


@HANDLERS.on(Suggestion.SuggestionMade)
def _suggestion_made(b: Batch, e: Suggestion.SuggestionMade, pos: int) -> None:
    b[suggestions].insert(
        suggestion_id=str(e.originator_id),
        mentor_id=str(e.mentor_id),
        mentee_id=str(e.mentee_id),
        goal_id=str(e.goal_id),
        title=e.title,
        made_at=e.timestamp,
        status="open",
    )
    article = "an" if e.kind[0] in "aeiou" else "a"
    goal = _label(b, "goal", e.goal_id)
    text = f"suggested {article} {e.kind} {quoted(e.title)} for your {goal}"
    link = ("goal", e.goal_id)
    _notify(b, [str(e.mentee_id)], e, pos, "suggestion_made", text, link)


@HANDLERS.on(Suggestion.SuggestionAccepted, Suggestion.SuggestionDeclined)
def _suggestion_answered(
    b: Batch, e: Suggestion.SuggestionAccepted | Suggestion.SuggestionDeclined, pos: int
) -> None:
    row = b[suggestions].get(str(e.originator_id))
    if row is None:  # its mentor was erased: nobody to tell
        return
    verb = "accepted" if isinstance(e, Suggestion.SuggestionAccepted) else "declined"
    row["status"] = verb
    b[suggestions].changed(row)
    text = f"{verb} your suggestion {quoted(row['title'])}"
    link = ("goal", row["goal_id"])
    _notify(b, [row["mentor_id"]], e, pos, "suggestion_answered", text, link)


@HANDLERS.on(Mentorship.MentorshipProposed)
def _proposed(b: Batch, e: Mentorship.MentorshipProposed, pos: int) -> None:
    b[mentorships].insert(
        mentorship_id=str(e.originator_id),
        mentee_id=str(e.mentee_id),
        mentor_email=e.mentor_email,
        mentor_id=None,
        status="proposed",
        asked_at=e.timestamp,
    )
    _request(b, e.mentor_email, e, pos, "asked you to be their mentor")


def _mentorship(b: Batch, e: Any, **values: Any) -> dict[str, Any] | None:
    """The mentorship's row as it was, after recording its new values; None once
    one of its members was erased (the erasure purged the row)."""
    row = b[mentorships].get(str(e.originator_id))
    if row is None:
        return None
    was = dict(row)
    row.update(values)
    b[mentorships].changed(row)
    return was


@HANDLERS.on(Mentorship.MentorshipRenewed)
def _renewed(b: Batch, e: Mentorship.MentorshipRenewed, pos: int) -> None:
    row = _mentorship(b, e, status="proposed", mentor_id=None, asked_at=e.timestamp)
    if row is None:
        return
    text = "asked you again to be their mentor"
    _request(b, row["mentor_email"], e, pos, text)


def _withdraw(b: Batch, mentorship_id: str, before: int | None = None) -> None:
    """Delete the mentorship's pending requests (those before `before`, if given)."""
    for row in b[pending].where("item_id", mentorship_id):
        if before is None or row["position"] < before:
            b[pending].delete((row["email"], row["position"]))


@HANDLERS.on(Mentorship.MentorshipAccepted, Mentorship.MentorshipDeclined)
def _answered(
    b: Batch, e: Mentorship.MentorshipAccepted | Mentorship.MentorshipDeclined, pos: int
) -> None:
    if isinstance(e, Mentorship.MentorshipAccepted):
        verb, values = "accepted", {"mentor_id": str(e.mentor_id)}
    else:
        verb, values = "declined", {}
    _withdraw(b, str(e.originator_id), before=pos)
    row = _mentorship(b, e, status=verb, **values)
    if row is None:
        return
    text = f"{verb} your mentorship request"
    link = ("mentorship", e.originator_id)
    _notify(b, [row["mentee_id"]], e, pos, "mentorship_answered", text, link)


@HANDLERS.on(Mentorship.MentorshipEnded)
def _ended(b: Batch, e: Mentorship.MentorshipEnded, pos: int) -> None:
    row = _mentorship(b, e, status="ended")
    if row is None:
        return
    link = ("mentorship", e.originator_id)
    text = "ended your mentorship"
    if str(e.actor_id) != row["mentee_id"]:
        _notify(b, [row["mentee_id"]], e, pos, "mentorship_ended", text, link)
        return
    # A withdrawn request: someone not registered yet will never see it.
    _withdraw(b, row["mentorship_id"])
    mentor = row["mentor_id"] or _member_with(b, row["mentor_email"])
    if row["status"] == "proposed":
        text = "withdrew their request that you mentor them"
    _notify(b, [mentor], e, pos, "mentorship_ended", text, link)


@HANDLERS.on(Group.MemberJoined)
def _member_joined(b: Batch, e: Group.MemberJoined, pos: int) -> None:
    group_id = str(e.originator_id)
    group = b[groups].get(group_id)
    if group is None:
        raise LookupError(f"notifications: no group {group_id}")
    hosts = [row["member_id"] for row in b[facilitators].where("group_id", group_id)]
    text = f"joined your group {quoted(group['name'])}"
    link = ("group", group_id)
    _notify(b, hosts, e, pos, "group_joined", text, link)


@HANDLERS.on(Reminder.ReminderIssued)
def _reminded(b: Batch, e: Reminder.ReminderIssued, pos: int) -> None:
    """A reminder (SPEC 8) is also an in-app notification: `reminder_<name>`."""
    member_id = str(e.member_id)
    if b[members].get(member_id) is None:  # erased since
        return
    text, link, actor = _reminder_text(b, e)
    notice = _notice(e, f"reminder_{e.reminder}", text, link)
    notice["actor_id"] = actor
    b[inbox].insert(member_id=member_id, position=pos, **notice)


def _day(value: date | None) -> str:
    """`Monday 7 December` (a reminder's due date as its texts show it)."""
    return f"{value:%A} {value.day} {value:%B}" if value is not None else "soon"


def _reminder_text(b: Batch, e: Any) -> tuple[str, Link, str | None]:
    """A reminder's text, what it links to, and the member named first (if any)."""
    ref = text_or_none(e.ref_id)
    if e.reminder == "review_due":
        return "Your weekly review is due: how did this week go?", ("review", ""), None
    if e.reminder == "milestone_due":
        title = _title(b, ref) or "An item"
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
        row = None if ref is None else b[suggestions].get(ref)
        title = quoted(row["title"]) if row is not None else "a step"
        text = f"is waiting for your answer to their suggestion {title}."
        return text, ("mentorship", ""), row["mentor_id"] if row is not None else None
    found = None if ref is None else b[mentorships].get(ref)
    text = "is waiting for your answer to their mentor request."
    mentee = found["mentee_id"] if found is not None else None
    return text, ("mentorship", ref or ""), mentee


def _notice(e: Any, kind: str, text: str, link: Link) -> dict[str, Any]:
    return {
        "kind": kind,
        "created_at": e.timestamp,
        "actor_id": str(e.actor_id),
        "text": text,
        "item_kind": link[0],
        "item_id": str(link[1]) if link[1] else None,
    }
