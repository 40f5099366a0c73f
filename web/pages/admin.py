"""Admin (placeholder: issue 5 builds this page)."""

from __future__ import annotations

from flask import render_template

from web.pages.session import page_blueprint

bp = page_blueprint("admin", __name__)


@bp.get("/admin")
def index() -> str:
    """Admin."""
    return render_template("admin/index.html")
