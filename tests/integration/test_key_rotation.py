"""Rotating the server secret (`momentum keys rotate`, issue 17 item 4): member keys
re-wrapped, the email index re-keyed, the audit head signed anew; events unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner

from entrypoints.cli import main
from entrypoints.demo import DEMO_PASSWORD, demo_accounts, load_demo
from projections.audit import checkpoint_key, checkpoints, verify
from projections.privacy import export_document
from service import commands as c
from service.clock import FixedClock
from service.errors import AuthenticationError
from service.keys import SecretMismatchError
from service.settings import Settings
from system import System, build_application, open_system
from system.rotation import rotate, wrap_member_keys
from tests.conftest import PASSWORD, make_app
from tests.integration.test_cli import _run

OLD, NEW = "the-old-server-secret", "the-new-server-secret"
END = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _open(url: str, clock: FixedClock, secret: str, previous: str | None) -> System:
    settings = Settings(url, secret_key=secret, previous_secret_key=previous)
    return open_system(settings, clock=clock, follow=False, password_profile="CHEAPEST")


def _exports(system: System, members: dict[str, UUID]) -> dict[str, Any]:
    system.runner.catch_up()
    with system.read() as conn:
        return {
            email: export_document(system.app, conn, member, system.now())
            for email, member in members.items()
        }


def _signs_in(system: System, members: dict[str, UUID]) -> None:
    for email, member in members.items():
        assert system.app.authenticate(email.upper(), DEMO_PASSWORD) == member


def test_an_interrupted_rotation_resumes_and_leaves_the_old_secret_useless(
    empty_backend: str,
) -> None:
    clock = FixedClock(END - timedelta(days=200))
    system = _open(empty_backend, clock, OLD, None)
    load_demo(system.app, clock, weeks=12, end=END)
    emails = [a.email for a in demo_accounts()]
    ids = {e: system.app.member_id_for_email(e) for e in emails}
    members = {e: m for e, m in ids.items() if m is not None}
    erased_email = emails[-1]
    erased = members.pop(erased_email)
    system.write(c.EraseMember(erased, DEMO_PASSWORD))
    before = _exports(system, members)
    system.close()

    during = _open(empty_backend, clock, NEW, OLD)  # the service while it rotates
    stopped = rotate(during, batch_size=2, max_batches=1)
    assert (stopped.keys, stopped.finished) == (2, False)
    assert during.app.keys.store.count_pending() > 0  # some keys still under OLD
    _signs_in(during, members)  # rows and addresses under either secret
    assert _exports(during, members) == before
    done = rotate(during, batch_size=2)  # run again: it goes on where it stopped
    assert done.finished and done.emails == len(members)
    assert during.app.keys.store.count_pending() == 0
    assert done.checkpoint == during.app.recorder.max_notification_id()
    during.close()

    after = _open(empty_backend, clock, NEW, None)
    try:
        assert _exports(after, members) == before
        _signs_in(after, members)
        assert after.app.member_id_for_email(erased_email) is None
        assert after.app.keys.store.fetch(erased) == (True, None)
        with pytest.raises(AuthenticationError):
            after.app.authenticate(erased_email, DEMO_PASSWORD)
        with after.read() as conn:
            signed = checkpoints(conn)
        assert any(not s.valid(checkpoint_key(NEW)) for s in signed)  # OLD's
        assert signed[-1].position == done.checkpoint
        check = verify(after.app, after.engine, NEW)  # the new secret alone
        assert check.ok and check.checkpoints == len(signed) // 2 + 1
    finally:
        after.close()

    old_only = build_application(Settings(empty_backend, secret_key=OLD), clock=clock)
    try:
        assert all(old_only.member_id_for_email(e) is None for e in members)
        with pytest.raises(SecretMismatchError, match="another server secret"):
            old_only.repository.get(next(iter(members.values())))
    finally:
        old_only.close()


def test_keys_of_a_store_made_before_wrapping_are_read_then_wrapped(
    backend: str, clock: FixedClock
) -> None:
    app = make_app(backend, clock)
    ann = app.handle(c.RegisterMember("ann@example.com", PASSWORD, "Ann", "UTC")).id
    store: Any = app.keys.store
    raw = store.fetch(ann)[1]
    with store.datastore.transaction(commit=True) as cursor:  # as stores were
        cursor.execute(f"ALTER TABLE {store.table} DROP COLUMN wrapped_by")
        cursor.execute(f"UPDATE {store.table} SET key = {store.mark}", (raw,))
    app.close()

    upgraded = make_app(backend, clock)  # adds the column, reads the key unwrapped
    try:
        assert upgraded.get_member(ann).display_name == "Ann"
        assert wrap_member_keys(upgraded) == (1, True)
        assert upgraded.keys.store.fetch(ann) == (True, raw)
    finally:
        upgraded.close()
    other = build_application(Settings(backend, secret_key="another"), clock=clock)
    try:
        with pytest.raises(SecretMismatchError):
            other.get_member(ann)
    finally:
        other.close()


def test_keys_rotate_from_the_command_line(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run("init")
    clock = FixedClock(datetime.now(UTC))
    app = build_application(Settings.from_env(), clock=clock)
    app.handle(c.RegisterMember("ann@example.com", PASSWORD, "Ann Lee", "UTC"))
    app.close()
    old = (var_dir / "secret_key").read_text().strip()
    monkeypatch.setenv("MOMENTUM_SECRET_KEY", NEW)
    monkeypatch.setenv("MOMENTUM_SECRET_KEY_PREVIOUS", old)
    shown = _run("keys", "rotate")
    assert "1 member key(s) wrapped" in shown and "1 email address(es)" in shown
    monkeypatch.delenv("MOMENTUM_SECRET_KEY_PREVIOUS")
    assert '"display_name": "Ann Lee"' in _run("export", "ann@example.com")
    assert "0 member key(s) wrapped" in _run("keys", "rotate")  # nothing left
    monkeypatch.setenv("MOMENTUM_SECRET_KEY", old)
    refused = CliRunner().invoke(main, ["init"])
    assert refused.exit_code == 1
    assert "wrapped under another server secret" in refused.output
