"""Every error as an RFC 9457 problem document, mapped in one place.

Domain errors become their HTTP status here and nowhere else (pages get the same
status with an HTML page, `web.pages.errors`): bad input 422 with
`errors` per field, a hidden or missing item 404 (never 403: existence does not
leak), a stale `If-Match` 409 with the current version, no valid token 401.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, json
from pydantic import ValidationError as PydanticError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from service import errors as e
from web.pages.errors import error_page
from web.pages.security import is_api_request

PROBLEM = "application/problem+json"
STATUS: list[tuple[type[e.DomainError], int, str]] = [
    (e.InvalidFieldsError, 422, "Some fields are not valid"),
    (e.ValidationError, 422, "Invalid input"),
    (e.RuleViolationError, 422, "Not allowed in this state"),
    (e.NotFoundError, 404, "Not found"),
    (e.PermissionDeniedError, 404, "Not found"),
    (e.AuthenticationError, 401, "Not signed in"),
    (e.TooManyAttemptsError, 429, "Too many attempts"),
    (e.ConcurrencyConflictError, 409, "Changed meanwhile"),
    (e.ConflictError, 409, "Conflict"),
]


def problem(status: int, title: str, detail: str = "", **extra: Any) -> Response:
    """A problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="momentum"'
    return response


def for_domain_error(error: e.DomainError) -> Response:
    """The problem document for a domain error (on a page: the error page)."""
    status, title = next(
        ((s, t) for cls, s, t in STATUS if isinstance(error, cls)), (400, "Bad request")
    )
    if not is_api_request():
        return error_page(status, title, error.message)
    extra: dict[str, Any] = {}
    if isinstance(error, e.InvalidFieldsError):
        extra["errors"] = dict(error.errors)
    elif isinstance(error, e.ValidationError) and error.field:
        extra["errors"] = {error.field: error.message}
    if isinstance(error, e.ConcurrencyConflictError):
        extra["current_version"] = error.current_version
    response = problem(status, title, error.message, **extra)
    if isinstance(error, e.TooManyAttemptsError):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def for_http_error(error: HTTPException) -> Response:
    """Werkzeug's errors (404 route, 405, 413…) as problem documents, keeping their
    headers (a 405 lists the allowed methods in `Allow`); on a page, the error page."""
    if is_api_request():
        response = problem(error.code or 500, error.name, error.description or "")
    else:
        response = error_page(error.code or 500, error.name, error.description or "")
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def for_invalid_request(error: PydanticError) -> Response:
    """A request that does not fit its schema: 422 naming each field."""
    errors = {
        ".".join(str(part) for part in item["loc"]) or "body": item["msg"]
        for item in error.errors()
    }
    return problem(
        422, "Some fields are not valid", "The request does not fit.", errors=errors
    )


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(e.DomainError, for_domain_error)
    app.register_error_handler(HTTPException, for_http_error)
