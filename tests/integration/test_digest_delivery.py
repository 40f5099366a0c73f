"""Digest emails planned into the outbox and delivered to a real SMTP server (aiosmtpd
on 127.0.0.1), on SQLite and PostgreSQL: the right people at their own local hour,
exactly once, through outages; every message multipart with RFC 8058 headers."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from email.message import EmailMessage

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from entrypoints.cli import main
from notify.delivery import Outgoing, SmtpTransport
from notify.outbox import message_id, outbox
from notify.unsubscribe import read_unsubscribe_token
from service import commands as c
from tests.conftest import PASSWORD
from tests.integration.mail import (
    BASE_URL,
    SECRET,
    Collector,
    World,
    bodies,
    check_email,
    free_port,
    recipients,
    utc,
)


def test_each_member_gets_the_digest_at_their_own_local_hour_odd_offsets(
    world: World, smtp: Collector
) -> None:
    """Weekly, Monday 08:00 (the default): Kathmandu (+05:45) at 02:15 UTC, Kolkata
    (+05:30) at 02:30 UTC, London (UTC in March) at 08:00 UTC."""
    for name, zone in (
        ("Ram", "Asia/Kathmandu"),
        ("Priya", "Asia/Kolkata"),
        ("Lee", "Europe/London"),
    ):
        world.join(name, zone)
        world.act(name, utc(2026, 3, 4, 9))
    monday = (2026, 3, 9)
    world.round(utc(*monday, 2, 14))
    assert smtp.messages == []
    world.round(utc(*monday, 2, 15))
    assert recipients(smtp) == ["ram@example.com"]
    world.round(utc(*monday, 2, 29))
    assert recipients(smtp) == ["ram@example.com"]
    world.round(utc(*monday, 2, 30))
    assert recipients(smtp) == ["priya@example.com", "ram@example.com"]
    world.round(utc(*monday, 7, 59))
    assert len(smtp.messages) == 2
    world.round(utc(*monday, 8, 0))
    assert recipients(smtp) == [
        "lee@example.com",
        "priya@example.com",
        "ram@example.com",
    ]
    for message in smtp.messages:
        name = message["To"].addresses[0].display_name
        check_email(message, world.ids[name], "digest:member")
        assert message["Message-ID"] == message_id(
            BASE_URL, str(world.ids[name]), "digest:member", "weekly:2026-03-02"
        )
        text, html = bodies(message)
        assert "1 action" in text and "1 action" in html
        assert "1 action" in message["Subject"]
    # nothing on Tuesday: the digest is weekly
    world.round(utc(2026, 3, 10, 9))
    assert len(smtp.messages) == 3


def test_berlin_at_eight_across_both_dst_changes(world: World, smtp: Collector) -> None:
    """08:00 in Berlin is 06:00 UTC on the last Monday of March (CEST, the day after
    the change) and 07:00 UTC on the last Monday of October (CET again)."""
    world.join("Jonas", "Europe/Berlin")
    world.act("Jonas", utc(2026, 3, 24, 10))
    world.round(utc(2026, 3, 30, 5, 59))
    assert smtp.messages == []
    world.round(utc(2026, 3, 30, 6, 0))
    assert recipients(smtp) == ["jonas@example.com"]
    world.act("Jonas", utc(2026, 10, 20, 10))
    world.round(utc(2026, 10, 26, 6, 59))
    assert len(smtp.messages) == 1
    world.round(utc(2026, 10, 26, 7, 0))
    assert recipients(smtp) == ["jonas@example.com", "jonas@example.com"]
    first, second = smtp.messages
    assert first["Message-ID"] != second["Message-ID"]
    assert "23 Mar" in bodies(first)[0] and "19 Oct" in bodies(second)[0]


def test_a_late_round_still_sends_today_and_no_round_sends_twice(
    world: World, smtp: Collector
) -> None:
    world.join("Ann")
    world.act("Ann", utc(2026, 3, 4, 9))
    world.round(utc(2026, 3, 9, 7))  # before her hour
    world.round(utc(2026, 3, 9, 18, 40))  # the process was down until the evening
    world.round(utc(2026, 3, 9, 18, 40))
    world.round(utc(2026, 3, 9, 18, 55))
    assert recipients(smtp) == ["ann@example.com"]
    assert [r.status for r in world.rows()] == ["sent"]


def test_skipped_off_quiet_hours_away_and_empty(world: World, smtp: Collector) -> None:
    """Off: nothing planned. Quiet hours: nothing now. Away today, or nothing worth
    saying: a `skipped` row, so the period is decided once."""
    for name in ("Ann", "Off", "Night", "Away", "Idle"):
        world.join(name)
        if name != "Idle":
            world.act(name, utc(2026, 3, 4, 9))
    world.do(c.ChangePreferences(world.ids["Off"], {"digest": "off"}))
    world.do(c.ChangePreferences(world.ids["Night"], {"digest_hour": 22}))
    world.do(c.SetAwayPeriod(world.ids["Away"], date(2026, 3, 9), date(2026, 3, 13)))
    world.round(utc(2026, 3, 9, 9))
    report = world.round(utc(2026, 3, 9, 22, 30))  # Night's hour, in quiet hours
    assert report.plan.deferred == 1
    assert recipients(smtp) == ["ann@example.com"]
    by_member = {r.member_id: (r.status, r.last_error) for r in world.rows()}
    names = {str(v): k for k, v in world.ids.items()}
    assert {names[m]: s for m, s in by_member.items()} == {
        "Ann": ("sent", None),
        "Away": ("skipped", "away"),
        "Idle": ("skipped", "empty"),
    }


def test_mentor_and_group_digests_show_no_private_item(
    world: World, smtp: Collector
) -> None:
    mentee, mentor, lead = world.join("Ann"), world.join("Bob"), world.join("Cy")
    link = world.do(c.ProposeMentorship(mentee, "bob@example.com")).id
    world.do(c.AnswerMentorship(mentor, link, "accept"))
    group = world.do(c.CreateGroup(lead, "Career changers", "Keep going")).id
    token = world.do(c.InviteToGroup(lead, group)).extra["token"]
    world.do(c.JoinGroup(mentee, token))
    world.act(
        "Ann", utc(2026, 3, 4, 9), "Met a hiring manager", win=True, visibility="group"
    )
    world.act(
        "Ann", utc(2026, 3, 5, 9), "Secret salary plan", win=True, visibility="private"
    )
    world.round(utc(2026, 3, 9, 8))
    kinds = {(r.member_id, r.kind): r.status for r in world.rows()}
    assert kinds[(str(mentor), "digest:mentor")] == "sent"
    assert kinds[(str(lead), "digest:group")] == "sent"
    by_kind: dict[str, EmailMessage] = {}
    for message in smtp.messages:
        token_url = message["List-Unsubscribe"][len(f"<{BASE_URL}/unsubscribe/") : -1]
        member_id, kind = read_unsubscribe_token(SECRET, token_url)
        check_email(message, member_id, kind)
        by_kind[kind] = message
    assert set(by_kind) == {"digest:member", "digest:mentor", "digest:group"}
    for kind in ("digest:mentor", "digest:group"):
        text, html = bodies(by_kind[kind])
        assert "Met a hiring manager" in text and "Met a hiring manager" in html
        assert "Secret salary plan" not in text and "Secret salary plan" not in html
    assert "Secret salary plan" in bodies(by_kind["digest:member"])[0]


def test_an_outage_delays_then_delivers_everything_exactly_once(
    world: World, smtp: Collector
) -> None:
    for name in ("Ann", "Ben", "Cat"):
        world.join(name)
        world.act(name, utc(2026, 3, 4, 9))
    start = utc(2026, 3, 9, 8)
    down = SmtpTransport(f"smtp://127.0.0.1:{free_port()}", timeout=5)
    report = world.round(start, transport=down)  # no server there
    assert len(report.sent.retrying) == 3 and smtp.messages == []
    assert {r.next_attempt_at for r in world.rows()} == {start + timedelta(minutes=1)}
    smtp.refusing = True  # up, but 451
    report = world.round(start + timedelta(seconds=30))  # not due yet
    assert report.sent.retrying == [] and report.sent.sent == []
    report = world.round(start + timedelta(minutes=1))
    assert len(report.sent.retrying) == 3 and smtp.messages == []
    assert {r.attempts for r in world.rows()} == {2}
    assert all("451" in r.last_error for r in world.rows())
    smtp.refusing = False
    world.round(start + timedelta(minutes=2))  # next attempt at +3 min
    assert smtp.messages == []
    world.round(start + timedelta(minutes=3))
    world.round(start + timedelta(minutes=20))
    assert recipients(smtp) == ["ann@example.com", "ben@example.com", "cat@example.com"]
    assert len({m["Message-ID"] for m in smtp.messages}) == 3
    assert {r.status for r in world.rows()} == {"sent"}


def test_mail_waiting_for_a_retry_is_not_sent_once_its_kind_is_turned_off(
    world: World, smtp: Collector
) -> None:
    for name in ("Ann", "Ben"):
        world.join(name)
        world.act(name, utc(2026, 3, 4, 9))
    start = utc(2026, 3, 9, 8)
    down = SmtpTransport(f"smtp://127.0.0.1:{free_port()}", timeout=5)
    assert len(world.round(start, transport=down).sent.retrying) == 2
    world.system.write(c.ChangePreferences(world.ids["Ann"], {"digest": "off"}))
    world.round(start + timedelta(minutes=5))
    assert recipients(smtp) == ["ben@example.com"]
    ann = world.rows(member_id=str(world.ids["Ann"]))
    assert [(r.status, r.last_error) for r in ann] == [("skipped", "turned off")]


def test_retries_give_up_after_a_day_as_failed(world: World, smtp: Collector) -> None:
    world.join("Ann")
    world.act("Ann", utc(2026, 3, 4, 9))
    smtp.refusing = True
    when = utc(2026, 3, 9, 8)
    while world.rows() == [] or world.rows()[0].status == "planned":
        world.round(when)
        when += timedelta(hours=1)
        assert when < utc(2026, 3, 11)
    [row] = world.rows()
    assert row.status == "failed" and "451" in row.last_error
    assert utc(2026, 3, 10, 6) <= when <= utc(2026, 3, 10, 10)
    smtp.refusing = False
    world.round(when + timedelta(days=1))
    assert smtp.messages == []


def test_dry_run_sends_and_writes_nothing_then_a_real_round_does(
    world: World, smtp: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.join("Ann")
    world.act("Ann", utc(2026, 3, 4, 9))
    settings = world.system.settings
    for name, value in (
        ("MOMENTUM_DATABASE_URL", settings.database_url),
        ("MOMENTUM_SECRET_KEY", SECRET),
        ("MOMENTUM_BASE_URL", BASE_URL),
        ("MOMENTUM_SMTP_URL", settings.smtp_url or ""),
    ):
        monkeypatch.setenv(name, value)
    events_before = world.system.app.recorder.max_notification_id()
    runner = CliRunner()
    dry = runner.invoke(
        main,
        ["digests", "send", "--now", "2026-03-09T08:00:00Z", "--dry-run"],
        catch_exceptions=False,
    )
    assert dry.exit_code == 0, dry.output
    assert (
        "would plan: digest:member weekly:2026-03-02 to ann@example.com" in dry.output
    )
    assert (
        "would send: digest:member weekly:2026-03-02 to ann@example.com" in dry.output
    )
    assert smtp.messages == [] and world.rows() == []
    assert world.system.app.recorder.max_notification_id() == events_before
    real = runner.invoke(
        main,
        ["digests", "send", "--now", "2026-03-09T08:00:00+00:00"],
        catch_exceptions=False,
    )
    assert real.exit_code == 0, real.output
    assert (
        "sent: digest:member weekly:2026-03-02 to Ann <ann@example.com>" in real.output
    )
    assert recipients(smtp) == ["ann@example.com"]
    again = runner.invoke(main, ["digests", "send", "--now", "2026-03-09T09:00:00"])
    assert "0 planned, 0 skipped, 0 sent" in again.output
    assert len(smtp.messages) == 1


def test_erasure_removes_the_members_outbox_rows(world: World, smtp: Collector) -> None:
    ann = world.join("Ann")
    world.join("Ben")
    for name in ("Ann", "Ben"):
        world.act(name, utc(2026, 3, 4, 9))
    world.round(utc(2026, 3, 9, 8))
    assert len(world.rows(member_id=str(ann))) == 1
    world.do(c.EraseMember(ann, PASSWORD))
    world.round(utc(2026, 3, 9, 8, 15))
    assert world.rows(member_id=str(ann)) == []
    with world.system.read() as conn:
        assert conn.execute(select(func.count()).select_from(outbox)).scalar() == 1
    world.round(utc(2026, 3, 16, 8))  # and nothing is planned for her again
    assert world.rows(member_id=str(ann)) == []


class Crash(BaseException):
    """The process dying (not an error the sender handles)."""


class CrashingRelay:
    """The real relay; the process dies right after the relay accepted message
    number `after` (before the sender could mark it sent) — or, with `before`,
    just before handing it over."""

    def __init__(self, url: str, after: int, *, before: bool = False) -> None:
        self.relay = SmtpTransport(url, timeout=5)
        self.after, self.before, self.count = after, before, 0

    def send(self, message: Outgoing) -> None:
        self.count += 1
        if self.before and self.count == self.after:
            raise Crash
        self.relay.send(message)
        if not self.before and self.count == self.after:
            raise Crash

    def close(self) -> None:
        self.relay.close()


@pytest.mark.parametrize("before", [False, True], ids=["after-accept", "before-send"])
def test_a_crash_loses_nothing_and_repeats_at_most_the_message_in_flight(
    world: World, smtp: Collector, smtp_server: tuple[Collector, str], before: bool
) -> None:
    for name in ("Ann", "Ben", "Cat"):
        world.join(name)
        world.act(name, utc(2026, 3, 4, 9))
    crashing = CrashingRelay(smtp_server[1], after=2, before=before)
    with pytest.raises(Crash):
        world.round(utc(2026, 3, 9, 8), transport=crashing)
    world.round(utc(2026, 3, 9, 8, 15))  # the next round, after a restart
    world.round(utc(2026, 3, 9, 8, 30))
    got = recipients(smtp)
    assert sorted(set(got)) == ["ann@example.com", "ben@example.com", "cat@example.com"]
    assert len(got) == (3 if before else 4)
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(set(ids)) == 3  # a repeat carries the same Message-ID
    assert {r.status for r in world.rows()} == {"sent"}


def test_two_rounds_at_once_in_two_processes_send_each_digest_once(
    world: World, smtp: Collector, smtp_server: tuple[Collector, str]
) -> None:
    names = [f"Member{i:02d}" for i in range(24)]
    for name in names:
        world.join(name)
        world.act(name, utc(2026, 3, 4, 9))
    settings = world.system.settings
    env = {
        **os.environ,
        "MOMENTUM_DATABASE_URL": settings.database_url,
        "MOMENTUM_SECRET_KEY": SECRET,
        "MOMENTUM_BASE_URL": BASE_URL,
        "MOMENTUM_SMTP_URL": smtp_server[1],
    }
    command = [sys.executable, "-m", "entrypoints.cli", "digests", "send"]
    rounds = [
        subprocess.Popen(
            [*command, "--now", "2026-03-09T08:00:00Z"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [r.communicate(timeout=120)[0] for r in rounds]
    assert [r.returncode for r in rounds] == [0, 0], outputs
    assert recipients(smtp) == sorted(f"{n.lower()}@example.com" for n in names)
    assert len({m["Message-ID"] for m in smtp.messages}) == len(names)
