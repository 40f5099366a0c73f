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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime, formataddr
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from notify.batch import chunks
from notify.digest_model import Digest, period_for
from notify.digests import COMPOSERS
from notify.outbox import message_id, outbox
from notify.recipients import groups_led_by, mentees_of
from notify.render import render
from notify.unsubscribe import unsubscribe_token
from projections.metrics import away_periods
from projections.relations import member_preferences, members
from service.domain.member import DEFAULT_PREFERENCES
from service.settings import Settings


@dataclass(frozen=True)
class Due:
    """A member whose digests are due now, with their schedule."""

    member_id: str
    email: str
    frequency: str  # daily or weekly
    period: str  # the period's key, e.g. weekly:2026-03-02
    local_day: str


@dataclass(frozen=True)
class Planned:
    """One outbox row as planning decided it."""

    member_id: str
    email: str
    kind: str  # digest:member, digest:mentor, digest:group
    period: str
    status: str  # planned or skipped
    reason: str | None = None
    subject: str = ""


@dataclass
class Plan:
    """What one planning pass decided (and, unless a dry run, recorded)."""

    planned: list[Planned] = field(default_factory=list)
    deferred: int = 0  # members due, not yet planned, in their quiet hours now


def _quiet(hour: int, start: int | None, end: int | None) -> bool:
    """True if `hour` is within quiet hours from `start` to `end` (may wrap)."""
    if start is None or end is None or start == end:
        return False
    return start <= hour < end if start < end else hour >= start or hour < end


def _due(now: datetime, rows: Iterable[Any], quiet: list[Due]) -> list[Due]:
    """Members whose digests are due at `now`; those in quiet hours go to `quiet`."""
    found: list[Due] = []
    for row in rows:
        frequency = row.digest or DEFAULT_PREFERENCES["digest"]
        if frequency not in ("daily", "weekly"):
            continue
        local = now.astimezone(ZoneInfo(row.timezone))
        weekday = DEFAULT_PREFERENCES["digest_weekday"]
        hour = DEFAULT_PREFERENCES["digest_hour"]
        if row.digest is not None:
            weekday, hour = row.digest_weekday, row.digest_hour
        if frequency == "weekly" and local.weekday() != weekday:
            continue
        if local.hour < hour:
            continue
        start, end = (
            (row.quiet_start, row.quiet_end)
            if row.digest is not None
            else (DEFAULT_PREFERENCES["quiet_start"], DEFAULT_PREFERENCES["quiet_end"])
        )
        period = period_for(frequency, now, row.timezone).key
        one = Due(row.member_id, row.email, frequency, period, local.date().isoformat())
        (quiet if _quiet(local.hour, start, end) else found).append(one)
    return found


def _candidates(conn: Connection) -> list[Any]:
    prefs = member_preferences.c
    query = (
        select(
            members.c.member_id,
            members.c.email,
            members.c.timezone,
            prefs.digest,
            prefs.digest_weekday,
            prefs.digest_hour,
            prefs.quiet_start,
            prefs.quiet_end,
        )
        .outerjoin(member_preferences, prefs.member_id == members.c.member_id)
        .order_by(members.c.member_id)
    )
    return list(conn.execute(query))


def _recorded(conn: Connection, due: list[Due]) -> set[tuple[str, str, str]]:
    """The (member, kind, period) keys of these members already in the outbox."""
    keys = {d.member_id: d.period for d in due}
    rows = conn.execute(
        select(outbox.c.member_id, outbox.c.kind, outbox.c.period).where(
            outbox.c.member_id.in_(list(keys))
        )
    )
    return {(m, k, p) for m, k, p in rows if keys.get(m) == p}


def _away(conn: Connection, due: list[Due]) -> set[str]:
    """Members among `due` for whom today (their own) is an away day."""
    today = {d.member_id: d.local_day for d in due}
    rows = conn.execute(
        select(
            away_periods.c.member_id, away_periods.c.starts_on, away_periods.c.ends_on
        ).where(away_periods.c.member_id.in_(list(today)))
    )
    return {
        m
        for m, first, last in rows
        if first.isoformat() <= today[m] <= last.isoformat()
    }


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


def _row(
    settings: Settings,
    due: Due,
    kind: str,
    now: datetime,
    digest: Digest | None,
    reason: str | None,
) -> dict[str, Any]:
    subject = text = html = ""
    to = due.email
    if digest is not None:
        rendered = render(digest, settings.base_url)
        subject, text, html = rendered.subject, rendered.text, rendered.html
        to = formataddr((digest.to.display_name, digest.to.email))
        if rendered.empty and reason is None:
            reason = "empty"
    headers = headers_for(settings, due.member_id, kind, due.period, to, now)
    headers["Subject"] = subject
    return {
        "member_id": due.member_id,
        "kind": kind,
        "period": due.period,
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


def _compose(
    conn: Connection, kind: str, due: Mapping[str, Due], now: datetime
) -> dict[str, Digest]:
    """Digests of `kind` for these members, by frequency (composed in bulk)."""
    found: dict[str, Digest] = {}
    for frequency in ("daily", "weekly"):
        ids = [m for m, d in due.items() if d.frequency == frequency]
        if ids:
            found.update(COMPOSERS[kind](conn, ids, now, frequency))
    return found


def _plan_chunk(
    conn: Connection, settings: Settings, due: list[Due], now: datetime
) -> list[dict[str, Any]]:
    recorded = _recorded(conn, due)
    away = _away(conn, due)
    by_id = {d.member_id: d for d in due}
    mentors = set(mentees_of(conn, list(by_id)))
    facilitators = set(groups_led_by(conn, list(by_id)))
    rows: list[dict[str, Any]] = []
    for kind, wanted in (
        ("member", set(by_id)),
        ("mentor", mentors),
        ("group", facilitators),
    ):
        outbox_kind = f"digest:{kind}"
        todo = {
            m: by_id[m]
            for m in sorted(wanted)
            if (m, outbox_kind, by_id[m].period) not in recorded
        }
        present = {m: d for m, d in todo.items() if m not in away}
        digests = _compose(conn, kind, present, now) if present else {}
        for member_id, one in todo.items():
            if member_id in away:
                rows.append(_row(settings, one, outbox_kind, now, None, "away"))
            elif member_id in digests:
                rows.append(
                    _row(settings, one, outbox_kind, now, digests[member_id], None)
                )
    return rows


def _insert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert the rows; a key another planner recorded first is left as it is."""
    if not rows:
        return
    dialect = conn.dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = make(outbox).on_conflict_do_nothing(
        index_elements=["member_id", "kind", "period"]
    )
    conn.execute(statement, rows)


def plan_digests(
    engine: Engine, settings: Settings, now: datetime, *, dry_run: bool = False
) -> Plan:
    """Record in the outbox every digest due at `now` (see the module docstring);
    with `dry_run`, decide the same and record nothing."""
    plan = Plan()
    quiet: list[Due] = []
    with engine.connect() as conn:
        due = _due(now, _candidates(conn), quiet)
        for chunk in chunks(d.member_id for d in quiet):
            wanted = set(chunk)
            part = [d for d in quiet if d.member_id in wanted]
            recorded = _recorded(conn, part)
            plan.deferred += sum(
                (d.member_id, "digest:member", d.period) not in recorded for d in part
            )
    by_id = {d.member_id: d for d in due}
    for chunk in chunks(by_id):
        with engine.begin() as conn:
            rows = _plan_chunk(conn, settings, [by_id[m] for m in chunk], now)
            if not dry_run:
                _insert(conn, rows)
        for r in rows:
            plan.planned.append(
                Planned(
                    r["member_id"],
                    by_id[r["member_id"]].email,
                    r["kind"],
                    r["period"],
                    r["status"],
                    r["last_error"],
                    r["subject"],
                )
            )
    return plan


__all__ = ["Plan", "Planned", "headers_for", "plan_digests"]
