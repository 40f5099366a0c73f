"""The audit export: metadata of every event, content only where the viewer may see
the item, chain hashes from the audit index, read in batches."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine, select

from projections import audit
from projections.audit import AuditIndex, audit_index, export_lines
from service import commands as c
from service.application import MomentumApplication
from tests.unit.projections.conftest import Sync


def _goal(app: MomentumApplication, owner: UUID, title: str, visibility: str) -> str:
    goal = c.SetGoal(
        owner, title, "short", "It matters", date(2026, 6, 30), visibility=visibility
    )
    return str(app.handle(goal).id)


def _export(
    app: MomentumApplication, engine: Engine, viewer: UUID | None, **page: Any
) -> tuple[str, list[dict[str, Any]]]:
    text = "".join(export_lines(app, engine, viewer, **page))
    return text, [json.loads(line) for line in text.splitlines()]


def test_export_shows_the_viewer_their_own_content_and_nobody_elses(
    app: MomentumApplication,
    register: Callable[..., UUID],
    project: Callable[..., Sync],
    engine: Engine,
) -> None:
    ann, bob = register("Ann"), register("Bob")
    own = _goal(app, ann, "Write the chapter on audit trails", "private")
    secret = _goal(app, bob, "Apply for the secret startup job", "private")
    project(AuditIndex())()
    with engine.connect() as conn:
        chained = dict(
            conn.execute(select(audit_index.c.position, audit_index.c.chain_hash)).all()
        )
    position = app.recorder.max_notification_id()

    text, lines = _export(app, engine, ann)
    assert [line["position"] for line in lines] == list(range(1, position + 1))
    assert all(line["chain_hash"] == chained[line["position"]] for line in lines)
    by_item = {line["aggregate_id"]: line for line in lines}
    assert by_item[own]["content"]["title"] == "Write the chapter on audit trails"
    assert (by_item[secret]["type"], by_item[secret]["actor_id"]) == (
        "GoalSet",
        str(bob),
    )
    assert by_item[secret]["content"] is None
    assert "secret startup" not in text and "password_hash" not in text


def test_the_operator_gets_metadata_only(
    app: MomentumApplication,
    register: Callable[..., UUID],
    engine: Engine,
    project: Callable[..., Sync],
) -> None:
    ann = register("Ann")
    _goal(app, ann, "Share the roadmap with the team", "group")
    project(AuditIndex())()
    text, lines = _export(app, engine, None)
    assert len(lines) == app.recorder.max_notification_id()
    assert all(line["content"] is None for line in lines)
    assert {line["type"] for line in lines} >= {"Registered", "GoalSet"}
    assert "roadmap" not in text and "ann@example.com" not in text


def test_export_pages_across_batches_and_has_no_hash_while_the_index_lags(
    app: MomentumApplication,
    register: Callable[..., UUID],
    engine: Engine,
    project: Callable[..., Sync],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("Ann", "Bob", "Cy"):
        register(name)
    sync = project(AuditIndex())
    sync()
    indexed = app.recorder.max_notification_id()
    register("Dee")  # not indexed yet
    monkeypatch.setattr(audit, "EXPORT_BATCH", 2)
    _, page = _export(app, engine, None, after=1, limit=3)
    assert [line["position"] for line in page] == [2, 3, 4]
    _, rest = _export(app, engine, None, after=indexed - 1)
    newest = app.recorder.max_notification_id()
    assert [line["position"] for line in rest] == list(range(indexed, newest + 1))
    assert rest[0]["chain_hash"] is not None  # indexed
    assert [line["chain_hash"] for line in rest[1:]] == [None] * (newest - indexed)
    assert _export(app, engine, None, after=app.recorder.max_notification_id())[1] == []
