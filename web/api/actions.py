"""Logging, editing and retracting actions."""

from __future__ import annotations

from web.api.common import blueprint

api = blueprint("actions", __name__, __doc__ or "")
