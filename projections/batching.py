"""Single-row INSERTs held back and sent as one executemany per table.

Most events add rows (an action: a journal entry, an activity point, an audit row);
sending each as its own statement costs more than the work. `HeldInserts` wraps the
batch's connection: `conn.execute(table.insert(), {row})` is held, and anything else
first sends the held rows of every table it reads or writes, so each handler still
sees its own earlier writes. The runner sends whatever is left before it commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Connection, Table
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.util import find_tables

Key = tuple[Table, frozenset[str]]


class HeldInserts:
    """A Connection stand-in that batches plain single-row inserts."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._held: dict[Key, list[Mapping[str, Any]]] = {}

    def execute(self, statement: Executable, parameters: Any = None) -> Any:
        """Hold `table.insert()` with one row of values; run anything else."""
        if (
            isinstance(statement, Insert)
            and isinstance(parameters, Mapping)
            and _is_plain(statement)
        ):
            table = statement.table
            assert isinstance(table, Table)
            self._held.setdefault((table, frozenset(parameters)), []).append(parameters)
            return None
        if self._held:  # no tables found (text SQL): send everything
            found = find_tables(cast(ClauseElement, statement), include_crud=True)
            self.flush(set(found) or None)
        return self._conn.execute(statement, parameters)

    def flush(self, tables: set[Any] | None = None) -> None:
        """Send the held rows (of `tables`, or all), in the order first held."""
        for key in list(self._held):
            if tables is None or key[0] in tables:
                self._conn.execute(key[0].insert(), self._held.pop(key))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _is_plain(statement: Insert) -> bool:
    """`table.insert()` with no values, select, returning or dialect options."""
    return (
        not statement._values
        and statement.select is None
        and not statement._returning
        and not statement._post_values_clause
        and statement._multi_values == ()
    )
