"""The bytes a relay receives: the sender's shortcuts (`_WirePolicy`, `_text_part`)
must give exactly what the standard library's compat32 flattening of the plain
`MIMEText` message gives, so mail clients see the same message and every retry of a
row sends the same bytes."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32, default

import pytest

from notify.delivery import Outgoing, email_of, wire_bytes
from notify.outbox import Mail

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
LONG_URL = "<https://momentum.example.org/unsubscribe/" + "a1B2-_" * 60 + ">"

SUBJECTS = [
    "Your week: 3 actions, 1 win",
    "Zoë's week: 3 actions — keep going",  # not ASCII: an encoded word
    "Ten   spaces  and\ttabs inside",
    "A very long subject " + "that keeps going " * 12,
    "Ünïcödé " * 30,  # long and not ASCII: folded by Header
]


TEXT = "Hi Zoë,\n\n3 actions = a good week.  \n"


def mail(subject: str, *, text: str = TEXT) -> Mail:
    headers = {
        "From": "Momentum <digests@momentum.example.org>",
        "To": "zoe@example.com",
        "Date": "Mon, 30 Nov 2026 08:00:00 +0000",
        "Message-ID": "<0123456789abcdef0123456789abcdef@momentum.example.org>",
        "List-Unsubscribe": LONG_URL,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "Subject": subject,
    }
    return Mail(
        id=1,
        member_id="m",
        kind="digest:member",
        period="2026-W48",
        message_id=headers["Message-ID"],
        to_addr="zoe@example.com",
        subject=subject,
        text_body=text,
        html_body="<p>Hi Zoë,</p>\n<p>" + "word " * 60 + "</p>\n",
        headers=headers,
        status="planned",
        attempts=0,
        next_attempt_at=NOW,
        last_error=None,
        created_at=NOW,
        sent_at=None,
    )


def by_the_book(m: Mail) -> bytes:
    """The same message built and flattened the standard library's plain way."""
    qp = Charset("utf-8")
    qp.body_encoding = QP
    boundary = email_of(m).get_boundary()
    message = MIMEMultipart("alternative", boundary=boundary)
    for name, value in m.headers.items():
        message[name] = value if value.isascii() else Header(value, "utf-8").encode()
    message.attach(MIMEText(m.text_body, "plain", qp))  # type: ignore[arg-type]
    message.attach(MIMEText(m.html_body, "html", qp))  # type: ignore[arg-type]
    policy = compat32.clone(linesep="\r\n", max_line_length=998)
    return message.as_bytes(policy=policy)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_the_wire_bytes_are_the_standard_librarys(subject: str) -> None:
    m = mail(subject)
    assert wire_bytes(email_of(m)) == by_the_book(m)


def test_a_parsed_message_reads_back_its_headers_and_both_parts() -> None:
    m = mail(SUBJECTS[4], text="Line one\nA line with = and trailing space \n")
    out = Outgoing.of(m)
    assert (out.sender, out.recipient) == ("digests@momentum.example.org", m.to_addr)
    assert b"\r\n" in out.data and b"\n" not in out.data.replace(b"\r\n", b"")
    parsed = email.message_from_bytes(out.data, policy=default)
    assert parsed["Subject"] == m.subject
    assert parsed["List-Unsubscribe"] == LONG_URL  # one line, never folded
    assert parsed.get_content_type() == "multipart/alternative"
    plain, html = parsed.iter_parts()
    assert plain.get_content().replace("\r\n", "\n") == m.text_body
    assert html.get_content().replace("\r\n", "\n") == m.html_body


def test_every_attempt_sends_the_same_bytes() -> None:
    m = mail(SUBJECTS[1])
    assert Outgoing.of(m).data == Outgoing.of(m).data


def test_a_text_part_has_the_headers_of_mimetext() -> None:
    part = email_of(mail(SUBJECTS[0])).get_payload(0)
    assert isinstance(part, Message)
    assert part.items() == [
        ("Content-Type", 'text/plain; charset="utf-8"'),
        ("MIME-Version", "1.0"),
        ("Content-Transfer-Encoding", "quoted-printable"),
    ]
