"""Peer groups: create, invite, join, buddies, leave, board."""

from __future__ import annotations

from web.api.common import blueprint

api = blueprint("groups", __name__, __doc__ or "")
