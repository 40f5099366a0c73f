"""Held inserts: sent together, yet every later statement sees the rows before it."""

from __future__ import annotations

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, select, text

from projections.batching import HeldInserts

meta = MetaData()
things = Table(
    "things", meta, Column("id", Integer, primary_key=True), Column("name", String)
)
others = Table("others", meta, Column("id", Integer, primary_key=True))


def test_held_rows_are_visible_to_a_later_select_update_and_raw_sql(
    engine: Engine,
) -> None:
    meta.create_all(engine)
    with engine.begin() as conn:
        held = HeldInserts(conn)
        held.execute(things.insert(), {"id": 1, "name": "a"})
        held.execute(things.insert(), {"id": 2, "name": "b"})
        held.execute(others.insert(), {"id": 7})
        assert held.execute(select(things.c.name).order_by("id")).scalars().all() == [
            "a",
            "b",
        ]
        held.execute(things.insert(), {"id": 3, "name": "c"})
        held.execute(things.update().where(things.c.id == 3).values(name="C"))
        held.execute(things.insert(), {"id": 4, "name": "d"})
        assert held.execute(text("SELECT count(*) FROM things")).scalar() == 4
        held.execute(others.insert(), {"id": 8})
        held.flush()
    with engine.connect() as conn:
        assert conn.execute(select(things.c.name).order_by("id")).scalars().all() == [
            "a",
            "b",
            "C",
            "d",
        ]
        assert conn.execute(select(others.c.id)).scalars().all() == [7, 8]


def test_rows_with_different_columns_are_held_apart(engine: Engine) -> None:
    meta.create_all(engine)
    with engine.begin() as conn:
        held = HeldInserts(conn)
        held.execute(things.insert(), {"id": 1, "name": "a"})
        held.execute(things.insert(), {"id": 2})
        held.flush()
    with engine.connect() as conn:
        rows = conn.execute(select(things).order_by("id")).all()
    assert [tuple(r) for r in rows] == [(1, "a"), (2, None)]
