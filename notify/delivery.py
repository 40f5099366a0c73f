"""Delivering the outbox (SPEC 8): one round is plan (reminders, then digests),
then send (`run_round`).

The sender takes due rows one at a time, each in its own transaction: it selects the
row (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two senders never take the same row;
on SQLite a conditional update takes the database's write lock first, so a second
sender waits and then finds the row sent), sends it, marks it `sent` and commits.
Exactly once per (member, kind, period):

- the outbox's unique key means a period is planned once, whatever the number of
  rounds or planners;
- a crash before the relay accepted a message leaves the row `planned`: a later round
  sends it;
- a crash after the relay accepted it but before the commit also leaves it `planned`:
  that one message (the one in flight) goes again, with the same `Message-ID` (kept
  in the row), so mail clients show it once; no other message can go twice, as each
  row is marked sent before the next is taken.

A failed attempt (the relay is down, a 4xx) counts an attempt and moves
`next_attempt_at` on by `BACKOFF_FIRST` doubled per attempt, at most `BACKOFF_MAX`,
counted from the round's `now` (the same clock as `--now`); when the next attempt
would fall more than `GIVE_UP_AFTER` after the row was planned, or the relay refuses
it for good (5xx), the row is `failed` with the error.

With no relay (`MOMENTUM_SMTP_URL` unset) the transport is the local outbox: a row is
marked `sent` and stays in the table, where `/dev/mail` shows it.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import parseaddr
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlparse

from sqlalchemy import Connection, Engine, Select, bindparam, select, update

from notify.outbox import Mail, forget_erased, outbox
from notify.planning import Plan, plan_digests
from notify.reminders import Issue, plan_reminders
from service.settings import Settings

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=1)


class Transport(Protocol):
    """Where messages go: an SMTP relay or the local outbox."""

    def send(self, message: Message) -> None:
        """Hand over one message; raise on failure."""

    def close(self) -> None:
        """Release any connection."""


class LocalTransport:
    """No relay configured: a sent row stays in the outbox for /dev/mail."""

    def send(self, message: Message) -> None:
        return None

    def close(self) -> None:
        return None


class SmtpTransport:
    """An SMTP relay from `MOMENTUM_SMTP_URL`: `smtp://[user:pass@]host[:port]`
    (plain, or STARTTLS with `?starttls=1` or on port 587), `smtps://…` (TLS from the
    start, port 465 by default). One connection, opened when first needed and
    reopened after an error."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlparse(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("MOMENTUM_SMTP_URL must start with smtp:// or smtps://")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.tls else 25)
        query = parse_qs(parts.query)
        flag = query.get("starttls", [""])[0].lower()
        self.starttls = not self.tls and (
            flag in ("1", "true", "yes") or (self.port == 587 and flag == "")
        )
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password or "")
        self.timeout = timeout
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        conn: smtplib.SMTP
        if self.tls:
            conn = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                conn.starttls(context=context)
        if self.user:
            conn.login(self.user, self.password)
        return conn

    def send(self, message: Message) -> None:
        if self._conn is None:
            self._conn = self._connect()
        sender = parseaddr(str(message["From"]))[1]
        to = parseaddr(str(message["To"]))[1]
        try:
            self._conn.sendmail(sender, [to], wire_bytes(message))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()


def transport_for(settings: Settings) -> Transport:
    """The relay of the settings, or the local outbox when there is none."""
    if settings.smtp_url:
        return SmtpTransport(settings.smtp_url)
    return LocalTransport()


_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP  # bodies stay readable as they travel
_WIRE = compat32.clone(linesep="\r\n", max_line_length=998)
"""How a message is flattened for SMTP: CRLF line ends, as `sendmail` expects, and
headers folded only past SMTP's line limit (a `List-Unsubscribe` URL stays whole on
its line; encoded subjects are folded by `Header` itself)."""


def wire_bytes(message: Message) -> bytes:
    """The message as it goes over SMTP."""
    return message.as_bytes(policy=_WIRE)


def email_of(mail: Mail) -> Message:
    """The row as an email: `multipart/alternative` of its text and HTML (UTF-8)
    under its stored headers. The MIME boundary is derived from the Message-ID, so
    every attempt sends the same bytes. Built with the standard library's
    `email.mime` classes (compat32: a third of the cost of `EmailMessage`, which
    counts when a round sends ten thousand)."""
    boundary = "=_" + hashlib.sha256(mail.message_id.encode()).hexdigest()[:40]
    message = MIMEMultipart("alternative", boundary=boundary)
    for name, value in mail.headers.items():
        message[name] = value if value.isascii() else Header(value, "utf-8").encode()
    message.attach(MIMEText(mail.text_body, "plain", _UTF8_QP))  # type: ignore[arg-type]
    message.attach(MIMEText(mail.html_body, "html", _UTF8_QP))  # type: ignore[arg-type]
    return message


def _permanent(error: BaseException) -> bool:
    """A refusal the relay will not change its mind about (5xx)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 1 min, 2, 4, … at most 1 h."""
    delay: timedelta = BACKOFF_FIRST * 2 ** min(max(attempts - 1, 0), 12)
    return min(delay, BACKOFF_MAX)


@dataclass(frozen=True)
class Delivered:
    """One message a round handed over (or tried to), as its report names it."""

    kind: str
    period: str
    to_addr: str

    @classmethod
    def of(cls, mail: Mail) -> Delivered:
        return cls(mail.kind, mail.period, mail.to_addr)


@dataclass
class Sent:
    """What one sending pass did."""

    sent: list[Delivered] = field(default_factory=list)
    retrying: list[tuple[Delivered, str]] = field(default_factory=list)
    failed: list[tuple[Delivered, str]] = field(default_factory=list)


def due_mail(engine: Engine, now: datetime) -> list[Mail]:
    """Rows a sender would send at `now`, oldest first (for a dry run)."""
    with engine.connect() as conn:
        rows = conn.execute(_due_query(now))
        return [Mail.of(r) for r in rows]


def _due_query(now: datetime) -> Select[Any]:
    return (
        select(outbox)
        .where(outbox.c.status == "planned", outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
    )


# Built once: the sender runs these for every message, binding values only.
_THIS_ROW = outbox.c.id == bindparam("row_id")
_CLAIM = (
    update(outbox)
    .where(
        _THIS_ROW,
        outbox.c.status == "planned",
        outbox.c.next_attempt_at <= bindparam("now"),
    )
    .values(attempts=outbox.c.attempts)
)
_MARK_SENT = (
    update(outbox)
    .where(_THIS_ROW)
    .values(
        status="sent",
        attempts=bindparam("attempts"),
        sent_at=bindparam("sent_at"),
        last_error=None,
    )
)


def _claimed(conn: Connection, mail: Mail, now: datetime) -> bool:
    """On SQLite (no row locks), take the database's write lock with a conditional
    update of the row before sending: another sender waits for our commit, then
    finds the row no longer due. PostgreSQL's row lock has already done this."""
    if conn.dialect.name != "sqlite":
        return True
    still_due = conn.execute(_CLAIM, {"row_id": mail.id, "now": now})
    return bool(still_due.rowcount)


def _failed(
    conn: Connection, mail: Mail, now: datetime, error: Exception, done: Sent
) -> None:
    """Count a failed attempt: retry later with backoff, or give up."""
    text = f"{type(error).__name__}: {error}"[:2000]
    attempts = mail.attempts + 1
    later = now + backoff(attempts)
    give_up = _permanent(error) or (later - mail.created_at > GIVE_UP_AFTER)
    conn.execute(
        update(outbox)
        .where(outbox.c.id == mail.id)
        .values(
            attempts=attempts,
            last_error=text,
            status="failed" if give_up else "planned",
            next_attempt_at=mail.next_attempt_at if give_up else later,
        )
    )
    (done.failed if give_up else done.retrying).append((Delivered.of(mail), text))


def send_due(
    engine: Engine,
    now: datetime,
    transport: Transport,
    *,
    on_sent: Callable[[Mail], None] | None = None,
) -> Sent:
    """Send every row due at `now`, one transaction per row (see the module
    docstring); failures are retried by later rounds. Each pass leaves its row no
    longer due (sent, failed, or moved on by the backoff), so the loop ends; a row
    seen twice would mean otherwise, and ends it too."""
    done = Sent()
    seen: set[int] = set()
    next_due = _due_query(now).limit(1).with_for_update(skip_locked=True)
    try:
        with engine.connect() as conn:
            while True:
                with conn.begin():
                    row = conn.execute(next_due).first()
                    if row is None:
                        return done
                    mail = Mail.of(row)
                    if mail.id in seen:
                        raise RuntimeError(f"outbox row {mail.id} is still due")
                    seen.add(mail.id)
                    if not _claimed(conn, mail, now):
                        continue  # another sender took it between our look and now
                    try:
                        transport.send(email_of(mail))
                    except Exception as error:
                        _failed(conn, mail, now, error, done)
                        continue
                    conn.execute(
                        _MARK_SENT,
                        {
                            "row_id": mail.id,
                            "attempts": mail.attempts + 1,
                            "sent_at": now,
                        },
                    )
                    done.sent.append(Delivered.of(mail))
                if on_sent is not None:
                    on_sent(mail)
    finally:
        transport.close()


@dataclass
class RoundReport:
    """What one round planned and sent (or, on a dry run, would have)."""

    now: datetime
    dry_run: bool
    plan: Plan
    sent: Sent
    would_send: list[Delivered] = field(default_factory=list)
    forgotten: int = 0

    def lines(self) -> list[str]:
        """The report as lines for the command line."""
        verb = "would plan" if self.dry_run else "planned"
        out = [f"round at {self.now.isoformat()}{' (dry run)' if self.dry_run else ''}"]
        for p in self.plan.planned:
            what = p.status if p.status != "planned" else verb
            reason = f" ({p.reason})" if p.reason else ""
            out.append(f"  {what}: {p.kind} {p.period} to {p.email}{reason}")
        if self.plan.deferred:
            out.append(f"  deferred (quiet hours): {self.plan.deferred}")
        if self.dry_run:
            for m in self.would_send:
                out.append(f"  would send: {m.kind} {m.period} to {m.to_addr}")
        for m in self.sent.sent:
            out.append(f"  sent: {m.kind} {m.period} to {m.to_addr}")
        for m, error in self.sent.retrying:
            out.append(f"  will retry: {m.kind} {m.period} to {m.to_addr}: {error}")
        for m, error in self.sent.failed:
            out.append(f"  failed: {m.kind} {m.period} to {m.to_addr}: {error}")
        planned = sum(1 for p in self.plan.planned if p.status == "planned")
        skipped = len(self.plan.planned) - planned
        count = len(self.would_send) if self.dry_run else len(self.sent.sent)
        out.append(
            f"{planned} {verb}, {skipped} skipped, "
            f"{count} {'would be sent' if self.dry_run else 'sent'}, "
            f"{len(self.sent.retrying)} to retry, {len(self.sent.failed)} failed"
        )
        return out


def run_round(
    engine: Engine,
    settings: Settings,
    now: datetime,
    *,
    dry_run: bool = False,
    transport: Transport | None = None,
    issue: Issue | None = None,
) -> RoundReport:
    """One round: forget erased members' mail, plan the reminders (issuing their
    in-app notifications through `issue`), then the digests (which list the
    reminders folded over the week's cap), then send what is due. `dry_run` decides
    the same and changes nothing: nothing is recorded, issued or sent; the report
    lists what would be planned and which rows are due."""
    if dry_run:
        reminders = plan_reminders(engine, settings, now, dry_run=True)
        plan = plan_digests(engine, settings, now, dry_run=True)
        plan.planned[:0] = reminders
        report = RoundReport(now, True, plan, Sent())
        report.would_send = [Delivered.of(m) for m in due_mail(engine, now)]
        report.would_send += [
            Delivered(p.kind, p.period, p.email)
            for p in plan.planned
            if p.status == "planned"
        ]
        return report
    with engine.begin() as conn:
        forgotten = forget_erased(conn)
    reminders = plan_reminders(engine, settings, now, issue=issue)
    plan = plan_digests(engine, settings, now)
    plan.planned[:0] = reminders
    sent = send_due(engine, now, transport or transport_for(settings))
    return RoundReport(now, False, plan, sent, forgotten=forgotten)
