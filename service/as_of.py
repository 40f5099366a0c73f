"""What time travel (`?as_of=`) needs from the event store: when a member's past
day ended, and the stored events at given log positions.

A past day ends in the timezone the member had then (`clock.day_end` over their
changes of zone, read from their `Member` events), so a later change of timezone
does not move it. `projections.as_of` reads the events that feed a member's read
models by position (`notifications_at`) and replays them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from service.application import MomentumApplication
from service.clock import day_end
from service.domain.member import Member

BY_POSITION = 500
"""Positions per query in `notifications_at` (well under SQLite's bound parameters)."""


def member_day_end(
    app: MomentumApplication, member_id: UUID, day: date
) -> tuple[datetime, str]:
    """When local day `day` ended for the member, in the timezone they had then,
    and that zone. NotFoundError if the member is absent or erased."""
    app.get_member(member_id)  # absent or erased: NotFoundError
    zones = [
        (e.timestamp, e.timezone)
        for e in app.events_of(member_id)
        if isinstance(e, Member.Registered | Member.ProfileUpdated)
    ]
    return day_end(day, zones)


def notifications_at(
    app: MomentumApplication, positions: Iterable[int]
) -> list[Notification]:
    """The stored events at these log positions, in log order, read by primary key
    (a few hundred per query) from the recorder's own table and connection, as
    `select_notifications` reads them: a member's events are scattered through the
    log, and reading the ranges that hold them would read everyone's. Positions
    with no event are left out. The in-memory store is read one position at a
    time."""
    wanted = sorted(set(positions))
    found: list[Notification] = []
    for start in range(0, len(wanted), BY_POSITION):
        found += _at(app, wanted[start : start + BY_POSITION])
    kept = set(wanted)
    return [n for n in found if n.id in kept]


def _at(app: MomentumApplication, positions: list[int]) -> list[Notification]:
    """One query's worth, as `select_notifications` of that recorder would read it
    (the key store reads its own table through the same datastore)."""
    from eventsourcing.postgres import PostgresRecorder
    from eventsourcing.sqlite import SQLiteRecorder

    recorder: Any = app.recorder
    table = getattr(recorder, "events_table_name", "")
    if isinstance(app.recorder, SQLiteRecorder):
        marks = ",".join("?" * len(positions))
        sql = f"SELECT rowid AS notification_id, * FROM {table} "
        sql += f"WHERE rowid IN ({marks}) ORDER BY rowid"
        return _read_rows(recorder, sql, positions, recorder.convert_originator_id)
    if isinstance(app.recorder, PostgresRecorder):
        sql = f'SELECT * FROM "{recorder.datastore.schema}"."{table}" '
        sql += "WHERE notification_id = ANY(%s) ORDER BY notification_id"
        return _read_rows(recorder, sql, [positions], lambda i: i)
    found: list[Notification] = []
    for position in positions:
        found += app.recorder.select_notifications(start=position, limit=1)
    return found


def _read_rows(
    recorder: Any, sql: str, params: list[Any], originator: Any
) -> list[Notification]:
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(sql, params)
        return [
            Notification(
                id=row["notification_id"],
                originator_id=originator(row["originator_id"]),
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in cursor.fetchall()
        ]
