"""The WSGI entry point for production servers: `gunicorn 'entrypoints.wsgi:create()'`.

Each worker builds its own `System` after the fork (no connections shared across
processes) without the in-process follower: at scale the projection worker
(`momentum project`) is its own process, and `System.write` waits for it to reach each
write, so responses still read their own writes. Storage must exist (`momentum init`).
"""

from __future__ import annotations

import atexit

from flask_openapi3 import OpenAPI

from system import open_system
from web import create_app


def create() -> OpenAPI:
    """The app for one worker process, over settings from the environment."""
    system = open_system(follow=False, create_tables=False)
    atexit.register(system.close)
    return create_app(system)
