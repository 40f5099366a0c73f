"""What every read model shares: event dispatch by name and a UTC timestamp column.

A read model subclasses `Projection`, names its tracking key and tables, and marks one
method per event it cares about with `@on("Goal.GoalSet", ...)` (the event class's
qualified name). Each method gets the connection, the event and its log position, and
must only read and write its own model's tables, so that any one model can be rebuilt
on its own and still equal its incremental build.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from eventsourcing.persistence import Notification
from sqlalchemy import Connection, DateTime, Dialect, Table
from sqlalchemy.types import TypeDecorator

Handler = Callable[[Any, Connection, Any, int], None]
F = TypeVar("F", bound=Handler)


def on(*event_names: str) -> Callable[[F], F]:
    """Mark a method as the handler of the events with these qualified names."""

    def mark(func: F) -> F:
        func.__dict__["_handles"] = event_names
        return func

    return mark


class Projection:
    """Base of the read models: dispatches each event to its `@on` method."""

    name: ClassVar[str]
    tables: ClassVar[Sequence[Table]]
    _dispatch: ClassVar[dict[str, Handler]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._dispatch = {}
        for klass in reversed(cls.__mro__):
            for attr in vars(klass).values():
                for event_name in getattr(attr, "_handles", ()):
                    cls._dispatch[event_name] = attr

    def apply(self, conn: Connection, event: Any, notification: Notification) -> None:
        """Change this model's rows for one event; events it ignores change nothing."""
        handler = self._dispatch.get(type(event).__qualname__)
        if handler is not None:
            handler(self, conn, event, notification.id)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant stored as UTC on every backend (SQLite keeps no
    offset), read back as an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
