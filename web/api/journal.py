"""Journal entries visible to the caller."""

from __future__ import annotations

from web.api.common import blueprint

api = blueprint("journal", __name__, __doc__ or "")
