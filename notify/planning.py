"""Planning digests into the outbox (SPEC 8) for a given `now`.

Select → compose → render → record, a chunk of members at a time, a fixed number of
statements per chunk (the composers of `notify.digests` read in bulk):

- **Due**: frequency `daily` or `weekly` (`off`: nothing), on the member's weekday for
  weekly, once the member's local hour has come today. A round that runs late (the
  process was down) still plans today's digest; the period key (`weekly:2026-03-02`,
  from `digest_model.Period.key`) and the outbox's unique key mean it is never planned
  twice, whatever the number of rounds or planners.
- **Deferred** (nothing recorded): it is the member's quiet hours now; a later round
  the same day plans it once they end.
- **Skipped** (a `skipped` row with the reason in `last_error`, so it is decided once
  per period): `away` — today is one of the member's away days; `empty` — nothing
  worth saying.
- Mentor digests go to every mentor with an accepted mentee, group digests to every
  facilitator, on the mentor's or facilitator's own digest schedule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.utils import format_datetime, formataddr
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from notify.batch import chunks
from notify.digest_kinds import digest_kinds
from notify.digest_model import PERIOD_DAYS, Digest, MemberDigest, period_for
from notify.digests import COMPOSERS
from notify.outbox import folded_since, message_id, outbox
from notify.render import render
from notify.schedule import DIGEST_PREFERENCE, Schedule, away_today, schedules
from notify.unsubscribe import unsubscribe_token
from service.settings import Settings


@dataclass(frozen=True)
class Due:
    """A digest due now for one member: its kind and period."""

    schedule: Schedule
    kind: str  # digest:member, digest:mentor, digest:group
    period: str  # the period's key, e.g. weekly:2026-03-02

    @property
    def member_id(self) -> str:
        return self.schedule.member_id

    @property
    def frequency(self) -> str:
        return self.schedule.frequency(self.kind)


@dataclass(frozen=True)
class Planned:
    """One outbox row as planning decided it."""

    member_id: str
    email: str
    kind: str  # digest:member, digest:mentor, digest:group, reminder:<name>
    period: str
    status: str  # planned or skipped
    reason: str | None = None
    subject: str = ""


@dataclass
class Plan:
    """What one planning pass decided (and, unless a dry run, recorded)."""

    planned: list[Planned] = field(default_factory=list)
    deferred: int = 0  # digests due, not yet planned, in their member's quiet hours


def _due(now: datetime, found: Iterable[Schedule]) -> list[Due]:
    """Every digest due at `now`, whoever it is for (quiet hours included)."""
    due: list[Due] = []
    for schedule in found:
        for kind in DIGEST_PREFERENCE:
            if schedule.digest_due(kind):
                frequency = schedule.frequency(kind)
                period = period_for(frequency, now, schedule.timezone).key
                due.append(Due(schedule, kind, period))
    return due


def _recorded(conn: Connection, due: list[Due]) -> set[tuple[str, str, str]]:
    """The (member, kind, period) keys among `due` already in the outbox."""
    wanted = {(d.member_id, d.kind, d.period) for d in due}
    rows = conn.execute(
        select(outbox.c.member_id, outbox.c.kind, outbox.c.period).where(
            outbox.c.member_id.in_(sorted({d.member_id for d in due})),
            outbox.c.kind.in_(sorted({d.kind for d in due})),
        )
    )
    return {tuple(r) for r in rows if tuple(r) in wanted}  # type: ignore[misc]


def headers_for(
    settings: Settings, member_id: str, kind: str, period: str, to: str, now: datetime
) -> dict[str, str]:
    """Every header of the email (RFC 8058 one-click unsubscribe included)."""
    token = unsubscribe_token(settings.secret_key, UUID(member_id), kind)
    return {
        "From": settings.mail_from,
        "To": to,
        "Date": format_datetime(now),
        "Message-ID": message_id(settings.base_url, member_id, kind, period),
        "List-Unsubscribe": f"<{settings.base_url}/unsubscribe/{token}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def outbox_row(
    settings: Settings,
    member_id: str,
    kind: str,
    period: str,
    to: str,
    now: datetime,
    mail: tuple[str, str, str] | None,
    reason: str | None,
) -> dict[str, Any]:
    """An outbox row: `mail` is (subject, text, html); `reason` makes it skipped."""
    subject, text, html = mail or ("", "", "")
    headers = headers_for(settings, member_id, kind, period, to, now)
    headers["Subject"] = subject
    return {
        "member_id": member_id,
        "kind": kind,
        "period": period,
        "message_id": headers["Message-ID"],
        "to_addr": to,
        "subject": subject,
        "text_body": text,
        "html_body": html,
        "headers": json.dumps(headers),
        "status": "skipped" if reason else "planned",
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": reason,
        "created_at": now,
        "sent_at": None,
    }


def _row(
    settings: Settings,
    due: Due,
    now: datetime,
    digest: Digest | None,
    reason: str | None,
) -> dict[str, Any]:
    to, mail = due.schedule.email, None
    if digest is not None:
        rendered = render(digest, settings.base_url)
        mail = (rendered.subject, rendered.text, rendered.html)
        to = formataddr((digest.to.display_name, digest.to.email))
        if rendered.empty and reason is None:
            reason = "empty"
    return outbox_row(
        settings, due.member_id, due.kind, due.period, to, now, mail, reason
    )


def _compose(conn: Connection, due: list[Due], now: datetime) -> dict[str, Digest]:
    """The digests of these (one kind), by member, composed in bulk per frequency."""
    found: dict[str, Digest] = {}
    kind = due[0].kind.removeprefix("digest:")
    for frequency in ("daily", "weekly"):
        ids = [d.member_id for d in due if d.frequency == frequency]
        if ids:
            found.update(COMPOSERS[kind](conn, ids, now, frequency))
    return found


def _with_folded(
    conn: Connection, digests: dict[str, Digest], due: list[Due], now: datetime
) -> dict[str, Digest]:
    """Member digests with the reminders folded into them since the last digest
    (over the week's cap: "you also have…")."""
    since = {
        d.member_id: now - timedelta(days=PERIOD_DAYS[d.frequency])
        for d in due
        if d.member_id in digests
    }
    lines = folded_since(conn, since, now)
    return {
        m: replace(digest, also=tuple(lines[m]))  # type: ignore[type-var]
        if m in lines and isinstance(digest, MemberDigest)
        else digest
        for m, digest in digests.items()
    }


def _gets(conn: Connection, due: list[Due]) -> list[Due]:
    """Those of `due` the member gets at all (a mentor's digest while mentoring, a
    group digest while facilitating)."""
    gets = digest_kinds(conn, {d.member_id for d in due})
    return [d for d in due if d.kind.removeprefix("digest:") in gets[d.member_id]]


def _plan_chunk(
    conn: Connection, settings: Settings, due: list[Due], now: datetime
) -> list[dict[str, Any]]:
    recorded = _recorded(conn, due)
    todo = [d for d in due if (d.member_id, d.kind, d.period) not in recorded]
    away = away_today(conn, {d.member_id: d.schedule.today for d in todo})
    todo = _gets(conn, todo)
    rows: list[dict[str, Any]] = []
    for kind in DIGEST_PREFERENCE:
        these = [d for d in todo if d.kind == kind]
        present = [d for d in these if d.member_id not in away]
        digests = _compose(conn, present, now) if present else {}
        if kind == "digest:member" and digests:
            digests = _with_folded(conn, digests, present, now)
        for one in these:
            if one.member_id in away:
                rows.append(_row(settings, one, now, None, "away"))
            elif one.member_id in digests:
                rows.append(_row(settings, one, now, digests[one.member_id], None))
    return rows


def insert_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Record outbox rows; a key another planner recorded first is left as it is."""
    if not rows:
        return
    dialect = conn.dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = make(outbox).on_conflict_do_nothing(
        index_elements=["member_id", "kind", "period"]
    )
    conn.execute(statement, rows)


def planned_of(row: dict[str, Any], email: str) -> Planned:
    """What planning reports of one outbox row."""
    return Planned(
        row["member_id"],
        email,
        row["kind"],
        row["period"],
        row["status"],
        row["last_error"],
        row["subject"],
    )


def plan_digests(
    engine: Engine, settings: Settings, now: datetime, *, dry_run: bool = False
) -> Plan:
    """Record in the outbox every digest due at `now` (see the module docstring);
    with `dry_run`, decide the same and record nothing."""
    plan = Plan()
    with engine.connect() as conn:
        due = _due(now, schedules(conn, now))
        quiet = [d for d in due if d.schedule.quiet]
        for chunk in chunks(range(len(quiet))):
            part = _gets(conn, [quiet[int(i)] for i in chunk])
            recorded = _recorded(conn, part)
            plan.deferred += sum(
                (d.member_id, d.kind, d.period) not in recorded for d in part
            )
    ready = [d for d in due if not d.schedule.quiet]
    members_due = sorted({d.member_id for d in ready})
    emails = {d.member_id: d.schedule.email for d in ready}
    for chunk in chunks(members_due):
        wanted = set(chunk)
        with engine.begin() as conn:
            part = [d for d in ready if d.member_id in wanted]
            rows = _plan_chunk(conn, settings, part, now)
            if not dry_run:
                insert_rows(conn, rows)
        plan.planned += [planned_of(r, emails[r["member_id"]]) for r in rows]
    return plan


__all__ = [
    "Plan",
    "Planned",
    "headers_for",
    "insert_rows",
    "outbox_row",
    "plan_digests",
    "planned_of",
]
