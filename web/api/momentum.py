"""Momentum metrics (SPEC 5) and their daily series."""

from __future__ import annotations

from web.api.common import blueprint

api = blueprint("momentum", __name__, __doc__ or "")
