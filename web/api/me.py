"""Profile, timezone, weekly target, aspirations, notification preferences and away
periods of the caller.
"""

from __future__ import annotations

from web.api.common import blueprint

api = blueprint("me", __name__, __doc__ or "")
