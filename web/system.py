"""The running system a web app serves (built by the composition root, `system`)."""

from __future__ import annotations

from flask import Flask, current_app

from system import System


def system_of(app: Flask) -> System:
    """The system an app serves."""
    found: System = app.extensions["momentum"]
    return found


def current_system() -> System:
    """The system the current request's app serves."""
    return system_of(current_app)
