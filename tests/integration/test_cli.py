"""The `momentum` command line against a real SQLite store under a temporary var/."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from entrypoints.cli import main
from service import commands as c
from service.clock import FixedClock
from service.settings import Settings
from system import build_application
from tests.conftest import PASSWORD


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_init_creates_the_store_and_a_persistent_secret(var_dir: Path) -> None:
    assert "0 events" in _run("init")
    assert (var_dir / "events.sqlite").exists()
    key = (var_dir / "secret_key").read_text()
    _run("init")
    assert (var_dir / "secret_key").read_text() == key


def test_admin_grant_and_show_a_member(var_dir: Path) -> None:
    _run("init")
    app = build_application(  # with the secret `init` made, as the CLI does
        Settings.from_env(),
        clock=FixedClock(datetime.now(UTC)),
        password_profile="CHEAPEST",
    )
    ann = app.handle(c.RegisterMember("ann@example.com", PASSWORD, "Ann Lee", "UTC")).id
    app.handle(
        c.SetGoal(
            ann,
            "Run a workshop for the team",
            "short",
            "Practice teaching",
            due_on=app.clock.now().date() + timedelta(days=365),
        )
    )
    app.close()

    assert "ann@example.com is now admin" in _run("admin", "grant", "ANN@example.com")
    shown = _run("show", "ann@example.com")
    assert "Run a workshop for the team" in shown
    assert "RoleGranted" in shown or "GoalSet" in shown
    summary = _run("summary")
    assert "RoleGranted" in summary and "GoalSet" in summary


def test_unknown_email_is_a_clear_error(var_dir: Path) -> None:
    _run("init")
    result = CliRunner().invoke(main, ["admin", "grant", "nobody@example.com"])
    assert result.exit_code == 1
    assert "No member is registered with nobody@example.com" in result.output


def test_demo_loads_once_and_its_accounts_show(var_dir: Path) -> None:
    _run("init")
    loaded = _run("demo", "--seed", "3")
    assert "Demo loaded: 6 members" in loaded
    assert "amara.okafor@demo.momentum.test" in loaded
    again_if_empty = _run("demo", "--if-empty")
    assert "already has data" in again_if_empty
    assert "amara.okafor@demo.momentum.test" in again_if_empty  # still shown
    again = CliRunner().invoke(main, ["demo"])
    assert again.exit_code == 1 and "already loaded" in again.output
    shown = _run("show", "amara.okafor@demo.momentum.test")
    assert "Amara Okafor" in shown and "achieved" in shown


def test_project_rebuild_and_audit_verify(var_dir: Path) -> None:
    _run("init")
    _run("demo", "--seed", "5")
    applied = _run("project", "--once")
    assert "lag 0" in applied
    assert "Applied 0 events" in _run("project", "--once")  # nothing applied twice
    assert "Rebuilt relations from" in _run("rebuild", "relations")
    assert "Rebuilt all read models from" in _run("rebuild", "--processes", "2")
    assert "Applied 0 events" in _run("project", "--once")  # all at the head
    verified = _run("audit", "verify")
    assert "Audit chain intact" in verified
    unknown = CliRunner().invoke(main, ["rebuild", "nope"])
    assert unknown.exit_code == 2 and "unknown read model 'nope'" in unknown.output


def test_audit_export_writes_metadata_of_every_event_and_no_content(
    var_dir: Path,
) -> None:
    _run("init")
    _run("demo", "--seed", "5")
    lines = _run("audit", "export").splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["position"] for e in events] == list(range(1, len(events) + 1))
    assert {"aggregate_id", "type", "version", "actor_id", "time"} <= set(events[0])
    assert all(e["content"] is None for e in events)
    assert "Amara" not in "".join(lines)  # names are content, not metadata
    page = [
        json.loads(line)
        for line in _run(
            "audit", "export", "--after", "10", "--limit", "5"
        ).splitlines()
    ]
    assert [e["position"] for e in page] == [11, 12, 13, 14, 15]


def test_project_reports_a_stopped_read_model_and_fails_only_when_asked(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import system
    from tests.web.pages.test_stopped_read_model import RefusesGoals

    _run("init")
    _run("demo")  # the demo sets goals: the refuser stops on the first one
    everything = system.all_models()  # the models the composition root wires
    monkeypatch.setattr(system, "all_models", lambda: [*everything, RefusesGoals()])

    once = _run("project", "--once")
    assert "Read model refuser stopped at event" in once
    assert "(Goal.GoalSet): ValueError: cannot apply this goal" in once

    failing = CliRunner().invoke(main, ["project", "--once", "--fail-fast"])
    assert failing.exit_code == 1
    assert "1 read model(s) stopped" in failing.output

    rebuilt = CliRunner().invoke(main, ["rebuild", "refuser"])
    assert rebuilt.exit_code == 1  # a rebuild that cannot finish says so
    assert "Read model refuser stopped at event" in rebuilt.output
    assert "Rebuilt journal from" in _run("rebuild", "journal")  # others rebuild fine
