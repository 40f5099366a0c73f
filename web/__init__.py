"""The HTTP face of Momentum: a Flask app factory over the running `System`.

Views parse, call the service (`System.write`) or a projection query, and render;
errors are mapped to problem documents in `web.problems`. The OpenAPI 3.1 document
is generated from the same pydantic models the views validate with.
"""

from __future__ import annotations

from flask_openapi3 import Info, OpenAPI

from web import health, problems
from web.api import (
    accounts,
    actions,
    admin,
    digests,
    feedback,
    goals,
    groups,
    journal,
    me,
    mentoring,
    momentum,
    notifications,
    privacy,
    reviews,
)
from web.system import System

API_INFO = Info(
    title="Momentum API",
    version="1",
    description="Goals, actions, reviews, mentoring and peer groups (SPEC 6).",
)

API_AREAS = (
    accounts,
    me,
    privacy,
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


def create_app(system: System) -> OpenAPI:
    """The Flask app serving `system` (the JSON API under /api/v1)."""
    app = OpenAPI(
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
    problems.init_app(app)
    app.register_api(health.api)
    for area in API_AREAS:
        app.register_api(area.api)
    health.Metrics(app)
    return app
