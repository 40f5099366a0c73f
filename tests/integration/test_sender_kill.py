"""The mail sender killed with SIGKILL at random points, in a real process, on SQLite
and PostgreSQL: nothing is lost, and at most the one message in flight goes twice,
with the same Message-ID (the argument of `notify.delivery`'s docstring, tested).

One round of digests is planned once; each trial puts its rows back to `planned`,
forks a sender (`send_due` with an engine of its own), kills it once the relay has
received a random number of messages plus a random fraction of a message's time, and
lets an in-process sender finish the round. The relay takes `REPLY_DELAY` to answer
each message it has already kept, so many kills land with a message in flight.

The seed is random per run and printed in every failure; set MOMENTUM_KILL_SEED to
replay a run's choices (the timing of a kill is the machine's, not the seed's).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select, text, update

from notify.delivery import SmtpTransport, send_due
from notify.outbox import outbox
from notify.planning import plan_digests
from projections.db import make_engine
from service.clock import FixedClock
from system import open_system
from tests.integration.mail import World, mail_settings, utc

TRIALS = 30
MEMBERS = 6
REPLY_DELAY = 0.01  # seconds the relay holds each kept message before its 250
NOW = utc(2026, 3, 9, 8)  # Monday 08:00 UTC: everyone's weekly digest is due
WAIT = 10.0  # the bound on every wait for the relay or a process
FORK = multiprocessing.get_context("fork")


class SlowRelay:
    """An aiosmtpd handler that keeps each message as soon as it has it, then waits
    `REPLY_DELAY` before answering 250: a kill in that window leaves a message the
    relay has and the sender never heard about."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(  # noqa: N802 (aiosmtpd's name for the hook)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.arrived:
            self.received.append(parsed)
            self.arrived.notify_all()
        await asyncio.sleep(REPLY_DELAY)
        return "250 OK"

    def wait_for(self, count: int) -> bool:
        """Wait (at most `WAIT`) until `count` messages have arrived."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.received) >= count, WAIT)

    def take(self) -> list[EmailMessage]:
        """The messages received so far, forgetting them."""
        with self.arrived:
            got, self.received = self.received, []
            return got


@pytest.fixture(scope="module")
def relay() -> Iterator[tuple[SlowRelay, str]]:
    """A slow SMTP relay on 127.0.0.1 for this module, and its URL."""
    handler = SlowRelay()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, f"smtp://127.0.0.1:{port}"
    controller.stop()


@pytest.fixture
def planned(backend: str, clock: FixedClock, relay: tuple[SlowRelay, str]) -> str:
    """MEMBERS members with a week worth a digest, the round planned at NOW (nothing
    sent); the database URL."""
    settings = mail_settings(backend, relay[1])
    system = open_system(
        settings, clock=clock, follow=False, password_profile="CHEAPEST"
    )
    try:
        world = World(system, clock)
        for i in range(MEMBERS):
            world.join(f"Member{i}")
            world.act(f"Member{i}", utc(2026, 3, 4, 9))
        plan = plan_digests(system.engine, settings, NOW)
        assert [p.status for p in plan.planned] == ["planned"] * MEMBERS
    finally:
        system.close()  # no pooled connection for a forked sender to inherit
    return backend


def _send_in_child(database_url: str, relay_url: str, now: datetime) -> None:
    """The sender process: its own engine, the real relay."""
    send_due(make_engine(database_url), now, SmtpTransport(relay_url, timeout=WAIT))


@dataclass
class Trial:
    """What one trial chose and saw (its repr is the failure message)."""

    seed: int
    number: int
    after: int  # messages received before the kill
    jitter: float  # then this long (unless the sender finished first)
    exitcode: int | None = None
    received: int = 0
    repeated: int = 0


def _reset(engine: Engine) -> dict[str, str]:
    """Every row of the round back to `planned`; Message-ID → recipient."""
    with engine.begin() as conn:
        conn.execute(
            update(outbox).values(
                status="planned", attempts=0, sent_at=None, last_error=None
            )
        )
        rows = conn.execute(select(outbox.c.message_id, outbox.c.to_addr))
        return {r.message_id: r.to_addr for r in rows}


def _kill_mid_round(
    engine: Engine, database_url: str, relay: tuple[SlowRelay, str], trial: Trial
) -> None:
    """Fork a sender, SIGKILL it at the trial's point, reap it."""
    engine.dispose()  # the child must not share the parent's connections
    child = FORK.Process(
        target=_send_in_child, args=(database_url, relay[1], NOW), daemon=True
    )
    child.start()
    try:
        assert relay[0].wait_for(trial.after), f"{trial}: the relay got too little"
        child.join(trial.jitter)  # the random point inside a message's time
        if child.exitcode is None:
            assert child.pid is not None
            os.kill(child.pid, signal.SIGKILL)
    finally:
        child.join(WAIT)
        if child.exitcode is None:  # a hung child must not outlive the test
            child.kill()
            child.join(WAIT)
    trial.exitcode = child.exitcode


def _wait_for_locks_released(engine: Engine) -> None:
    """PostgreSQL: wait until the server has noticed the dead sender and dropped its
    transaction, else its row lock makes the next sender SKIP LOCKED that row. (On
    SQLite the kernel releases the file lock with the process.)"""
    if engine.dialect.name != "postgresql":
        return
    held = text(
        "SELECT count(*) FROM pg_locks"
        " WHERE relation = to_regclass('notify_outbox') AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + WAIT
    with engine.connect() as conn:
        while conn.execute(held).scalar_one():
            assert time.monotonic() < deadline, "the dead sender's lock stayed"
            time.sleep(0.005)  # polling: the server offers nothing to wait on


def _content(message: EmailMessage) -> tuple[list[tuple[str, str]], list[str]]:
    """A message's headers and parts, but not its MIME boundary (new per build)."""
    headers = [(k, str(v)) for k, v in message.items() if k != "Content-Type"]
    return headers, [str(part.get_content()) for part in message.iter_parts()]


def _check(
    got: list[EmailMessage], expected: dict[str, str], engine: Engine, trial: Trial
) -> None:
    """Each planned message came at least once, at most one came twice (a copy
    with the same Message-ID and body), nothing else came, every row is sent."""
    counts = Counter(str(m["Message-ID"]) for m in got)
    trial.received = len(got)
    trial.repeated = sum(n > 1 for n in counts.values())
    assert set(counts) == set(expected), f"{trial}: lost or foreign mail {counts}"
    assert max(counts.values()) <= 2 and trial.repeated <= 1, f"{trial}: {counts}"
    by_recipient: dict[str, list[EmailMessage]] = {}
    for message in got:
        to = str(message["To"].addresses[0].addr_spec)
        by_recipient.setdefault(to, []).append(message)
    for to, copies in by_recipient.items():
        first = copies[0]
        assert expected[str(first["Message-ID"])].endswith(f"<{to}>"), trial
        assert all(c["Message-ID"] == first["Message-ID"] for c in copies), trial
        assert all(_content(c) == _content(first) for c in copies), trial
    with engine.connect() as conn:
        statuses = Counter(conn.execute(select(outbox.c.status)).scalars())
    assert statuses == {"sent": MEMBERS}, f"{trial}: {statuses}"


def test_a_killed_sender_loses_nothing_and_repeats_at_most_the_message_in_flight(
    planned: str, relay: tuple[SlowRelay, str]
) -> None:
    seed = int(os.environ.get("MOMENTUM_KILL_SEED") or time.time_ns() % 2**32)
    rng = random.Random(seed)
    engine = make_engine(planned)
    trials: list[Trial] = []
    try:
        for _ in range(TRIALS):
            expected = _reset(engine)
            relay[0].take()
            after, jitter = rng.randrange(MEMBERS), rng.uniform(0, 2 * REPLY_DELAY)
            trial = Trial(seed, len(trials) + 1, after, jitter)
            trials.append(trial)
            _kill_mid_round(engine, planned, relay, trial)
            assert trial.exitcode in (0, -signal.SIGKILL), trial
            _wait_for_locks_released(engine)
            send_due(engine, NOW, SmtpTransport(relay[1], timeout=WAIT))
            _check(relay[0].take(), expected, engine, trial)
    finally:
        engine.dispose()
    summary = f"seed {seed}: {trials}"
    killed = sum(t.exitcode == -signal.SIGKILL for t in trials)
    assert killed >= TRIALS // 2, f"most senders should die mid-round; {summary}"
    assert any(t.repeated for t in trials), f"no kill caught a message; {summary}"
