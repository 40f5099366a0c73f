"""Notifications (placeholder: issue 5 builds this page)."""

from __future__ import annotations

from flask import render_template

from web.pages.session import page_blueprint

bp = page_blueprint("notifications", __name__)


@bp.get("/notifications")
def index() -> str:
    """Notifications."""
    return render_template("notifications/index.html")
