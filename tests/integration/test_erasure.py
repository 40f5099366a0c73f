"""Erasure by crypto-shredding on SQLite and PostgreSQL (SPEC 9): what is stored,
what is left after `EraseMember`, the audit chain, and every read model."""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse
from uuid import UUID

import psycopg
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from entrypoints.cli import main
from projections.audit import verify
from projections.db import make_engine
from projections.groups import board
from projections.mentoring import triage
from projections.privacy import member_rows
from projections.registry import all_models
from projections.relations import mentorships_of
from projections.runner import ProjectionRunner
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.crypto import POLICY
from service.errors import AuthenticationError
from tests.conftest import PASSWORD, make_app
from tests.histories import History, every_operation

SECRETS = ("Zelda", "Zanzibar", "xyzzy", "Quokka", "Zq-")
"""Text only the erased member ever wrote."""


@pytest.fixture
def engine(backend: str) -> Iterator[Engine]:
    found = make_engine(backend)
    yield found
    found.dispose()


def _runner(app: MomentumApplication, engine: Engine) -> ProjectionRunner:
    runner = ProjectionRunner(app, engine, all_models(), batch_size=37)
    runner.setup()
    return runner


def _raw_rows(backend: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows read straight from the event-store database, behind the library."""
    url = urlparse(backend)
    if url.scheme == "sqlite":
        with sqlite3.connect(url.path.removeprefix("/")) as db:
            return list(db.execute(sql.format(schema="main")))
    schema = parse_qs(url.query)["schema"][0]
    with psycopg.connect(backend.split("?")[0]) as db:
        return list(db.execute(sql.format(schema=f'"{schema}"')))


def _events_table(backend: str) -> str:
    return "stored_events" if backend.startswith("sqlite") else "momentum_events"


def _dump(runner: ProjectionRunner) -> dict[str, list[tuple[Any, ...]]]:
    with runner.engine.connect() as conn:
        return {
            t.name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr)
            for m in runner.models
            for t in m.tables
        }


def _text_hits(runner: ProjectionRunner, needles: tuple[str, ...]) -> list[Any]:
    """(table, row) for every read-model row holding one of `needles`."""
    hits = []
    for name, rows in _dump(runner).items():
        for row in rows:
            text = " ".join(str(v) for v in row)
            if any(n in text for n in needles):
                hits.append((name, row))
    return hits


def _story(
    app: MomentumApplication, clock: FixedClock
) -> tuple[History, dict[str, Any]]:
    """Every kind of event for five members; then em0 writes things only they wrote,
    and their mentor em2 writes feedback on em0's goal."""
    h = History(app, clock, "e")
    h.everything()
    m0, m2, m4 = h.m(0), h.m(2), h.m(4)
    due = clock.now().date() + timedelta(days=50)
    app.handle(c.UpdateProfile(m0, "Zelda Quixote", "Europe/Paris", "Zq-headline"))
    goal = app.handle(
        c.SetGoal(m0, "Visit the Zanzibar office", "long", "Zq-why", due)
    ).id
    app.handle(c.AddMilestone(m0, goal, "Zq-milestone"))
    app.handle(c.LogAction(m0, "learning", "Zq-action", goal_id=goal, notes="xyzzy"))
    app.handle(
        c.RecordReview(
            m0,
            {
                **dict.fromkeys(("motivation", "focus"), 2),
                **dict.fromkeys(("learning", "recognition", "satisfaction"), 3),
            },
            went_well="Quokka days",
            stuck_on="Zq-stuck",
        )
    )
    words = app.handle(c.GiveFeedback(m2, "goal", goal, "Kind words from em2")).id
    m4_goal = [g for owner, g in h.goals if owner == m4][1]  # mentors-visible
    app.handle(c.GiveFeedback(m0, "goal", m4_goal, "Zq-feedback to em4"))
    app.handle(c.ProposeMentorship(m0, "zq-newcomer@example.com", "Zq-message"))
    return h, {"goal": goal, "words": words}


def test_erasure_shreds_content_keeps_the_chain_and_purges_every_read_model(
    stored_app: MomentumApplication, engine: Engine, clock: FixedClock, backend: str
) -> None:
    app = stored_app
    h, made = _story(app, clock)
    m0, m2 = h.m(0), h.m(2)
    group0 = h.groups[0]
    runner = _runner(app, engine)
    runner.catch_up()
    table = _events_table(backend)
    raw = b"".join(
        bytes(r[0]) for r in _raw_rows(backend, f"SELECT state FROM {{schema}}.{table}")
    )
    for secret in (*SECRETS, "em0@example.com", "Kind words"):
        assert secret.encode() not in raw, secret
    with engine.connect() as conn:
        assert m0 in {UUID(c.member_id) for c in triage(conn, str(m2), clock.now())}
        assert member_rows(conn, m0)["rm_history_parties"], "the purge can fail"
    assert _text_hits(runner, SECRETS), "the check can fail"

    app.handle(c.EraseMember(m0, PASSWORD))
    runner.catch_up()

    # The key is gone from the database; the chain over the stored bytes still holds.
    keys = _raw_rows(
        backend, "SELECT member_id, key FROM {schema}.momentum_member_keys"
    )
    by_id = {UUID(str(k)): v for k, v in keys}
    assert by_id[m0] is None and by_id[m2] is not None
    check = verify(app, engine)
    assert check.ok and check.checked == app.recorder.max_notification_id()
    # Their events: metadata (type, time, ids, versions), no content.
    for e in [*app.events_of(m0), *app.events_of(made["goal"])]:
        if POLICY[type(e).__qualname__].fields:
            assert vars(e).get("content_erased") is True, type(e).__qualname__
        assert not any(s in repr(vars(e)) for s in SECRETS)
    goal_set = vars(next(iter(app.events_of(made["goal"]))))
    assert (goal_set["title"], goal_set["why"], goal_set["owner_id"]) == ("", "", m0)
    with pytest.raises(AuthenticationError):
        app.authenticate("em0@example.com", PASSWORD)
    # What others wrote stays theirs and readable.
    (given,) = list(app.events_of(made["words"]))
    assert given.text == "Kind words from em2"

    # Read models: nothing of theirs; others' views consistent.
    assert _text_hits(runner, SECRETS) == []
    with engine.connect() as conn:
        rows = member_rows(conn, m0)
        assert {t for t, r in rows.items() if r} == {"audit_index"}
        assert m0 not in {UUID(c.member_id) for c in triage(conn, str(m2), clock.now())}
        shown = board(conn, str(h.m(1)), str(group0), clock.now())
        assert shown is not None and str(m0) not in {m.member_id for m in shown.members}
        assert str(m0) not in {x for p in shown.buddy_pairs for x in p}
        links = mentorships_of(conn, str(h.m(4)))
        assert all(link.mentor_id != str(m0) for link in links)
    emails = [(t, r) for t, r in _text_hits(runner, ("em0@example.com",))]
    assert {t for t, _ in emails} <= {"rm_mentor_links", "rm_notifications_mentorships"}
    assert all(str(m0) not in r for _, r in emails)  # others' own invitations to them

    # A full rebuild after erasure equals the incremental state.
    incremental = _dump(runner)
    runner.rebuild()
    assert _dump(runner) == incremental


def test_erasure_leaves_nothing_readable_in_sqlite_files_or_their_side_files(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_app(f"sqlite:///{tmp_path}/events.sqlite", clock)
    engine = make_engine(f"sqlite:///{tmp_path}/events.sqlite")
    try:
        h, _ = _story(app, clock)
        m0 = h.m(0)
        runner = _runner(app, engine)
        runner.catch_up()
        (key,) = _raw_rows(
            f"sqlite:///{tmp_path}/events.sqlite",
            f"SELECT key FROM momentum_member_keys WHERE member_id = '{m0.hex}'",
        )
        needles = [s.encode() for s in SECRETS] + [bytes(key[0])]

        def hits() -> dict[str, list[bytes]]:
            found = {}
            for path in sorted(tmp_path.glob("*.sqlite*")):  # incl. -wal and -shm
                data = path.read_bytes()
                if inside := [n for n in needles if n in data]:
                    found[path.name] = inside
            return found

        assert "readmodels.sqlite-wal" in hits(), "the check can fail"
        app.handle(c.EraseMember(m0, PASSWORD))
        runner.catch_up()  # while both databases are open and in use
        assert hits() == {}
    finally:
        engine.dispose()
        app.close()


def test_a_restart_finishes_an_erasure_interrupted_before_the_key_was_destroyed(
    backend: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(backend, clock)
    ann = app.handle(c.RegisterMember("ann@example.com", PASSWORD, "Ann Zq-")).id
    goal = app.handle(
        c.SetGoal(ann, "Write the Zanzibar essay", "short", "Zq-why", date(2026, 5, 1))
    ).id
    with monkeypatch.context() as patch:
        patch.setitem(app.after_save, c.EraseMember, lambda *_: None)  # crash here
        app.handle(c.EraseMember(ann, PASSWORD))
    assert app.repository.get(goal).title == "Write the Zanzibar essay"
    app.close()

    restarted = make_app(backend, clock)
    try:
        assert restarted.repository.get(goal).title == ""
        assert restarted.keys.store.fetch(ann) == (True, None)
    finally:
        restarted.close()


def test_the_cli_exports_a_member_and_verifies_the_chain_after_erasure(
    backend: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(backend, clock)
    ann = app.handle(c.RegisterMember("ann@example.com", PASSWORD, "Ann Zq-")).id
    app.handle(c.LogAction(ann, "learning", "Read the Zanzibar book"))
    app.close()
    monkeypatch.setenv("MOMENTUM_DATABASE_URL", backend)
    monkeypatch.setenv("MOMENTUM_SECRET_KEY", "test-secret")
    result = CliRunner().invoke(main, ["export", "ANN@example.com"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["member_id"] == str(ann)
    assert document["account"]["display_name"] == "Ann Zq-"
    assert "Read the Zanzibar book" in {
        e["data"].get("title") for e in document["events"]
    }
    assert document["read_models"]["rm_journal_entries"]
    unknown = CliRunner().invoke(main, ["export", "nobody@example.com"])
    assert unknown.exit_code == 1 and "No member" in unknown.output

    app = make_app(backend, clock)
    app.handle(c.EraseMember(ann, PASSWORD))
    app.close()
    verified = CliRunner().invoke(main, ["audit", "verify"])
    assert verified.exit_code == 0 and "Audit chain intact" in verified.output
    erased = CliRunner().invoke(main, ["export", "ann@example.com"])
    assert erased.exit_code == 1 and "No member" in erased.output  # email freed


_examples = itertools.count()


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(
    before=st.lists(every_operation, max_size=25),
    erased=st.lists(st.integers(0, 4), min_size=1, max_size=2),
    after=st.lists(every_operation, max_size=15),
    batch_size=st.integers(1, 40),
)
def test_rebuild_after_erasures_equals_the_incremental_build_on_random_histories(
    stored_app: MomentumApplication,
    engine: Engine,
    clock: FixedClock,
    before: list[tuple[Any, ...]],
    erased: list[int],
    after: list[tuple[Any, ...]],
    batch_size: int,
) -> None:
    h = History(stored_app, clock, f"x{next(_examples)}")
    runner = _runner(stored_app, engine)
    runner.batch_size = batch_size
    h.everything()
    for op in before:
        h.run(op)
    runner.catch_up()
    for i in erased:
        h.do(c.EraseMember(h.m(i), PASSWORD))
        runner.catch_up()
    for op in after:
        h.run(op)
    runner.catch_up()
    gone = [m for m in h.members if stored_app.keys.store.fetch(m) == (True, None)]
    with engine.connect() as conn:
        for member_id in gone:
            left = member_rows(conn, member_id)
            assert {t for t, rows in left.items() if rows} <= {"audit_index"}
    incremental = _dump(runner)
    runner.rebuild()
    assert _dump(runner) == incremental
