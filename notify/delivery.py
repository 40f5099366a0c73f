"""Delivering the outbox (SPEC 8): one round is plan (reminders, then digests),
then send (`run_round`).

The sender reads due rows a page at a time and takes each in its own transaction: it
claims the row if it is still due (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
senders never take the same row; on SQLite a conditional update takes the database's
write lock first, so a second sender waits and then finds the row sent), sends it,
marks it `sent` and commits.
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

import functools
import hashlib
import smtplib
import ssl
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.policy import Compat32
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

    def send(self, message: Outgoing) -> None:
        """Hand over one message; raise on failure."""

    def close(self) -> None:
        """Release any connection."""


class LocalTransport:
    """No relay configured: a sent row stays in the outbox for /dev/mail."""

    def send(self, message: Outgoing) -> None:
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

    def send(self, message: Outgoing) -> None:
        if self._conn is None:
            self._conn = self._connect()
        try:
            self._conn.sendmail(message.sender, [message.recipient], message.data)
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


@functools.lru_cache(maxsize=64)
def _address(header: str) -> str:
    """The bare address of a From/To header (the envelope); the sender's own address
    is the same on every message, so it is parsed once."""
    return parseaddr(header)[1]


def transport_for(settings: Settings) -> Transport:
    """The relay of the settings, or the local outbox when there is none."""
    if settings.smtp_url:
        return SmtpTransport(settings.smtp_url)
    return LocalTransport()


_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP  # bodies stay readable as they travel


class _WirePolicy(Compat32):
    """How a message is flattened for SMTP: CRLF line ends, as `sendmail` expects, and
    headers folded only past SMTP's line limit (a `List-Unsubscribe` URL stays whole
    on its line; encoded subjects are folded by `Header` itself). A header that is
    one short ASCII line is written as it is, which is what compat32's `Header`
    folding would write too, without building a `Header` for it (the sender flattens
    ten thousand messages a round)."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if (
            isinstance(value, str)
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
            and len(name) + 2 + len(value) <= (self.max_line_length or 0)
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_WIRE = _WirePolicy(linesep="\r\n", max_line_length=998)


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
    message.attach(_text_part("plain", mail.text_body))
    message.attach(_text_part("html", mail.html_body))
    return message


def _text_part(subtype: str, body: str) -> Message:
    """The part `MIMEText(body, subtype, "utf-8")` with quoted-printable bodies would
    be, header for header and byte for byte, without its parameter parsing (which
    cost as much as the rest of the message)."""
    part = Message()
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    part["MIME-Version"] = "1.0"
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(_UTF8_QP.body_encode(body))
    return part


@dataclass(frozen=True)
class Outgoing:
    """One row's message as a relay takes it: the envelope and the bytes on the wire
    (the same bytes on every attempt)."""

    message: Message
    sender: str
    recipient: str
    data: bytes

    @classmethod
    def of(cls, mail: Mail) -> Outgoing:
        message = email_of(mail)
        sender = _address(str(message["From"]))
        recipient = _address(str(message["To"]))
        return cls(message, sender, recipient, wire_bytes(message))


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


PAGE = 200
"""Due rows read per query; each is still claimed and marked in its own transaction."""

# Built once: the sender runs these for every message, binding values only.
_STILL_DUE = (
    (outbox.c.id == bindparam("row_id"))
    & (outbox.c.status == "planned")
    & (outbox.c.next_attempt_at <= bindparam("now"))
)
_CLAIM_ROW_LOCK = (
    select(outbox.c.id).where(_STILL_DUE).with_for_update(skip_locked=True)
)
_CLAIM_WRITE_LOCK = update(outbox).where(_STILL_DUE).values(attempts=outbox.c.attempts)
_MARK_SENT = (
    update(outbox)
    .where(outbox.c.id == bindparam("row_id"))
    .values(
        status="sent",
        attempts=bindparam("attempts"),
        sent_at=bindparam("sent_at"),
        last_error=None,
    )
)


def _page_after(now: datetime, after: tuple[datetime, int] | None) -> Select[Any]:
    """The next `PAGE` due rows in sending order, after the key `after` (keyset
    paging: rows already passed are never read again, whatever became of them)."""
    query = _due_query(now)
    if after is not None:
        when, row_id = after
        query = query.where(
            (outbox.c.next_attempt_at > when)
            | ((outbox.c.next_attempt_at == when) & (outbox.c.id > row_id))
        )
    return query.limit(PAGE)


def _claimed(conn: Connection, mail: Mail, now: datetime) -> bool:
    """Take the row for this transaction if it is still due: on PostgreSQL its row
    lock (`FOR UPDATE SKIP LOCKED`: a row another sender holds is passed over); on
    SQLite (no row locks) the database's write lock, taken by a conditional update
    of the row, so a second sender waits for our commit and then finds the row no
    longer due."""
    values = {"row_id": mail.id, "now": now}
    if conn.dialect.name == "sqlite":
        return bool(conn.execute(_CLAIM_WRITE_LOCK, values).rowcount)
    return conn.execute(_CLAIM_ROW_LOCK, values).first() is not None


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
    """Send every row due at `now`, oldest first, one transaction per row (see the
    module docstring): due rows are read a page at a time without locks, and each
    is claimed (still due, not held by another sender), sent, and marked in a
    transaction of its own. Failures are retried by later rounds; paging by key
    reads each row once, so the loop ends.

    The next row's message is built on a helper thread while this one's is with
    the relay (building is pure: nothing is claimed or written ahead), so the
    sender's own work overlaps the relay's replies."""
    done = Sent()
    after: tuple[datetime, int] | None = None
    try:
        with engine.connect() as conn, ThreadPoolExecutor(1, "mail-builder") as builder:
            while True:
                with conn.begin():
                    page = [Mail.of(r) for r in conn.execute(_page_after(now, after))]
                if not page:
                    return done
                after = (page[-1].next_attempt_at, page[-1].id)
                ahead = builder.submit(Outgoing.of, page[0])
                for mail, following in zip(page, [*page[1:], None], strict=True):
                    built = ahead
                    if following is not None:
                        ahead = builder.submit(Outgoing.of, following)
                    if _send_one(conn, mail, now, transport, built, done) and on_sent:
                        on_sent(mail)
    finally:
        transport.close()


def _send_one(
    conn: Connection,
    mail: Mail,
    now: datetime,
    transport: Transport,
    built: Future[Outgoing],
    done: Sent,
) -> bool:
    """Claim, send and mark one row in one transaction; whether it went."""
    with conn.begin():
        if not _claimed(conn, mail, now):
            return False  # another sender took it since the page was read
        try:
            transport.send(built.result())
        except Exception as error:
            _failed(conn, mail, now, error, done)
            return False
        values = {"row_id": mail.id, "attempts": mail.attempts + 1, "sent_at": now}
        conn.execute(_MARK_SENT, values)
        done.sent.append(Delivered.of(mail))
        return True


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
