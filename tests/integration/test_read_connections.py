"""Reading the read models on PostgreSQL: each query is its own transaction, so a
request's connection never sits idle in a transaction (nor pays for BEGIN and
ROLLBACK), and the connection goes back to the pool as transactional as before."""

from __future__ import annotations

import psycopg
from sqlalchemy import Connection, select

from projections.relations import members
from service.clock import FixedClock
from tests.conftest import make_system

IDLE = psycopg.pq.TransactionStatus.IDLE
IN_TRANSACTION = psycopg.pq.TransactionStatus.INTRANS


def _status(conn: Connection) -> tuple[object, psycopg.pq.TransactionStatus]:
    """The driver's connection, and whether it is inside a transaction."""
    raw = conn.connection.dbapi_connection
    assert isinstance(raw, psycopg.Connection)
    return raw, raw.info.transaction_status


def test_a_read_on_postgres_opens_no_transaction(
    postgres_schema_url: str, clock: FixedClock
) -> None:
    system = make_system(postgres_schema_url, clock, follow=False)
    try:
        with system.read() as conn:
            conn.execute(select(members)).all()
            read_with, status = _status(conn)
        assert status == IDLE
        with system.engine.connect() as conn:  # the same connection, reused
            conn.execute(select(members)).all()
            used, status = _status(conn)
        assert used is read_with
        assert status == IN_TRANSACTION  # other users of the engine: as before
    finally:
        system.close()
