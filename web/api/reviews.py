"""Weekly and monthly check-ins: the five signals, reflection and if-then commitments."""

from __future__ import annotations

from web.api.common import blueprint

api = blueprint("reviews", __name__, __doc__ or "")
