"""Error pages: what a person sees where the API would answer a problem document.

`web.problems` decides per request: API paths get problem+json, pages get these.
"""

from __future__ import annotations

from flask import Flask, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

TITLES = {
    400: "Bad request",
    401: "Please sign in",
    404: "Not found",
    405: "Not allowed",
    409: "Changed meanwhile",
    413: "Too large",
    422: "That cannot be done",
    429: "Too many attempts",
}


def error_page(status: int, title: str, detail: str = "") -> Response:
    """The HTML answer for an error on a page (401: to the sign-in page)."""
    if status == 401:
        flash(detail or "Please sign in.", "info")
        return redirect(url_for("auth.signin", next=request.full_path.rstrip("?")))
    body = render_template(
        "errors/error.html",
        status=status,
        title=TITLES.get(status, title),
        detail=detail,
    )
    return Response(body, status=status, mimetype="text/html")


def init_app(app: Flask) -> None:
    """Nothing to register: `web.problems` calls `error_page` for page requests."""
    del app
