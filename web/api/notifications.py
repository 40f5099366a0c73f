"""In-app notifications and their read mark."""

from __future__ import annotations

from web.api.common import blueprint

api = blueprint("notifications", __name__, __doc__ or "")
