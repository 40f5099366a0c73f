"""The dashboard: how am I doing, at a glance (placeholder until issue 5's page)."""

from __future__ import annotations

from flask import render_template

from web.pages.session import page_blueprint

bp = page_blueprint("dashboard", __name__)


@bp.get("/")
def index() -> str:
    """The signed-in member's dashboard."""
    return render_template("dashboard/index.html")
