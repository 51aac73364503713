"""Prometheus metrics and the one-line-per-request access log.

With several worker processes, PROMETHEUS_MULTIPROC_DIR (set by `omnichannel serve`) makes
/metrics aggregate every process.
"""

from __future__ import annotations

import logging
import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("omnichannel.access")

REQUESTS = Counter("omnichannel_http_requests_total", "HTTP requests", ["method", "path", "status"])
LATENCY = Histogram(
    "omnichannel_http_request_seconds",
    "HTTP request latency",
    ["path"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
GRAPHQL_ERRORS = Counter("omnichannel_graphql_errors_total", "GraphQL errors by code", ["code"])
SUBSCRIPTIONS = Gauge("omnichannel_active_subscriptions", "Live GraphQL subscriptions", multiprocess_mode="livesum")


def subscriptions_changed(delta: int) -> None:
    SUBSCRIPTIONS.inc(delta)


def metrics_payload() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus-client leaves it unannotated
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


KNOWN_PATHS = frozenset({"/graphql", "/healthz", "/readyz", "/metrics", "/pad"})


class ObservabilityMiddleware:
    """Counts and times every HTTP request and logs one line for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            path = scope["path"] if scope["path"] in KNOWN_PATHS else "other"
            REQUESTS.labels(scope["method"], path, str(status)).inc()
            LATENCY.labels(path).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access_log.info(
                    '%s "%s %s" %d %.1fms',
                    client[0] if client else "-",
                    scope["method"],
                    scope["path"],
                    status,
                    elapsed * 1000,
                )
