"""Batch-at-a-time: rows loaded once per table, changed in memory in log order and
written in bulk; the journal built that way in one batch equals it built one event
per batch, on SQLite and PostgreSQL."""

from __future__ import annotations

import operator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    event,
    select,
)

from projections.batching import Batch, merge_rows
from projections.journal import Journal
from projections.metrics_tables import action_weeks
from projections.relations import Relations
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.conftest import PASSWORD
from tests.histories import History
from tests.unit.projections.batch_check import (
    equivalence_test,
    statements_for_one_batch,
)

meta = MetaData()
things = Table(
    "batch_things",
    meta,
    Column("id", String(8), primary_key=True),
    Column("owner", String(8), nullable=False),
    Column("name", String(20), nullable=False),
    Column("done", Boolean, nullable=False, default=False),
)


def _rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(things).order_by(things.c.id))]


def _seed(engine: Engine) -> None:
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            things.insert(),
            [
                {"id": "a", "owner": "x", "name": "A", "done": False},
                {"id": "b", "owner": "x", "name": "B", "done": False},
                {"id": "c", "owner": "y", "name": "C", "done": False},
                {"id": "d", "owner": "z", "name": "D", "done": True},
            ],
        )


def test_a_batch_loads_once_folds_in_memory_and_writes_in_bulk(
    engine: Engine, statements: list[str]
) -> None:
    _seed(engine)
    statements.clear()
    with engine.begin() as conn:
        batch = Batch([things])
        batch.load(conn, things, id=["a", "d", "zz"], owner=["y"])
        batch.load(conn, things, id=["a", "c"])  # all looked up already: no query
        rows = batch[things]
        assert rows.get("zz") is None  # looked up, not there
        assert rows.get("c") is not None  # came with owner y
        rows.insert(id="e", owner="y", name="E")  # `done` takes its default
        assert [r["id"] for r in rows.where("owner", "y")] == ["c", "e"]
        assert rows.update("e", name="E2")  # a row added earlier in the batch
        assert not rows.update("zz", name="?")
        rows.update("a", done=True)
        rows.delete("b")  # never loaded: deleted by key all the same
        rows.insert(id="f", owner="z", name="F")
        rows.purge("owner", ["z"])  # d in the database, f in memory
        rows.insert(id="g", owner="z", name="G")  # after the purge: kept
        batch.write(conn)
    sent = list(statements)
    assert _rows(engine) == [
        ("a", "x", "A", True),
        ("c", "y", "C", False),
        ("e", "y", "E2", False),
        ("g", "z", "G", False),
    ]
    # one load, then: the purge, the delete by key, one executemany of the upsert
    assert [s.split()[0] for s in sent] == ["SELECT", "DELETE", "DELETE", "INSERT"]
    assert "ON CONFLICT" in sent[-1]


def test_reading_what_was_not_loaded_raises_instead_of_missing_a_row(
    engine: Engine,
) -> None:
    _seed(engine)
    with engine.begin() as conn:
        batch = Batch([things])
        batch.load(conn, things, id=["a"])
        with pytest.raises(LookupError):
            batch[things].get("b")
        with pytest.raises(LookupError):
            batch[things].where("owner", "x")
        with pytest.raises(LookupError):
            batch[things].update("c", name="?")


def test_long_key_lists_are_loaded_and_deleted_in_chunks(engine: Engine) -> None:
    meta.create_all(engine)
    keys = [f"k{i}" for i in range(2500)]
    with engine.begin() as conn:
        batch = Batch([things])
        batch.load(conn, things, id=keys)
        for key in keys:
            batch[things].insert(id=key, owner="o", name=key)
        batch.write(conn)
    with engine.begin() as conn:
        batch = Batch([things])
        batch.load(conn, things, id=keys)
        assert len(batch[things].where("id", "k2499")) == 1
        batch[things].purge("id", keys[:1500])
        for key in keys[1500:2400]:
            batch[things].delete(key)
        batch.write(conn)
    assert [r[0] for r in _rows(engine)] == sorted(keys[2400:])


# The journal, one batch against one event per batch.


EXTRAS = st.lists(
    st.tuples(st.sampled_from(["erase", "timezone", "amend", "edit"]), st.integers()),
    max_size=5,
)


def _extra(history: History, kind: str, i: int) -> None:
    """What the random histories leave out: erasure, a new timezone, an amended
    review, an action moved to another goal and that goal's visibility changed."""
    member = history.m(i)
    if kind == "erase":
        history.do(c.EraseMember(member, PASSWORD))
    elif kind == "timezone":
        history.do(c.UpdateProfile(member, "N", "Pacific/Auckland"))
    elif kind == "amend":
        signals = dict.fromkeys(
            ("motivation", "focus", "learning", "recognition", "satisfaction"), 3
        )
        review = history.do(c.RecordReview(member, signals, went_well="fine"))
        if review is not None:
            history.do(c.AmendReview(member, review.id, {"went_well": "better"}))
            history.do(c.AmendReview(member, review.id, {"visibility": "private"}))
    else:
        for owner, action in history.actions[i % 3 :: 3]:
            goals = [goal for o, goal in history.goals if o == owner]
            goal = goals[i % len(goals)] if goals else None
            changes = {"goal_id": goal, "visibility": "mentors", "title": f"T{i}"}
            history.do(c.EditAction(owner, action, changes))
            if goal is not None:
                history.do(c.ReviseGoal(owner, goal, {"visibility": "group"}, "x"))


test_the_journal_in_one_batch_equals_it_one_event_per_batch = equivalence_test(
    lambda: [Relations(), Journal()], EXTRAS, _extra
)


def test_the_journal_sends_a_few_statements_per_batch_not_per_event(
    app: MomentumApplication, clock: FixedClock, engine: Engine, statements: list[str]
) -> None:
    history = History(app, clock, "s")
    history.everything()
    for i in range(4):
        _extra(history, "edit", i)
        _extra(history, "amend", i)
    history.do(c.EraseMember(history.m(4), PASSWORD))
    sent = statements_for_one_batch(app, engine, Journal(), statements)
    # loads: items (and the goals of edited actions), members, milestones, entries;
    # writes: at most purges, deletes and one upsert per column and table
    assert sent <= 5 + 3 * len(Journal.tables) + 4


def test_a_batch_writes_where_the_connection_translates_the_schema(
    tmp_path: Path,
) -> None:
    """Blue/green rebuilds write into a scratch schema (`schema_translate_map`): the
    upserts, sent with the driver's executemany, go there too."""
    engine = create_engine(f"sqlite:///{tmp_path}/main.sqlite")
    scratch_file = tmp_path / "scratch.sqlite"

    def attach(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"ATTACH DATABASE '{scratch_file}' AS scratch")

    event.listen(engine, "connect", attach)
    scratch = engine.execution_options(schema_translate_map={None: "scratch"})
    meta.create_all(engine)
    meta.create_all(scratch)
    for _ in range(2):  # the second time from the statements built the first
        with scratch.begin() as conn:
            batch = Batch([things])
            batch.load(conn, things, id=["a"])
            batch[things].insert(id="a", owner="o", name="A")
            batch.write(conn)
    assert _rows(engine) == []
    with scratch.connect() as conn:
        assert [tuple(r) for r in conn.execute(select(things))] == [
            ("a", "o", "A", False)
        ]


OWNERS = ("x", "y", "z")
IDS = tuple("abcdef")
step = st.one_of(
    st.tuples(st.just("insert"), st.sampled_from(IDS), st.sampled_from(OWNERS)),
    st.tuples(st.just("update"), st.sampled_from(IDS), st.sampled_from(OWNERS)),
    st.tuples(st.just("in place"), st.sampled_from(IDS), st.sampled_from(OWNERS)),
    st.tuples(st.just("delete"), st.sampled_from(IDS), st.none()),
    st.tuples(st.just("purge"), st.none(), st.sampled_from(OWNERS)),
)


@given(steps=st.lists(step, max_size=30))
@example(steps=[("insert", "a", "x"), ("insert", "b", "y"), ("in place", "a", "y")])
@settings(max_examples=200, deadline=None)
def test_where_and_purge_find_exactly_the_rows_a_full_scan_would(
    steps: list[tuple[str, str | None, str]],
) -> None:
    """`where` and `purge` look rows up through a per-column index (a batch holds
    thousands of rows): after any mix of inserts, updates, changes in place,
    deletes and purges they give what scanning every row in order gives."""
    rows = Batch([things])[things]
    rows._loaded("id", IDS, [])  # as `Batch.load` of an empty table
    rows._loaded("owner", OWNERS, [])
    scan: dict[str, dict[str, Any]] = {}  # the reference: every row, in order
    for kind, key, owner in steps:
        if kind == "insert":
            scan[key] = rows.insert(id=key, owner=owner, name=key)  # type: ignore[index]
        elif kind == "update":
            assert rows.update(key, owner=owner) == (key in scan)
        elif kind == "in place" and key in scan:
            scan[key]["owner"] = owner  # type: ignore[index]
            rows.changed(scan[key])  # type: ignore[index]
        elif kind == "delete":
            rows.delete(key)
            scan.pop(key, None)  # type: ignore[arg-type]
        elif kind == "purge":
            rows.purge("owner", [owner])
            scan = {k: r for k, r in scan.items() if r["owner"] != owner}
        for each in OWNERS:
            expected = [r for r in scan.values() if r["owner"] == each]
            assert rows.where("owner", each) == expected


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(),
    instant=st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.timezones(),
    ),
    flag=st.booleans(),
)
def test_rows_are_sent_to_sqlite_as_sqlalchemy_itself_would_send_them(
    day: Any, instant: Any, flag: bool
) -> None:
    """The quick bind processors of the bulk writes store the same text as the
    columns' own (a day or an instant stored differently would sort and compare
    wrongly against rows written by SQLAlchemy)."""
    from sqlalchemy.dialects import sqlite

    from projections import registry  # noqa: F401  (every read model's tables)
    from projections.batching import _processor
    from projections.db import metadata

    dialect = sqlite.dialect()
    samples = {"DATE": day, "DATETIME": instant, "BOOLEAN": flag}
    checked = set()
    for table in metadata.tables.values():
        for column in table.columns:
            kind = str(column.type.compile(dialect))
            if kind not in samples:
                continue
            ours = _processor(column.type, dialect)
            theirs = column.type._cached_bind_processor(dialect)
            assert ours is not None and theirs is not None
            value = samples[kind]
            assert ours(value) == theirs(value), (table.name, column.name)
            assert ours(None) == theirs(None) is None
            checked.add(kind)
    assert checked == set(samples)  # every kind found in some read model


def test_added_rows_add_their_tallies_to_a_row_already_there(
    backend_engine: Engine,
) -> None:
    """`merge_rows` adding (the metrics model's weekly tallies during a rebuild): a
    row for a key already stored adds the tally columns to it and replaces the
    others; a new key is inserted as given; on both backends."""
    tallies = {"w0": operator.add, "n0": operator.add}

    def week(member: str, w0: float, n0: int, run: int) -> dict[str, Any]:
        row = {f"w{n}": 0.0 for n in range(7)} | {f"n{n}": 0 for n in range(7)}
        return row | {
            "member_id": member,
            "week": date(2026, 11, 30),
            "w0": w0,
            "n0": n0,
            "raw_end": 0.0,
            "run": run,
            "review_run": 0,
            "last_day": None,
        }

    with backend_engine.begin() as conn:
        conn.execute(delete(action_weeks))
        merge_rows(conn, action_weeks, [week("m1", 1.5, 1, 1)], tallies)
    with backend_engine.begin() as conn:
        merge_rows(
            conn, action_weeks, [week("m1", 0.25, 2, 7), week("m2", 3.0, 1, 2)], tallies
        )
    with backend_engine.connect() as conn:
        found = conn.execute(
            select(
                action_weeks.c.member_id,
                action_weeks.c.w0,
                action_weeks.c.n0,
                action_weeks.c.run,
            ).order_by(action_weeks.c.member_id)
        ).all()
    assert [tuple(r) for r in found] == [("m1", 1.75, 3, 7), ("m2", 3.0, 1, 2)]
