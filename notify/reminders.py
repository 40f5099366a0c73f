"""Planning reminders (SPEC 8) into the outbox for a given `now`.

Five reminders, each sent only to members who chose it (`Schedule.reminders`):

- `review_due`: it is the member's weekly review day and they have not checked in
  this (ISO, local) week — about `review:<the week's Monday>`;
- `milestone_due`: an open milestone, or an active goal, is due within 3 days —
  about `<milestone|goal>:<id>:<due date>` (a new due date is a new reminder);
- `inactivity`: no action logged for 10 days — about `inactive-since:<last day>`;
- `buddy_quiet`: a buddy has logged no action for 10 days and is not away — about
  `buddy:<id>:<their last day>`;
- `requests_waiting`: a mentorship request to the member, or a mentor's suggestion
  to them, has waited 2 days for an answer — about `request:<id>:<asked on>` or
  `suggestion:<id>`.

Never twice for the same thing: the outbox row's key is (member,
`reminder:<name>`, about), and the in-app notification comes from a `Reminder`
aggregate whose id is derived from the same three, so issuing it again changes
nothing. Never in quiet hours or on away days: such members are left for a later
round (nothing is recorded, so the reminder goes out once they are back, if it
still holds). At most `WEEKLY_CAP` reminder emails per member per (local, ISO)
week: the rest are recorded `skipped` as `folded` and listed in the member's next
digest ("you also have…"). Every reminder, emailed or folded, is also an in-app
notification; it is issued before its outbox row is recorded, so a crash between
the two re-plans the row and finds the notification already there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import formataddr
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, select

from notify.batch import chunks
from notify.facts import due_between, last_action_days, last_check_ins
from notify.outbox import FOLDED, outbox
from notify.planning import Planned, insert_rows, outbox_row, planned_of
from notify.recipients import Person, people
from notify.render import ENVIRONMENT, until
from notify.schedule import Schedule, away_today, schedules
from projections.mentoring import QUIET_DAYS
from projections.notifications_queries import (
    buddy_pairs,
    requests_waiting,
    suggestions_waiting,
)
from service.commands import IssueReminder
from service.errors import NotFoundError
from service.settings import Settings

WEEKLY_CAP = 5
"""Reminder emails per member per week; the rest fold into the next digest."""
DUE_SOON_DAYS = 3
WAITING = timedelta(days=2)
"""How long a request or a suggestion waits before it is worth a reminder."""
PRIORITY = (
    "requests_waiting",
    "milestone_due",
    "review_due",
    "buddy_quiet",
    "inactivity",
)
"""Which reminders are emailed first when more are due than the cap allows."""

Issue = Callable[[IssueReminder], object]
"""Issues a reminder's in-app notification (the application's `handle`)."""


@dataclass(frozen=True)
class Reminder:
    """One reminder for one member about one thing."""

    member_id: str
    name: str  # one of service.domain.member.REMINDERS
    about: str
    subject: str
    path: str  # the page it links to, under the base URL
    ref_kind: str | None = None
    ref_id: str | None = None
    goal_id: str | None = None
    day: date | None = None  # a due date, or the last day with an action
    title: str | None = None  # the item's title, if it is about an item
    other: str | None = None  # the other person's name (buddy, mentee, mentor)
    days: int = 0  # days quiet or waiting
    when: str = ""  # when it is due: today, tomorrow, in 3 days

    @property
    def kind(self) -> str:
        """The outbox kind (and unsubscribe kind): `reminder:<name>`."""
        return f"reminder:{self.name}"

    def command(self) -> IssueReminder:
        """The command that issues its in-app notification."""
        return IssueReminder(
            member_id=UUID(self.member_id),
            reminder=self.name,
            about=self.about,
            ref_kind=self.ref_kind,
            ref_id=UUID(self.ref_id) if self.ref_id else None,
            goal_id=UUID(self.goal_id) if self.goal_id else None,
            day=self.day,
        )


def render_reminder(
    reminder: Reminder, to: Person, base_url: str
) -> tuple[str, str, str]:
    """The reminder's email: subject, plain text, HTML (`reminders/<name>.*`)."""
    context = {"reminder": reminder, "to": to, "base_url": base_url.rstrip("/")}
    name = f"reminders/{reminder.name}"
    return (
        reminder.subject,
        ENVIRONMENT.get_template(f"{name}.txt").render(context),
        ENVIRONMENT.get_template(f"{name}.html").render(context),
    )


def _wanting(found: Iterable[Schedule], name: str) -> list[Schedule]:
    return [s for s in found if name in s.reminders]


def _review_due(
    conn: Connection, found: list[Schedule], now: datetime
) -> list[Reminder]:
    today = [
        s
        for s in _wanting(found, "review_due")
        if s.local.weekday() == s.review_weekday
    ]
    last = last_check_ins(conn, [s.member_id for s in today], now) if today else {}
    return [
        Reminder(
            s.member_id,
            "review_due",
            f"review:{s.week_starts_at.date().isoformat()}",
            "Your weekly review is due today",
            "/reviews/new",
        )
        for s in today
        if s.member_id not in last or last[s.member_id] < s.week_starts_at
    ]


def _milestones_due(conn: Connection, found: list[Schedule]) -> list[Reminder]:
    wanting = {s.member_id: s for s in _wanting(found, "milestone_due")}
    if not wanting:
        return []
    first = min(s.today for s in wanting.values())
    last = max(s.today for s in wanting.values()) + timedelta(days=DUE_SOON_DAYS)
    out: list[Reminder] = []
    for member_id, dues in due_between(conn, list(wanting), first, last).items():
        today = wanting[member_id].today
        for due in dues:
            if not today <= due.due_on <= today + timedelta(days=DUE_SOON_DAYS):
                continue
            what = "Milestone" if due.kind == "milestone" else "Goal"
            when = until(due.due_on, today)
            out.append(
                Reminder(
                    member_id,
                    "milestone_due",
                    f"{due.kind}:{due.item_id}:{due.due_on.isoformat()}",
                    f"{what} \u201c{due.title}\u201d is due {when}",
                    f"/goals/{due.goal_id}",
                    ref_kind=due.kind,
                    ref_id=due.item_id,
                    goal_id=due.goal_id,
                    day=due.due_on,
                    title=due.title,
                    other=due.goal_title if due.kind == "milestone" else None,
                    when=when,
                )
            )
    return out


def _inactive(conn: Connection, found: list[Schedule]) -> list[Reminder]:
    wanting = _wanting(found, "inactivity")
    last = last_action_days(conn, [s.member_id for s in wanting]) if wanting else {}
    out: list[Reminder] = []
    for s in wanting:
        day = last.get(s.member_id)
        if day is None or (s.today - day).days < QUIET_DAYS:
            continue
        days = (s.today - day).days
        out.append(
            Reminder(
                s.member_id,
                "inactivity",
                f"inactive-since:{day.isoformat()}",
                f"{days} days without an action: one small step?",
                "/actions/new",
                day=day,
                days=days,
            )
        )
    return out


def _buddies_quiet(
    conn: Connection, found: list[Schedule], everyone: Mapping[str, Schedule]
) -> list[Reminder]:
    wanting = {s.member_id: s for s in _wanting(found, "buddy_quiet")}
    if not wanting:
        return []
    pairs = buddy_pairs(conn, wanting)
    pals = sorted({buddy for _, buddy in pairs if buddy in everyone})
    last = last_action_days(conn, pals) if pals else {}
    away = away_today(conn, {p: everyone[p].today for p in pals})
    names = people(conn, pals)
    out: list[Reminder] = []
    for member_id, buddy in sorted(set(pairs)):
        day = last.get(buddy)
        if day is None or buddy in away or buddy not in names:
            continue
        days = (everyone[buddy].today - day).days
        if days < QUIET_DAYS:
            continue
        name = names[buddy].display_name
        out.append(
            Reminder(
                member_id,
                "buddy_quiet",
                f"buddy:{buddy}:{day.isoformat()}",
                f"{name} went quiet: no action for {days} days",
                f"/buddies/{buddy}",  # the shared group, or my groups if they left
                ref_kind="member",
                ref_id=buddy,
                other=name,
                day=day,
                days=days,
            )
        )
    return out


def _requests_waiting(
    conn: Connection, found: list[Schedule], now: datetime
) -> list[Reminder]:
    wanting = {s.member_id: s for s in _wanting(found, "requests_waiting")}
    if not wanting:
        return []
    by_email = {s.email: s.member_id for s in wanting.values()}
    asked = requests_waiting(conn, by_email, now - WAITING)
    suggested = suggestions_waiting(conn, wanting, now - WAITING)
    names = people(
        conn, [r.mentee_id for r in asked] + [sg.mentor_id for sg in suggested]
    )
    out: list[Reminder] = []
    for r in asked:
        if r.mentee_id not in names:
            continue
        member_id = by_email[r.mentor_email]
        name = names[r.mentee_id].display_name
        out.append(
            Reminder(
                member_id,
                "requests_waiting",
                f"request:{r.mentorship_id}:{r.asked_at.date().isoformat()}",
                f"{name} is waiting for your answer to their mentor request",
                "/mentoring",
                ref_kind="mentorship",
                ref_id=r.mentorship_id,
                other=name,
                days=(now - r.asked_at).days,
            )
        )
    for sg in suggested:
        if sg.mentor_id not in names:
            continue
        name = names[sg.mentor_id].display_name
        out.append(
            Reminder(
                sg.mentee_id,
                "requests_waiting",
                f"suggestion:{sg.suggestion_id}",
                f"{name}\u2019s suggestion \u201c{sg.title}\u201d is waiting for you",
                "/mentoring",
                ref_kind="suggestion",
                ref_id=sg.suggestion_id,
                title=sg.title,
                other=name,
                days=(now - sg.made_at).days,
            )
        )
    return out


def due_reminders(
    conn: Connection,
    found: list[Schedule],
    everyone: Mapping[str, Schedule],
    now: datetime,
) -> dict[str, list[Reminder]]:
    """Per member, every reminder that holds at `now`, most important first."""
    out: dict[str, list[Reminder]] = defaultdict(list)
    for reminder in (
        _review_due(conn, found, now)
        + _milestones_due(conn, found)
        + _inactive(conn, found)
        + _buddies_quiet(conn, found, everyone)
        + _requests_waiting(conn, found, now)
    ):
        out[reminder.member_id].append(reminder)
    for reminders in out.values():
        reminders.sort(key=lambda r: (PRIORITY.index(r.name), r.day or date.max))
    return out


def _recorded(
    conn: Connection, due: Mapping[str, list[Reminder]]
) -> set[tuple[str, ...]]:
    """The (member, kind, about) keys among `due` already in the outbox."""
    wanted = {(r.member_id, r.kind, r.about) for rs in due.values() for r in rs}
    if not wanted:
        return set()
    rows = conn.execute(
        select(outbox.c.member_id, outbox.c.kind, outbox.c.period).where(
            outbox.c.member_id.in_(sorted(due)),
            outbox.c.period.in_(sorted({about for _, _, about in wanted})),
        )
    )
    return {tuple(r) for r in rows} & wanted


def _sent_this_week(conn: Connection, found: Mapping[str, Schedule]) -> dict[str, int]:
    """Per member, the reminder emails planned or sent this (local) week."""
    if not found:
        return {}
    starts = {m: s.week_starts_at for m, s in found.items()}
    rows = conn.execute(
        select(outbox.c.member_id, outbox.c.created_at).where(
            outbox.c.member_id.in_(sorted(found)),
            outbox.c.kind.like("reminder:%"),
            outbox.c.status != "skipped",
            outbox.c.created_at >= min(starts.values()),
        )
    )
    counts: dict[str, int] = defaultdict(int)
    for member_id, created_at in rows:
        if created_at >= starts[member_id]:
            counts[member_id] += 1
    return counts


def _plan_chunk(
    conn: Connection,
    settings: Settings,
    found: list[Schedule],
    everyone: Mapping[str, Schedule],
    now: datetime,
) -> tuple[list[Reminder], list[dict[str, Any]]]:
    """The new reminders of these members and their outbox rows."""
    due = due_reminders(conn, found, everyone, now)
    recorded = _recorded(conn, due)
    fresh = {
        m: [r for r in rs if (m, r.kind, r.about) not in recorded]
        for m, rs in due.items()
    }
    fresh = {m: rs for m, rs in fresh.items() if rs}
    sent = _sent_this_week(conn, {m: everyone[m] for m in fresh})
    to = people(conn, fresh)
    new: list[Reminder] = []
    rows: list[dict[str, Any]] = []
    for member_id, reminders in sorted(fresh.items()):
        if member_id not in to:
            continue
        person = to[member_id]
        address = formataddr((person.display_name, person.email))
        room = max(WEEKLY_CAP - sent.get(member_id, 0), 0)
        for n, reminder in enumerate(reminders):
            mail = render_reminder(reminder, person, settings.base_url)
            if n >= room:  # over the cap: listed in the next digest instead
                mail, reason = (reminder.subject, "", ""), FOLDED
            else:
                reason = None
            rows.append(
                outbox_row(
                    settings,
                    member_id,
                    reminder.kind,
                    reminder.about,
                    address,
                    now,
                    mail,
                    reason,
                )
            )
            new.append(reminder)
    return new, rows


def plan_reminders(
    engine: Engine,
    settings: Settings,
    now: datetime,
    *,
    dry_run: bool = False,
    issue: Issue | None = None,
) -> list[Planned]:
    """Record every reminder due at `now` (see the module docstring), issuing each
    one's in-app notification first through `issue`; with `dry_run`, decide the
    same and record and issue nothing."""
    with engine.connect() as conn:
        everyone = {s.member_id: s for s in schedules(conn, now)}
        awake = [s for s in everyone.values() if s.reminders and not s.quiet]
        away = away_today(conn, {s.member_id: s.today for s in awake})
    ready = [s for s in awake if s.member_id not in away]
    planned: list[Planned] = []
    for chunk in chunks(s.member_id for s in ready):
        wanted = set(chunk)
        part = [s for s in ready if s.member_id in wanted]
        with engine.connect() as conn:
            new, rows = _plan_chunk(conn, settings, part, everyone, now)
        if dry_run:
            planned += [planned_of(r, everyone[r["member_id"]].email) for r in rows]
            continue
        if issue is not None:
            gone = set()
            for reminder in new:
                try:
                    issue(reminder.command())
                except NotFoundError:  # erased since this round began
                    gone.add(reminder.member_id)
            rows = [r for r in rows if r["member_id"] not in gone]
        with engine.begin() as conn:
            insert_rows(conn, rows)
        planned += [planned_of(r, everyone[r["member_id"]].email) for r in rows]
    return planned


__all__ = [
    "DUE_SOON_DAYS",
    "PRIORITY",
    "WAITING",
    "WEEKLY_CAP",
    "Reminder",
    "due_reminders",
    "plan_reminders",
    "render_reminder",
]
