"""Settings (placeholder: issue 5 builds this page)."""

from __future__ import annotations

from flask import render_template

from web.pages.session import page_blueprint

bp = page_blueprint("settings", __name__)


@bp.get("/settings")
def index() -> str:
    """Settings."""
    return render_template("settings/index.html")
