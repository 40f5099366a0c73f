"""Administration: audit chain verification and export."""

from __future__ import annotations

from web.api.common import blueprint

api = blueprint("admin", __name__, __doc__ or "")
