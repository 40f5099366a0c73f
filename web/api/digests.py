"""Previews of the digest emails the caller would get now."""

from __future__ import annotations

from web.api.common import blueprint

api = blueprint("digests", __name__, __doc__ or "")
