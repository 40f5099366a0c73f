"""Export of all my data and erasure of my account (crypto-shredding)."""

from __future__ import annotations

from web.api.common import blueprint

api = blueprint("privacy", __name__, __doc__ or "")
