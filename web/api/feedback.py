"""Feedback, cheers and suggestions on visible items."""

from __future__ import annotations

from web.api.common import blueprint

api = blueprint("feedback", __name__, __doc__ or "")
