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
) -> MomentumApplication:
    """Build the application for `settings` (default: from the environment).

    `password_profile` names an argon2-cffi profile; tests pass "CHEAPEST" for speed.
    """
    settings = settings or Settings.from_env()
    return MomentumApplication(
        env=event_store_env(settings.database_url),
        clock=clock,
        secret_key=settings.secret_key,
        password_hasher=make_hasher(password_profile),
    )
