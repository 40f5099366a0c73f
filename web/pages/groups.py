"""Groups (placeholder: issue 5 builds this page)."""

from __future__ import annotations

from flask import render_template

from web.pages.session import page_blueprint

bp = page_blueprint("groups", __name__)


@bp.get("/groups")
def index() -> str:
    """Groups."""
    return render_template("groups/index.html")
