"""Mail in integration tests: a real SMTP server's handler (aiosmtpd on 127.0.0.1),
a small world of members driven through the application at fixed times, and checks
every delivered email must pass. The fixtures that use them are in `conftest.py`."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from uuid import UUID

from sqlalchemy import select

from notify.delivery import run_round
from notify.outbox import outbox
from notify.unsubscribe import read_unsubscribe_token
from service import commands as c
from service.clock import FixedClock
from service.settings import Settings
from system import System
from tests.conftest import PASSWORD

BASE_URL = "https://momentum.example.org"
SECRET = "test-secret"


class Collector:
    """An SMTP server's handler: keeps every message, or answers 451 while `down`."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refusing = False

    async def handle_DATA(  # noqa: N802 (aiosmtpd's name for the hook)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        if self.refusing:
            return "451 4.3.0 Try again later"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class World:
    system: System
    clock: FixedClock
    ids: dict[str, UUID] = field(default_factory=dict)

    def at(self, when: datetime) -> None:
        self.clock.set(when)

    def do(self, command: c.Command) -> Any:
        result = self.system.app.handle(command)
        self.system.runner.catch_up()
        return result

    def join(self, name: str, timezone: str = "UTC") -> UUID:
        email = f"{name.lower()}@example.com"
        self.ids[name] = self.do(c.RegisterMember(email, PASSWORD, name, timezone)).id
        return self.ids[name]

    def act(
        self, name: str, when: datetime, title: str = "Sent an application", **more: Any
    ) -> UUID:
        self.at(when)
        return UUID(
            str(self.do(c.LogAction(self.ids[name], "networking", title, **more)).id)
        )

    def round(self, when: datetime, **more: Any) -> Any:
        self.at(when)
        return run_round(self.system.engine, self.system.settings, when, **more)

    def rows(self, **where: Any) -> list[Any]:
        query = select(outbox).order_by(outbox.c.id)
        for name, value in where.items():
            query = query.where(outbox.c[name] == value)
        with self.system.read() as conn:
            return list(conn.execute(query))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def recipients(smtp: Collector) -> list[str]:
    return sorted(str(m["To"].addresses[0].addr_spec) for m in smtp.messages)


def bodies(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def check_email(message: EmailMessage, member_id: UUID, kind: str) -> None:
    """multipart/alternative with both parts, the deterministic Message-ID, RFC 8058."""
    assert message.get_content_type() == "multipart/alternative"
    types = [part.get_content_type() for part in message.iter_parts()]
    assert types == ["text/plain", "text/html"]
    text, html = bodies(message)
    assert BASE_URL in text and BASE_URL in html
    assert "weekly" not in message["Message-ID"]  # a hash, not the period
    assert message["Message-ID"].endswith("@momentum.example.org>")
    unsubscribe = message["List-Unsubscribe"]
    assert (
        unsubscribe.startswith(f"<{BASE_URL}/unsubscribe/") and unsubscribe[-1] == ">"
    )
    token = unsubscribe[len(f"<{BASE_URL}/unsubscribe/") : -1]
    assert read_unsubscribe_token(SECRET, token) == (member_id, kind)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def mail_settings(database_url: str, smtp_url: str) -> Settings:
    """Settings of a system that mails through `smtp_url` on the test base URL."""
    return Settings(
        database_url=database_url,
        secret_key=SECRET,
        base_url=BASE_URL,
        smtp_url=smtp_url,
        mail_from="Momentum <digests@momentum.example.org>",
    )
