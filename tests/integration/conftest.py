"""Fixtures of the integration tests: the embedded default in a temp dir, and a real
SMTP server for the tests that send mail (see `mail.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from service.clock import FixedClock
from system import open_system
from tests.integration.mail import Collector, World, free_port, mail_settings


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The embedded default under tmp_path/var, with its own local secret."""
    for name in ("MOMENTUM_DATABASE_URL", "MOMENTUM_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MOMENTUM_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[Collector, str]]:
    """A real SMTP server on 127.0.0.1 for this module, and its URL."""
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, f"smtp://127.0.0.1:{port}"
    controller.stop()


@pytest.fixture
def smtp(smtp_server: tuple[Collector, str]) -> Iterator[Collector]:
    """The server's handler, with no messages yet."""
    handler = smtp_server[0]
    handler.messages.clear()
    handler.refusing = False
    yield handler
    handler.refusing = False


@pytest.fixture
def world(
    backend: str, clock: FixedClock, smtp_server: tuple[Collector, str]
) -> Iterator[World]:
    settings = mail_settings(backend, smtp_server[1])
    system = open_system(
        settings, clock=clock, follow=False, password_profile="CHEAPEST"
    )
    yield World(system, clock)
    system.close()
