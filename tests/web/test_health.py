"""Health, metrics, the OpenAPI document and problem documents for unknown routes."""

from __future__ import annotations

from flask.testing import FlaskClient

from service import commands as c
from system import System
from tests.conftest import PASSWORD


def test_healthz_reports_store_and_projection_lag(
    client: FlaskClient, system: System
) -> None:
    system.write(c.RegisterMember("ann@example.com", PASSWORD, "Ann", "UTC"))
    response = client.get("/api/v1/healthz")
    assert response.status_code == 200
    assert response.json == {
        "store": "ok",
        "projection_lag": 0,
        "follower": "running",
        "stopped": [],
        "status": "ok",
    }


def test_healthz_is_degraded_when_the_follower_has_stopped(
    client: FlaskClient, system: System
) -> None:
    assert system.follower is not None
    system.follower.stop()
    response = client.get("/api/v1/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "degraded"
    assert response.json["follower"] == "stopped"


def test_metrics_count_events_requests_and_lag(
    client: FlaskClient, system: System
) -> None:
    system.write(c.RegisterMember("ann@example.com", PASSWORD, "Ann", "UTC"))
    client.get("/api/v1/healthz")
    text = client.get("/metrics").get_data(as_text=True)
    assert "momentum_events 2.0" in text  # Registered + EmailClaimed
    assert "momentum_projection_lag_events 0.0" in text
    assert (
        'momentum_http_requests_total{method="GET",route="/api/v1/healthz",'
        'status="200"} 1.0'
    ) in text


def test_unknown_route_is_a_problem_document(client: FlaskClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404 and response.json["title"] == "Not Found"


def test_openapi_document_is_3_1_and_describes_healthz(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/healthz" in document["paths"]
    assert client.get("/api/v1/swagger").status_code == 200


def test_the_openapi_document_lists_the_write_headers(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()

    def headers(path: str, method: str) -> set[str]:
        params = doc["paths"][f"/api/v1{path}"][method].get("parameters", [])
        return {p["name"] for p in params if p["in"] == "header"}

    assert headers("/goals", "post") == {"Idempotency-Key"}
    assert headers("/goals/{goal_id}", "patch") == {"If-Match"}
    assert headers("/actions/{action_id}", "delete") == {"If-Match"}
    assert headers("/me", "patch") == {"If-Match"}
    assert "Idempotency-Key" not in headers("/auth/tokens", "post")
