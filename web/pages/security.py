"""Browser-facing safety: CSRF on every form, cookie flags, a strict
Content-Security-Policy (no inline script, no inline style) and friends.

The JSON API authenticates with bearer tokens, never cookies, so its blueprints are
exempt from CSRF; everything else that takes a POST needs the form's token.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
API_PREFIX = "/api/"

csrf = CSRFProtect()


def is_api_request() -> bool:
    """Whether the request is for the JSON API (bearer tokens, problem documents)."""
    return request.path.startswith(API_PREFIX)


def init_app(app: Flask) -> None:
    """CSRF for every form, cookie flags from the base URL, headers on answers."""
    https = app.extensions["momentum"].settings.base_url.startswith("https://")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=https,
        WTF_CSRF_TIME_LIMIT=None,  # valid as long as the session: no lost forms
        WTF_CSRF_SSL_STRICT=https,
    )
    csrf.init_app(app)
    for blueprint in app.blueprints.values():  # the API's, registered before
        if (blueprint.url_prefix or "").startswith(API_PREFIX.rstrip("/")):
            csrf.exempt(blueprint)
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    """Security headers on every answer; the CSP on every page (the API's
    interactive docs load their own scripts and keep theirs)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html" and not is_api_request():
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response
