"""Request bodies no member sends are refused before anything parses them.

- A body over `MAX_BODY_BYTES` is a 413 (Flask's `MAX_CONTENT_LENGTH`: Werkzeug
  refuses it as soon as it is read).
- A JSON body nested deeper than `MAX_JSON_DEPTH` is a 400: Python's JSON parser
  recurses once per level, so a body nested 100,000 levels deep would otherwise end
  in a RecursionError (a 500). The depth is measured by a scan of the raw bytes
  (brackets outside strings) before any view or form parses the body.

Both answers go through `web.problems`: a problem document on the API, the error
page on a page. Nothing reaches the service, so nothing is appended.
"""

from __future__ import annotations

import re

from flask import Flask, request
from werkzeug.exceptions import BadRequest

MAX_BODY_BYTES = 1024 * 1024
"""The largest request body (1 MiB); the largest valid one is a few hundred KiB."""
MAX_JSON_DEPTH = 32
"""The deepest nesting of a JSON body; valid bodies nest at most 4 levels."""

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_OPENING = frozenset(b"[{")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(body: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep the brackets outside JSON strings nest, counted up to `limit + 1`
    (the scan stops there). Malformed JSON gets a number too; the parser refuses it
    later."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    if len(brackets) <= limit:
        return len(brackets)
    depth = deepest = 0
    for byte in brackets:
        if byte in _OPENING:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


def refuse_deep_json() -> None:
    """Before every request: a JSON body nested too deeply is a 400 (reading the
    body is a 413 when it is too large)."""
    if not request.is_json:
        return
    body = request.get_data(cache=True)
    if json_depth(body) > MAX_JSON_DEPTH:
        raise BadRequest(
            f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep."
        )


def init_app(app: Flask) -> None:
    """Limit body size and JSON depth for every route (register before the others,
    so the check runs before any other hook reads the body)."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.before_request(refuse_deep_json)
