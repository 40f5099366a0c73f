"""The composition root: builds the application from settings."""

from __future__ import annotations

from service.application import MomentumApplication
from service.clock import Clock
from service.passwords import make_hasher
from service.settings import Settings, event_store_env


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    password_profile: str = "RFC_9106_LOW_MEMORY",
    create_tables: bool = True,
) -> MomentumApplication:
    """Build the application for `settings` (default: from the environment).

    `password_profile` names an argon2-cffi profile; tests pass "CHEAPEST" for speed.
    `create_tables=False` is for processes started beside others on a prepared store:
    concurrent CREATE TABLE IF NOT EXISTS on PostgreSQL can fail with "tuple
    concurrently updated".
    """
    settings = settings or Settings.from_env()
    env = event_store_env(settings.database_url)
    env["CREATE_TABLE"] = "yes" if create_tables else "no"
    return MomentumApplication(
        env=env,
        clock=clock,
        secret_key=settings.secret_key,
        password_hasher=make_hasher(password_profile),
        key_cache_seconds=settings.key_cache_seconds,
    )
