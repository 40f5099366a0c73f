"""Journal (placeholder: issue 5 builds this page)."""

from __future__ import annotations

from flask import render_template

from web.pages.session import page_blueprint

bp = page_blueprint("journal", __name__)


@bp.get("/journal")
def index() -> str:
    """Journal."""
    return render_template("journal/index.html")
