"""Goals (placeholder: issue 5 builds this page)."""

from __future__ import annotations

from flask import render_template

from web.pages.session import page_blueprint

bp = page_blueprint("goals", __name__)


@bp.get("/goals")
def index() -> str:
    """Goals."""
    return render_template("goals/index.html")
