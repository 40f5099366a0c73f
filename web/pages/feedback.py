"""Feedback, cheers and suggestions on items (placeholder: issue 5)."""

from __future__ import annotations

from web.pages.session import page_blueprint

bp = page_blueprint("feedback", __name__)
