"""Configuration from the environment (12-factor); see the table in README.md."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from service.errors import ValidationError


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from the environment."""

    database_url: str
    secret_key: str
    previous_secret_key: str | None = None
    """The secret being rotated out, only while `momentum keys rotate` runs."""
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str | None = None
    mail_from: str = "Momentum <momentum@localhost>"
    var_dir: Path = Path("var")
    key_cache_seconds: float = 30.0
    """How long a process may keep a member's key in memory (see service.keys)."""
    trusted_proxies: int = 0
    """How many reverse proxies in front of the web app set X-Forwarded-For/-Proto."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read MOMENTUM_* variables; embedded defaults where unset."""
        env = dict(os.environ if environ is None else environ)
        var_dir = Path(env.get("MOMENTUM_VAR_DIR", "var"))
        return cls(
            database_url=env.get("MOMENTUM_DATABASE_URL")
            or f"sqlite:///{var_dir}/events.sqlite",
            secret_key=env.get("MOMENTUM_SECRET_KEY") or _local_secret(var_dir),
            previous_secret_key=env.get("MOMENTUM_SECRET_KEY_PREVIOUS") or None,
            base_url=env.get("MOMENTUM_BASE_URL", cls.base_url).rstrip("/"),
            smtp_url=env.get("MOMENTUM_SMTP_URL") or None,
            mail_from=env.get("MOMENTUM_MAIL_FROM", cls.mail_from),
            var_dir=var_dir,
            key_cache_seconds=_seconds(env.get("MOMENTUM_KEY_CACHE_SECONDS")),
            trusted_proxies=_proxies(env.get("MOMENTUM_TRUSTED_PROXIES")),
        )


def _seconds(raw: str | None) -> float:
    """Seconds from 0 to 3600 (default 30); a ValidationError naming the variable."""
    if raw is None or not raw.strip():
        return Settings.key_cache_seconds
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise ValidationError(
            "MOMENTUM_KEY_CACHE_SECONDS must be a number of seconds from 0 to 3600.",
            "MOMENTUM_KEY_CACHE_SECONDS",
        )
    return value


def _proxies(raw: str | None) -> int:
    """A count of proxies from 0 to 5 (default 0); a ValidationError naming it."""
    value = (raw or "0").strip()
    if not value.isdigit() or int(value) > 5:
        raise ValidationError(
            "MOMENTUM_TRUSTED_PROXIES must be a whole number from 0 to 5.",
            "MOMENTUM_TRUSTED_PROXIES",
        )
    return int(value)


def _local_secret(var_dir: Path) -> str:
    """A random key kept in var/ so the embedded default survives restarts."""
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


RECORDER_TOPIC = "service.pg_recorder:LockingApplicationRecorder"
"""PostgreSQL's recorder: the library's, appending in one round trip."""
SQLITE_STORE = "service.sqlite_store:Factory"
"""SQLite's persistence: the library's, with a statement cache and a lean append."""


def event_store_env(database_url: str) -> dict[str, str]:
    """The eventsourcing library's settings for a MOMENTUM_DATABASE_URL.

    sqlite:///path → `SQLITE_STORE` (the library's sqlite module, WAL, with a
    statement cache and a lean append); postgresql://user:pw@host:port/db
    (optional ?schema=name) → its postgres module with `RECORDER_TOPIC`'s recorder;
    memory:// → in-memory (tests).
    """
    url = urlparse(database_url)
    if url.scheme == "memory":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if url.scheme == "sqlite":
        path = Path(unquote(url.path.removeprefix("/")))
        path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": SQLITE_STORE,
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    if url.scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        query = parse_qs(url.query)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": RECORDER_TOPIC,
            "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "momentum",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "10",
            "POSTGRES_LOCK_TIMEOUT": "5",
        }
        if "schema" in query:
            env["POSTGRES_SCHEMA"] = query["schema"][0]
        return env
    raise ValidationError(
        "MOMENTUM_DATABASE_URL must start with sqlite:///, postgresql:// or memory://",
        "MOMENTUM_DATABASE_URL",
    )
