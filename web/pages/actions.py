"""Log an action (placeholder: issue 5 builds this page)."""

from __future__ import annotations

from flask import render_template

from web.pages.session import page_blueprint

bp = page_blueprint("actions", __name__)


@bp.get("/actions/new")
def new() -> str:
    """Log an action."""
    return render_template("actions/new.html")
