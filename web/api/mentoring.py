"""Mentorships (propose, accept, decline, end) and the mentor's view of mentees."""

from __future__ import annotations

from web.api.common import blueprint

api = blueprint("mentoring", __name__, __doc__ or "")
