"""Liveness and readiness (`/api/v1/healthz`) and Prometheus metrics (`/metrics`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, g, request
from flask_openapi3 import APIBlueprint, Tag
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pydantic import BaseModel

from web.system import current_system as system
from web.system import system_of

api = APIBlueprint(
    "health", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="health")]
)
MAX_HEALTHY_LAG = 1000


class StoppedModel(BaseModel):
    """A read model that stopped on an event it could not apply (the error itself
    is on the admin page: it may quote data)."""

    model: str
    position: int
    event_type: str


class Health(BaseModel):
    """What `/healthz` reports."""

    status: str
    store: str
    projection_lag: int | None
    follower: str
    stopped: list[StoppedModel] = []


@api.get("/healthz", responses={200: Health, 503: Health})
def healthz() -> tuple[dict[str, Any], int]:
    """Liveness and readiness: the store answers and the read models keep up."""
    s = system()
    report: dict[str, Any] = {
        "store": "ok",
        "projection_lag": None,
        "follower": "off",
        "stopped": [],
    }
    try:
        report["projection_lag"] = s.runner.lag()
        report["stopped"] = [
            {"model": x.name, "position": x.position, "event_type": x.event_type}
            for x in s.runner.stopped()
        ]
    except Exception as error:  # any failure to reach the store is "not ready"
        report["store"] = f"unreachable: {type(error).__name__}"
    if s.follower is not None:
        report["follower"] = "running" if s.follower.alive else "stopped"
    healthy = (
        report["store"] == "ok"
        and report["follower"] != "stopped"
        and not report["stopped"]
        and (report["projection_lag"] or 0) <= MAX_HEALTHY_LAG
    )
    report["status"] = "ok" if healthy else "degraded"
    return report, 200 if healthy else 503


STOPPED_HEADER = "Momentum-Stopped-Read-Models"


def init_app(app: Flask) -> None:
    """Say on every answer when read models have stopped: API answers carry
    `Momentum-Stopped-Read-Models: journal, …`, pages show a notice (base layout)."""

    @app.after_request
    def _stopped_header(response: Response) -> Response:
        stopped = system_of(app).stopped_models()
        if stopped:
            response.headers[STOPPED_HEADER] = ", ".join(stopped)
        return response

    @app.context_processor
    def _stopped_models() -> dict[str, list[str]]:
        return {"stopped_read_models": system_of(app).stopped_models()}


class StoppedModels(Collector):
    """`momentum_read_model_stopped{model}`: 1 for a read model stopped on an event
    it could not apply (its position in `momentum_read_model_stopped_at`), else 0."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        states = system_of(self.app).runner.states()
        stopped = GaugeMetricFamily(
            "momentum_read_model_stopped",
            "1 if the read model stopped on an event it could not apply",
            labels=["model"],
        )
        at = GaugeMetricFamily(
            "momentum_read_model_stopped_at",
            "Position of the event a stopped read model could not apply",
            labels=["model"],
        )
        for name, state in sorted(states.items()):
            stopped.add_metric([name], 0 if state.stopped is None else 1)
            if state.stopped is not None:
                at.add_metric([name], state.stopped.position)
        yield stopped
        yield at


class Metrics:
    """The app's Prometheus registry: requests, latency, log head and lag."""

    def __init__(self, app: Flask) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "momentum_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "momentum_http_request_seconds",
            "Time to answer a request",
            ["route"],
            registry=self.registry,
        )
        lag = Gauge(
            "momentum_projection_lag_events",
            "Events the slowest read model is behind the log",
            registry=self.registry,
        )
        lag.set_function(lambda: system_of(app).runner.lag())
        self.registry.register(StoppedModels(app))
        head = Gauge("momentum_events", "Events in the log", registry=self.registry)
        head.set_function(
            lambda: system_of(app).app.recorder.max_notification_id() or 0
        )
        app.before_request(self._start)
        app.after_request(self._count)
        app.add_url_rule("/metrics", "metrics", self.expose)

    def _start(self) -> None:
        g.started = time.perf_counter()

    def _count(self, response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        self.requests.labels(request.method, route, str(response.status_code)).inc()
        if "started" in g:
            self.latency.labels(route).observe(time.perf_counter() - g.started)
        return response

    def expose(self) -> Response:
        """The metrics in Prometheus text format."""
        return Response(generate_latest(self.registry), mimetype=CONTENT_TYPE_LATEST)
