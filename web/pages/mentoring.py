"""Mentoring (placeholder: issue 5 builds this page)."""

from __future__ import annotations

from flask import render_template

from web.pages.session import page_blueprint

bp = page_blueprint("mentoring", __name__)


@bp.get("/mentoring")
def index() -> str:
    """Mentoring."""
    return render_template("mentoring/index.html")
