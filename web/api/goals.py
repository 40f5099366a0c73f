"""SMART goals, their roadmaps (milestones), progress, status, history and state as of
a time.
"""

from __future__ import annotations

from web.api.common import blueprint

api = blueprint("goals", __name__, __doc__ or "")
