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

Each key is stored wrapped (AES-256-GCM, the member id as associated data) under a
key-encryption key derived from the server secret (`secret_keys.MEMBER_KEYS`), and
the row's `wrapped_by` names that KEK by a fingerprint (an HMAC under the KEK, never
the secret). A row with no `wrapped_by` holds its key unwrapped: a store made before
wrapping; it is read as it is until `momentum init` or `momentum keys rotate` wraps
it. During a rotation (`MOMENTUM_SECRET_KEY_PREVIOUS` set) rows under either secret
are read; `momentum keys rotate` re-wraps them under the new one in batches
(`pending`, `rewrap`). A row wrapped under a secret the process does not have is a
`SecretMismatchError`, never garbage.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import Recorder

from service.errors import AuthenticationError
from service.secret_keys import MEMBER_KEYS, derive_key

TABLE = "momentum_member_keys"
DEFAULT_TTL = 30.0
CACHE_SIZE = 10_000


class KeyShreddedError(AuthenticationError):
    """Raised when something would write content for an erased member."""


class SecretMismatchError(RuntimeError):
    """A member key is wrapped under a server secret this process was not given: a
    misconfigured process (the web answers 500), not a user's error."""


class KeyWrap:
    """Wraps member keys under the KEK of the current secret; unwraps under it or,
    during a rotation, the previous secret's."""

    def __init__(self, secret: str, previous: str | None = None) -> None:
        self.current = _Kek(derive_key(secret, MEMBER_KEYS))
        self._keks = {self.current.fingerprint: self.current}
        if previous and previous != secret:
            old = _Kek(derive_key(previous, MEMBER_KEYS))
            self._keks[old.fingerprint] = old

    def wrap(self, member_id: UUID, key: bytes) -> tuple[bytes, str]:
        """(wrapped key, the fingerprint of the KEK that wrapped it)."""
        return self.current.wrap(member_id, key), self.current.fingerprint

    def unwrap(self, member_id: UUID, stored: bytes, wrapped_by: str | None) -> bytes:
        """The key of a row (`wrapped_by` None: stored unwrapped, before wrapping)."""
        if wrapped_by is None:
            return stored
        kek = self._keks.get(wrapped_by)
        if kek is None:
            raise SecretMismatchError(
                f"Member keys are wrapped under another server secret (key "
                f"{wrapped_by}): set MOMENTUM_SECRET_KEY to the secret in force "
                "(during a rotation, the old one as MOMENTUM_SECRET_KEY_PREVIOUS)."
            )
        return kek.unwrap(member_id, stored)


class _Kek:
    def __init__(self, key: bytes) -> None:
        self.cipher = AESGCM(key)
        digest = hmac.new(key, b"momentum/kek-fingerprint", hashlib.sha256)
        self.fingerprint = digest.hexdigest()[:16]

    def wrap(self, member_id: UUID, key: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self.cipher.encrypt(nonce, key, member_id.bytes)

    def unwrap(self, member_id: UUID, stored: bytes) -> bytes:
        try:
            return self.cipher.decrypt(stored[:12], stored[12:], member_id.bytes)
        except InvalidTag as e:
            raise SecretMismatchError(
                f"The key of member {member_id} does not open under its secret: "
                "the row was altered or moved."
            ) from e


Pending = tuple[UUID, bytes, str | None]
"""A row still to (re-)wrap: member id, stored key, the KEK that wrapped it."""


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

    def pending(self, limit: int) -> list[Pending]:
        """Up to `limit` keys not wrapped under the current secret, by member id."""

    def rewrap(self, rows: list[Pending]) -> int:
        """Wrap these rows' keys under the current secret in one transaction (a row
        shredded or re-wrapped meanwhile is left as it is); how many were."""

    def count_pending(self) -> int:
        """How many keys are not wrapped under the current secret."""


class MemoryKeyStore:
    """Keys in a dict, for the in-memory event store (tests); without a `wrap`,
    keys are kept unwrapped (as in a store made before wrapping)."""

    def __init__(self, wrap: KeyWrap | None = None) -> None:
        self.wrap = wrap
        self.rows: dict[UUID, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def create_table(self) -> None:
        """Nothing to create."""

    def fetch(self, member_id: UUID) -> tuple[bool, bytes | None]:
        """See `KeyStore.fetch`."""
        row = self.rows.get(member_id)
        if row is None:
            return False, None
        if row["key"] is None or self.wrap is None:
            return True, row["key"]
        return True, self.wrap.unwrap(member_id, row["key"], row["wrapped_by"])

    def insert(self, member_id: UUID, key: bytes, at: datetime) -> None:
        """See `KeyStore.insert`."""
        stored, wrapped_by = (
            (key, None) if self.wrap is None else self.wrap.wrap(member_id, key)
        )
        with self._lock:
            self.rows.setdefault(
                member_id,
                {"key": stored, "wrapped_by": wrapped_by, "created_at": at},
            )
            self.rows[member_id].setdefault("erasing", False)

    def shred(self, member_id: UUID, at: datetime) -> None:
        """See `KeyStore.shred`."""
        with self._lock:
            row = self.rows.setdefault(member_id, {"created_at": at})
            row.update(key=None, wrapped_by=None, shredded_at=at, erasing=False)

    def mark_erasing(self, member_id: UUID, erasing: bool) -> None:
        """See `KeyStore.mark_erasing`."""
        if member_id in self.rows:
            self.rows[member_id]["erasing"] = erasing

    def erasing(self) -> list[UUID]:
        """See `KeyStore.erasing`."""
        return [m for m, r in self.rows.items() if r["erasing"] and r["key"]]

    def pending(self, limit: int) -> list[Pending]:
        """See `KeyStore.pending`."""
        if self.wrap is None:
            return []
        current = self.wrap.current.fingerprint
        rows = [
            (m, r["key"], r["wrapped_by"])
            for m, r in sorted(self.rows.items())
            if r["key"] is not None and r["wrapped_by"] != current
        ]
        return rows[:limit]

    def rewrap(self, rows: list[Pending]) -> int:
        """See `KeyStore.rewrap`."""
        assert self.wrap is not None
        done = 0
        with self._lock:
            for member_id, stored, wrapped_by in rows:
                key = self.wrap.unwrap(member_id, stored, wrapped_by)
                row = self.rows[member_id]
                if row["key"] == stored:
                    row["key"], row["wrapped_by"] = self.wrap.wrap(member_id, key)
                    done += 1
        return done

    def count_pending(self) -> int:
        """See `KeyStore.count_pending`."""
        return len(self.pending(len(self.rows)))


class SQLKeyStore:
    """Keys in a table beside the library's events table (same connection pool)."""

    def __init__(self, datastore: Any, *, postgres: bool, wrap: KeyWrap) -> None:
        self.datastore = datastore
        self.postgres = postgres
        self.wrap = wrap
        if postgres:
            self.table = f'"{datastore.schema}".{TABLE}'
            self.mark, id_type, blob, flag = "%s", "uuid", "bytea", "boolean"
        else:
            self.table = TABLE
            self.mark, id_type, blob, flag = "?", "TEXT", "BLOB", "INTEGER"
        self.ddl = (
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            f"member_id {id_type} PRIMARY KEY, key {blob}, created_at TEXT NOT NULL, "
            f"shredded_at TEXT, erasing {flag} NOT NULL DEFAULT {self._bool(False)}, "
            "wrapped_by TEXT)"
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
        """See `KeyStore.create_table`; adds `wrapped_by` to a table made before
        member keys were wrapped (its keys stay readable unwrapped)."""
        self._run(self.ddl, commit=True)
        if self.postgres:  # look first: ALTER TABLE would lock the table each time
            info = (
                "SELECT column_name AS name FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ?"
            )
            columns = self._run(info, (self.datastore.schema, TABLE), commit=False)
        else:
            info = f"SELECT name FROM pragma_table_info('{TABLE}')"
            columns = self._run(info, commit=False)
        if "wrapped_by" not in {c["name"] for c in columns}:
            alter = f"ALTER TABLE {self.table} ADD COLUMN IF NOT EXISTS wrapped_by TEXT"
            self._run(
                alter if self.postgres else alter.replace(" IF NOT EXISTS", ""),
                commit=True,
            )

    def fetch(self, member_id: UUID) -> tuple[bool, bytes | None]:
        """See `KeyStore.fetch`."""
        sql = f"SELECT key, wrapped_by FROM {self.table} WHERE member_id = ?"
        rows = self._run(sql, (self._id(member_id),), commit=False)
        if not rows:
            return False, None
        key = rows[0]["key"]
        if key is None:
            return True, None
        return True, self.wrap.unwrap(member_id, bytes(key), rows[0]["wrapped_by"])

    def insert(self, member_id: UUID, key: bytes, at: datetime) -> None:
        """See `KeyStore.insert`."""
        sql = (
            f"INSERT INTO {self.table} (member_id, key, wrapped_by, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (member_id) DO NOTHING"
        )
        stored, wrapped_by = self.wrap.wrap(member_id, key)
        params = (self._id(member_id), stored, wrapped_by, at.isoformat())
        self._run(sql, params, commit=True)

    def shred(self, member_id: UUID, at: datetime) -> None:
        """See `KeyStore.shred`."""
        sql = (
            f"INSERT INTO {self.table} (member_id, key, created_at, shredded_at) "
            "VALUES (?, NULL, ?, ?) ON CONFLICT (member_id) DO UPDATE SET key = NULL, "
            "wrapped_by = NULL, shredded_at = excluded.shredded_at, "
            f"erasing = {self._bool(False)}"
        )
        stamp = at.isoformat()
        with self.datastore.transaction(commit=True) as cursor:
            if not self.postgres:  # zero the old key's bytes, do not just unlink them
                cursor.execute("PRAGMA secure_delete = ON")
            cursor.execute(
                sql.replace("?", self.mark), (self._id(member_id), stamp, stamp)
            )
        self._truncate_wal()

    def _truncate_wal(self) -> None:
        """Leave no copy of an old page (an old key) in SQLite's -wal file."""
        if not self.postgres:
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

    def _pending_where(self) -> tuple[str, tuple[Any, ...]]:
        where = "key IS NOT NULL AND (wrapped_by IS NULL OR wrapped_by <> ?)"
        return where, (self.wrap.current.fingerprint,)

    def pending(self, limit: int) -> list[Pending]:
        """See `KeyStore.pending`."""
        where, params = self._pending_where()
        sql = (
            f"SELECT member_id, key, wrapped_by FROM {self.table} WHERE {where} "
            "ORDER BY member_id LIMIT ?"
        )
        rows = self._run(sql, (*params, limit), commit=False)
        return [
            (UUID(str(r["member_id"])), bytes(r["key"]), r["wrapped_by"]) for r in rows
        ]

    def rewrap(self, rows: list[Pending]) -> int:
        """See `KeyStore.rewrap`."""
        sql = (
            f"UPDATE {self.table} SET key = ?, wrapped_by = ? "
            "WHERE member_id = ? AND key = ? RETURNING member_id"
        ).replace("?", self.mark)
        done = 0
        with self.datastore.transaction(commit=True) as cursor:
            if not self.postgres:  # zero the old wrapped bytes, do not just unlink
                cursor.execute("PRAGMA secure_delete = ON")
            for member_id, stored, wrapped_by in rows:
                key = self.wrap.unwrap(member_id, stored, wrapped_by)
                new, by = self.wrap.wrap(member_id, key)
                cursor.execute(sql, (new, by, self._id(member_id), stored))
                done += len(cursor.fetchall())
        self._truncate_wal()
        return done

    def count_pending(self) -> int:
        """See `KeyStore.count_pending`."""
        where, params = self._pending_where()
        sql = f"SELECT COUNT(*) AS n FROM {self.table} WHERE {where}"
        return int(self._run(sql, params, commit=False)[0]["n"])


def key_store_for(recorder: Recorder, wrap: KeyWrap) -> KeyStore:
    """The key store in the same database as `recorder`'s events."""
    from eventsourcing.postgres import PostgresRecorder
    from eventsourcing.sqlite import SQLiteRecorder

    if isinstance(recorder, PostgresRecorder):
        return SQLKeyStore(recorder.datastore, postgres=True, wrap=wrap)
    if isinstance(recorder, SQLiteRecorder):
        return SQLKeyStore(recorder.datastore, postgres=False, wrap=wrap)
    return MemoryKeyStore(wrap)


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
