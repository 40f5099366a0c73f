"""Weekly review (placeholder: issue 5 builds this page)."""

from __future__ import annotations

from flask import render_template

from web.pages.session import page_blueprint

bp = page_blueprint("reviews", __name__)


@bp.get("/reviews/new")
def new() -> str:
    """Weekly review."""
    return render_template("reviews/new.html")
