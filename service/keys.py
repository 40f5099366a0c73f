"""Per-member encryption keys, kept outside the append-only log so they can be shredded.

One AES-256 key per member, in the table `momentum_member_keys` of the event-store
database (SQLite file or PostgreSQL schema; a dict for `memory://`). Erasure deletes
the key material and keeps a tombstone row, so nothing can ever create a new key
for an erased member and write readable content for them again.

`KeyRing` caches keys per process. A cached key is re-read from the table after
`ttl` seconds (30 by default, MOMENTUM_KEY_CACHE_SECONDS), so once a member is
erased their key lives on in *other* processes' memory for at most that long; the
process that erases forgets it at once. "Shredded" is cached for good: it cannot
be undone.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import Recorder

from service.errors import AuthenticationError

TABLE = "momentum_member_keys"
DEFAULT_TTL = 30.0
CACHE_SIZE = 10_000


class KeyShreddedError(AuthenticationError):
    """Raised when something would write content for an erased member."""


class KeyStore(Protocol):
    """Where member keys live; `None` key means shredded (a tombstone)."""

    def create_table(self) -> None:
        """Create the keys table if it does not exist."""

    def fetch(self, member_id: UUID) -> tuple[bool, bytes | None]:
        """(row exists, key material or None once shredded)."""

    def insert(self, member_id: UUID, key: bytes, at: datetime) -> None:
        """Store a new key unless the member already has a row (key or tombstone)."""

    def shred(self, member_id: UUID, at: datetime) -> None:
        """Delete the key material for good, leaving a tombstone."""

    def mark_erasing(self, member_id: UUID, erasing: bool) -> None:
        """Flag (or unflag) a member whose erasure is under way (crash recovery)."""

    def erasing(self) -> list[UUID]:
        """Members flagged as being erased whose key is not shredded yet."""


class MemoryKeyStore:
    """Keys in a dict, for the in-memory event store (tests)."""

    def __init__(self) -> None:
        self.rows: dict[UUID, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def create_table(self) -> None:
        """Nothing to create."""

    def fetch(self, member_id: UUID) -> tuple[bool, bytes | None]:
        """See `KeyStore.fetch`."""
        row = self.rows.get(member_id)
        return (False, None) if row is None else (True, row["key"])

    def insert(self, member_id: UUID, key: bytes, at: datetime) -> None:
        """See `KeyStore.insert`."""
        with self._lock:
            self.rows.setdefault(
                member_id, {"key": key, "created_at": at, "erasing": False}
            )

    def shred(self, member_id: UUID, at: datetime) -> None:
        """See `KeyStore.shred`."""
        with self._lock:
            row = self.rows.setdefault(member_id, {"created_at": at})
            row.update(key=None, shredded_at=at, erasing=False)

    def mark_erasing(self, member_id: UUID, erasing: bool) -> None:
        """See `KeyStore.mark_erasing`."""
        if member_id in self.rows:
            self.rows[member_id]["erasing"] = erasing

    def erasing(self) -> list[UUID]:
        """See `KeyStore.erasing`."""
        return [m for m, r in self.rows.items() if r["erasing"] and r["key"]]


class SQLKeyStore:
    """Keys in a table beside the library's events table (same connection pool)."""

    def __init__(self, datastore: Any, *, postgres: bool) -> None:
        self.datastore = datastore
        self.postgres = postgres
        if postgres:
            self.table = f'"{datastore.schema}".{TABLE}'
            self.mark, id_type, blob, flag = "%s", "uuid", "bytea", "boolean"
        else:
            self.table = TABLE
            self.mark, id_type, blob, flag = "?", "TEXT", "BLOB", "INTEGER"
        self.ddl = (
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            f"member_id {id_type} PRIMARY KEY, key {blob}, created_at TEXT NOT NULL, "
            f"shredded_at TEXT, erasing {flag} NOT NULL DEFAULT {self._bool(False)})"
        )

    def _bool(self, value: bool) -> str:
        if self.postgres:
            return "true" if value else "false"
        return "1" if value else "0"

    def _id(self, member_id: UUID) -> Any:
        return member_id if self.postgres else member_id.hex

    def _run(self, sql: str, params: tuple[Any, ...] = (), *, commit: bool) -> Any:
        with self.datastore.transaction(commit=commit) as cursor:
            cursor.execute(sql.replace("?", self.mark), params)
            return cursor.fetchall() if sql.lstrip().startswith("SELECT") else None

    def create_table(self) -> None:
        """See `KeyStore.create_table`."""
        self._run(self.ddl, commit=True)

    def fetch(self, member_id: UUID) -> tuple[bool, bytes | None]:
        """See `KeyStore.fetch`."""
        sql = f"SELECT key FROM {self.table} WHERE member_id = ?"
        rows = self._run(sql, (self._id(member_id),), commit=False)
        if not rows:
            return False, None
        key = rows[0]["key"]
        return True, None if key is None else bytes(key)

    def insert(self, member_id: UUID, key: bytes, at: datetime) -> None:
        """See `KeyStore.insert`."""
        sql = (
            f"INSERT INTO {self.table} (member_id, key, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (member_id) DO NOTHING"
        )
        self._run(sql, (self._id(member_id), key, at.isoformat()), commit=True)

    def shred(self, member_id: UUID, at: datetime) -> None:
        """See `KeyStore.shred`."""
        sql = (
            f"INSERT INTO {self.table} (member_id, key, created_at, shredded_at) "
            "VALUES (?, NULL, ?, ?) ON CONFLICT (member_id) DO UPDATE SET key = NULL, "
            f"shredded_at = excluded.shredded_at, erasing = {self._bool(False)}"
        )
        stamp = at.isoformat()
        with self.datastore.transaction(commit=True) as cursor:
            if not self.postgres:  # zero the old key's bytes, do not just unlink them
                cursor.execute("PRAGMA secure_delete = ON")
            cursor.execute(
                sql.replace("?", self.mark), (self._id(member_id), stamp, stamp)
            )
        if not self.postgres:  # and leave no copy of the old page in the -wal file
            with contextlib.closing(sqlite3.connect(self.datastore.pool.db_name)) as db:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def mark_erasing(self, member_id: UUID, erasing: bool) -> None:
        """See `KeyStore.mark_erasing`."""
        sql = f"UPDATE {self.table} SET erasing = ? WHERE member_id = ?"
        value: Any = erasing if self.postgres else int(erasing)
        self._run(sql, (value, self._id(member_id)), commit=True)

    def erasing(self) -> list[UUID]:
        """See `KeyStore.erasing`."""
        sql = (
            f"SELECT member_id FROM {self.table} "
            f"WHERE erasing = {self._bool(True)} AND key IS NOT NULL"
        )
        rows = self._run(sql, commit=False)
        return [UUID(str(r["member_id"])) for r in rows]


def key_store_for(recorder: Recorder) -> KeyStore:
    """The key store in the same database as `recorder`'s events."""
    from eventsourcing.postgres import PostgresRecorder
    from eventsourcing.sqlite import SQLiteRecorder

    if isinstance(recorder, PostgresRecorder):
        return SQLKeyStore(recorder.datastore, postgres=True)
    if isinstance(recorder, SQLiteRecorder):
        return SQLKeyStore(recorder.datastore, postgres=False)
    return MemoryKeyStore()


class KeyRing:
    """Ciphers per member, cached for `ttl` seconds (see the module docstring)."""

    def __init__(
        self,
        store: KeyStore,
        *,
        ttl: float = DEFAULT_TTL,
        now: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.ttl = ttl
        self.now = now
        self.monotonic = monotonic
        self._cache: OrderedDict[UUID, tuple[AESGCM | None, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _cached(self, member_id: UUID) -> tuple[bool, AESGCM | None]:
        with self._lock:
            found = self._cache.get(member_id)
            if found is None:
                return False, None
            cipher, fetched = found
            if cipher is not None and self.monotonic() - fetched > self.ttl:
                del self._cache[member_id]
                return False, None
            self._cache.move_to_end(member_id)
            return True, cipher

    def _remember(self, member_id: UUID, cipher: AESGCM | None) -> None:
        with self._lock:
            self._cache[member_id] = (cipher, self.monotonic())
            self._cache.move_to_end(member_id)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    def _load(self, member_id: UUID) -> tuple[bool, AESGCM | None]:
        exists, key = self.store.fetch(member_id)
        cipher = AESGCM(key) if key is not None else None
        if exists:
            self._remember(member_id, cipher)
        return exists, cipher

    def for_reading(self, member_id: UUID) -> AESGCM | None:
        """The member's cipher, or None once their key was shredded."""
        hit, cipher = self._cached(member_id)
        if hit:
            return cipher
        return self._load(member_id)[1]

    def for_writing(self, member_id: UUID) -> AESGCM:
        """The member's cipher, creating their key on first use; raises
        KeyShreddedError for an erased member."""
        hit, cipher = self._cached(member_id)
        if not hit:
            exists, cipher = self._load(member_id)
            if not exists:
                self.store.insert(member_id, AESGCM.generate_key(256), self.now())
                exists, cipher = self._load(member_id)
        if cipher is None:
            raise KeyShreddedError("This account has been deleted.")
        return cipher

    def shred(self, member_id: UUID) -> None:
        """Destroy the member's key (crypto-shredding); this process forgets it now."""
        self.store.shred(member_id, self.now())
        self._remember(member_id, None)

    def forget(self, member_id: UUID) -> None:
        """Drop the cached key (the next use re-reads the table)."""
        with self._lock:
            self._cache.pop(member_id, None)
