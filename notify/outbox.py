"""The outbox (SPEC 8): one row per planned email, unique on (member, kind, period).

Beside the read models, not one of them: no read model lists `notify_outbox` among its
tables, so `momentum rebuild` never empties it (what was sent stays sent). It shares
their metadata and migrations (`projections/migrations/versions/0007_outbox.py`).

A row holds the message as it goes out — recipient, subject, both bodies and the
headers — so a retry or a resend after a crash sends the same bytes with the same
`Message-ID`. States:

- `planned`: to send at `next_attempt_at` (a failed attempt moves it on, with backoff);
- `sent`: handed to the SMTP relay, or kept in the local outbox (no relay configured:
  `/dev/mail` shows these rows);
- `failed`: gave up (a permanent refusal, or a day of retries); `last_error` says why;
- `skipped`: recorded so the period is never planned again, with the reason in
  `last_error` (`empty`: nothing worth saying; `away`: an away day; `folded`: a
  reminder over the week's cap, listed in the member's next digest instead;
  `turned off`: the member turned the kind off while it waited, e.g. for a retry).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    select,
    update,
)
from sqlalchemy.types import BigInteger

from projections.base import UTCDateTime
from projections.db import metadata
from projections.relations_queries import current_member_ids
from service.domain.member import REMINDERS

STATES = ("planned", "sent", "failed", "skipped")
FOLDED = "folded"
"""Why a reminder over the week's cap is `skipped`: the next digest lists it."""
TURNED_OFF = "turned off"
"""Why mail still waiting is `skipped` once its member turned its kind off."""

outbox = Table(
    "notify_outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("member_id", String(36), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("period", String(120), nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("to_addr", String(400), nullable=False),
    Column("subject", String(400), nullable=False),
    Column("text_body", Text, nullable=False),
    Column("html_body", Text, nullable=False),
    Column("headers", Text, nullable=False),  # JSON object: name → value
    Column("status", String(8), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    UniqueConstraint("member_id", "kind", "period", name="uq_notify_outbox_key"),
    Index("ix_notify_outbox_due", "status", "next_attempt_at"),
)
"""One row per (member, kind, period); see the module docstring for the states."""


def message_id(base_url: str, member_id: str, kind: str, period: str) -> str:
    """The deterministic Message-ID of (member, kind, period) on the base URL's host:
    `<` + the first 32 hex digits of SHA-256 over `member|kind|period` + `@host>`."""
    host = urlparse(base_url).hostname or "localhost"
    digest = hashlib.sha256(f"{member_id}|{kind}|{period}".encode()).hexdigest()
    return f"<{digest[:32]}@{host}>"


@dataclass(frozen=True)
class Mail:
    """One outbox row as the sender and /dev/mail read it."""

    id: int
    member_id: str
    kind: str
    period: str
    message_id: str
    to_addr: str
    subject: str
    text_body: str
    html_body: str
    headers: dict[str, str]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, row: Any) -> Mail:
        values = dict(row._mapping)
        values["headers"] = json.loads(values["headers"])
        return cls(**values)


def forget_erased(conn: Connection) -> int:
    """Delete the rows of members who are no longer members (erased: the relations
    read model drops them on Member.Erased); the number deleted."""
    gone = conn.execute(
        delete(outbox).where(outbox.c.member_id.not_in(current_member_ids()))
    )
    return int(gone.rowcount or 0)


def forget_sent_before(conn: Connection, cutoff: datetime) -> int:
    """Delete mail sent before `cutoff` (housekeeping); the number deleted."""
    gone = conn.execute(
        delete(outbox).where(outbox.c.status == "sent", outbox.c.sent_at < cutoff)
    )
    return int(gone.rowcount or 0)


def withdraw_unwanted(
    conn: Connection, member_id: str, preferences: Mapping[str, Any]
) -> int:
    """Skip the member's mail still waiting to go (`planned`, e.g. retrying after an
    outage) of every kind they have turned off since it was planned; how many. The
    reason is `turned off`."""
    digests = {
        "digest:member": "digest",
        "digest:mentor": "mentor_digest",
        "digest:group": "group_digest",
    }
    off = [k for k, name in digests.items() if preferences.get(name) == "off"]
    chosen = set(preferences.get("reminders") or ())
    off += [f"reminder:{name}" for name in REMINDERS if name not in chosen]
    if not off:
        return 0
    skipped = conn.execute(
        update(outbox)
        .where(
            outbox.c.member_id == member_id,
            outbox.c.status == "planned",
            outbox.c.kind.in_(off),
        )
        .values(status="skipped", last_error=TURNED_OFF)
    )
    return int(skipped.rowcount or 0)


def forget_member(conn: Connection, member_id: str) -> int:
    """Delete every row of one member (the erasure path); the number deleted."""
    gone = conn.execute(delete(outbox).where(outbox.c.member_id == member_id))
    return int(gone.rowcount or 0)


def folded_since(
    conn: Connection, since: Mapping[str, datetime], until: datetime
) -> dict[str, list[str]]:
    """Per member (given with the start of their window: the previous digest's
    time), the reminders folded into their next digest (over the week's cap) after
    then and up to `until`, each as its subject line, oldest first."""
    if not since:
        return {}
    rows = conn.execute(
        select(outbox.c.member_id, outbox.c.subject, outbox.c.created_at)
        .where(
            outbox.c.member_id.in_(sorted(since)),
            outbox.c.kind.like("reminder:%"),
            outbox.c.status == "skipped",
            outbox.c.last_error == FOLDED,
            outbox.c.created_at > min(since.values()),
            outbox.c.created_at <= until,
        )
        .order_by(outbox.c.created_at, outbox.c.id)
    )
    found: dict[str, list[str]] = {}
    for member_id, subject, created_at in rows:
        if created_at > since[member_id]:
            found.setdefault(member_id, []).append(subject)
    return found


def local_mail(
    conn: Connection, member_id: str | None = None, limit: int = 200
) -> list[Mail]:
    """Mail kept in the local outbox (sent with no relay), newest first; only the
    member's own when `member_id` is given."""
    query = select(outbox).where(outbox.c.status == "sent")
    if member_id is not None:
        query = query.where(outbox.c.member_id == member_id)
    rows = conn.execute(query.order_by(outbox.c.sent_at.desc(), outbox.c.id.desc()))
    return [Mail.of(r) for r in rows.fetchmany(limit)]


def mail_by_id(conn: Connection, mail_id: int) -> Mail | None:
    """One outbox row, or None."""
    row = conn.execute(select(outbox).where(outbox.c.id == mail_id)).first()
    return Mail.of(row) if row is not None else None


def troubled(conn: Connection, limit: int = 100) -> list[Mail]:
    """Deliveries that failed, or are waiting to be retried, newest first (the
    admin page)."""
    query = (
        select(outbox)
        .where(
            (outbox.c.status == "failed")
            | ((outbox.c.status == "planned") & (outbox.c.attempts > 0))
        )
        .order_by(outbox.c.next_attempt_at.desc(), outbox.c.id.desc())
    )
    return [Mail.of(r) for r in conn.execute(query).fetchmany(limit)]


def retry(conn: Connection, mail_id: int, now: datetime) -> bool:
    """Send a failed or waiting message again at the next round, with a new day of
    attempts; False if it is not failed or waiting."""
    again = conn.execute(
        update(outbox)
        .where(
            outbox.c.id == mail_id,
            outbox.c.status.in_(("failed", "planned")),
            outbox.c.attempts > 0,
        )
        .values(status="planned", next_attempt_at=now, created_at=now)
    )
    return bool(again.rowcount)
