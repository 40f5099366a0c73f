"""The HTTP face of Momentum: a Flask app factory over the running `System`.

Views parse, call the service (`System.write`) or a projection query, and render;
errors are mapped to problem documents in `web.problems`. The OpenAPI 3.1 document
is generated from the same pydantic models the views validate with.
"""

from __future__ import annotations

import re
from typing import Any

from flask_openapi3 import Info, OpenAPI
from werkzeug.middleware.proxy_fix import ProxyFix

from system import System
from web import health, limits, pages, problems, throttle
from web.api import (
    accounts,
    actions,
    admin,
    digests,
    feedback,
    goals,
    groups,
    history,
    journal,
    me,
    mentoring,
    momentum,
    notifications,
    privacy,
    reviews,
)
from web.auth import MAX_IDEMPOTENCY_KEY
from web.problems import PROBLEM

API_INFO = Info(
    title="Momentum API",
    version="1",
    description="Goals, actions, reviews, mentoring and peer groups (SPEC 6).",
)

API_AREAS = (
    accounts,
    me,
    privacy,
    history,
    goals,
    actions,
    reviews,
    journal,
    momentum,
    mentoring,
    feedback,
    groups,
    notifications,
    digests,
    admin,
)
"""One blueprint per feature area of the API, in the order of SPEC 6."""


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "The same key from the same member within 24 h returns the "
    "first answer and changes nothing.",
    "schema": {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY},
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The version you last read: a stale write is a 409 with "
    "`current_version`.",
    "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]+"?$'},
}
NO_IDEMPOTENCY = {"/api/v1/auth/tokens"}
"""POSTs that ignore Idempotency-Key (a replay would have to store the secret)."""
BODY_PROBLEMS = {
    "400": f"Bad Request: a JSON body nested over {limits.MAX_JSON_DEPTH} levels deep.",
    "413": f"Content Too Large: a body over {limits.MAX_BODY_BYTES} bytes.",
}
"""What any write answers to a body refused before parsing (`web.limits`)."""


class MomentumOpenAPI(OpenAPI):
    """flask-openapi3's app, whose document also lists the write headers and the
    answers to a refused body."""

    def generate_spec_json(self) -> None:
        """Add `Idempotency-Key` to every POST and `If-Match` to every write view
        marked `takes_if_match`, as the views honour them, and to every write the
        400 and 413 problems of `web.limits`."""
        super().generate_spec_json()  # type: ignore[no-untyped-call]
        paths = self.spec_json["paths"]
        for rule in self.url_map.iter_rules():
            path = re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule)
            view = self.view_functions[rule.endpoint]
            for method in (rule.methods or set()) & {"POST", "PATCH", "DELETE"}:
                operation = paths.get(path, {}).get(method.lower())
                if operation is None:
                    continue
                params = operation.setdefault("parameters", [])
                if method == "POST" and path not in NO_IDEMPOTENCY:
                    params.append(IDEMPOTENCY_KEY)
                if getattr(view, "takes_if_match", False):
                    params.append(IF_MATCH)
                responses = operation.setdefault("responses", {})
                for status, description in BODY_PROBLEMS.items():
                    responses.setdefault(status, _problem_response(description))


def _problem_response(description: str) -> dict[str, Any]:
    """An OpenAPI response carrying a problem document."""
    schema = {"schema": {"$ref": "#/components/schemas/Problem"}}
    return {"description": description, "content": {PROBLEM: schema}}


def create_app(system: System) -> OpenAPI:
    """The Flask app serving `system`: the pages and the JSON API under /api/v1."""
    app = MomentumOpenAPI(
        __name__,
        info=API_INFO,
        doc_prefix="/api/v1",
        doc_url="/openapi.json",
        security_schemes={"bearer": {"type": "http", "scheme": "bearer"}},
        validation_error_status=422,
        validation_error_callback=problems.for_invalid_request,
    )
    app.config["SECRET_KEY"] = system.settings.secret_key
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["momentum"] = system
    throttle.init_app(app, system)
    problems.init_app(app)
    limits.init_app(app)
    app.register_api(health.api)
    for area in API_AREAS:
        app.register_api(area.api)
    health.Metrics(app)
    health.init_app(app)
    pages.init_app(app)
    proxies = system.settings.trusted_proxies
    if proxies:  # behind nginx: the client's address and scheme, not the proxy's
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    return app
