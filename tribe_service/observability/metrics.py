"""The Prometheus metric families, and the ``/metrics`` endpoint that exposes them.

HTTP requests are counted by Litestar's Prometheus middleware
(``tribe_requests_total``, ``tribe_request_duration_seconds``, by method, path
template and status). Everything else is defined here, with bounded labels:
an operation is labelled by its name only when its text is a trusted document's,
else ``anonymous``; pools and replicas by their node names; errors by code.

With several workers (``WORKERS=2``) each process writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` (``just serve`` sets it up) and whichever worker
answers ``/metrics`` adds them all up (prometheus-client's multiprocess mode).
Gauges say how: pool sizes add up over live workers (``livesum``), replica lag
takes the worst (``livemax``), the embedding backlog the latest reading.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response, get
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

PREFIX = "tribe"
ANONYMOUS = "anonymous"
UNMATCHED = "unmatched"
MULTIPROCESS_DIR_VARIABLES = ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir")

# Seconds: a compiled landing page takes a few ms, the operation timeout is 5 s.
DURATION_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Points: the landing page costs a few hundred, MAX_QUERY_COST defaults to 10,000.
COST_BUCKETS = (1, 10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000)

OPERATIONS = Counter(
    f"{PREFIX}_graphql_operations",
    "GraphQL operations, by name (trusted documents; else anonymous), type and outcome",
    ["operation", "type", "status"],
)
OPERATION_DURATION = Histogram(
    f"{PREFIX}_graphql_operation_duration_seconds",
    "Time from parsing to the finished result of one GraphQL operation",
    ["operation", "type"],
    buckets=DURATION_BUCKETS,
)
OPERATION_COST = Histogram(
    f"{PREFIX}_graphql_operation_cost",
    "Estimated cost (points) of the GraphQL operations that were estimated",
    ["operation", "type"],
    buckets=COST_BUCKETS,
)
ERRORS = Counter(
    f"{PREFIX}_graphql_errors",
    "Errors in GraphQL results, by operation and extensions.code",
    ["operation", "code"],
)
REFUSALS = Counter(
    f"{PREFIX}_graphql_refusals",
    "GraphQL operations refused by a limit before they ran (the limit's error code)",
    ["limit"],
)
ANSWERS = Counter(
    f"{PREFIX}_graphql_answers",
    "GraphQL operations executed, by path: a compiled plan, or the resolvers (fallback)",
    ["path"],
)
POOL_SIZE = Gauge(
    f"{PREFIX}_db_pool_connections",
    "Open connections of a database pool (summed over workers)",
    ["pool"],
    multiprocess_mode="livesum",
)
POOL_IDLE = Gauge(
    f"{PREFIX}_db_pool_idle_connections",
    "Idle connections of a database pool (summed over workers)",
    ["pool"],
    multiprocess_mode="livesum",
)
POOL_WAITING = Gauge(
    f"{PREFIX}_db_pool_waiting",
    "Requests waiting for a connection of a database pool (summed over workers)",
    ["pool"],
    multiprocess_mode="livesum",
)
REPLICA_SERVES_READS = Gauge(
    f"{PREFIX}_replica_serves_reads",
    "1 while a replica serves reads, 0 while it is down, lagging or unchecked",
    ["replica"],
    multiprocess_mode="livemin",
)
REPLICA_LAG = Gauge(
    f"{PREFIX}_replica_lag_seconds",
    "Replay lag of a replica at its last check (the worst over workers)",
    ["replica"],
    multiprocess_mode="livemax",
)
RATE_LIMIT_REFUSALS = Counter(
    f"{PREFIX}_rate_limit_refusals",
    "Requests refused because a client's budget was spent or its logins were locked",
    ["budget"],
)
EMBEDDINGS_MISSING = Gauge(
    f"{PREFIX}_embeddings_missing",
    "Rows waiting for an embedding (the background filler's backlog), read at scrape time",
    ["table"],
    multiprocess_mode="mostrecent",
)


def multiprocess_mode() -> bool:
    """True when values are shared through ``PROMETHEUS_MULTIPROC_DIR`` (several workers)."""
    return any(os.environ.get(name) for name in MULTIPROCESS_DIR_VARIABLES)


def mark_worker_gone() -> None:
    """On shutdown: drop this worker's live gauges from the shared figures."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(os.getpid())


class RouteMetrics(PrometheusMiddleware):
    """Litestar's request metrics, labelled by route: a mount (``/graphql``, ``/admin``) is one."""

    def _get_default_labels(self, request: Request[Any, Any, Any]) -> dict[str, str | int | float]:
        """Litestar's labels, by route template (``group_path``), without parsing the URL:
        the parent's reads ``request.url`` first, for a path it then discards."""
        scope = request.scope
        path = scope.get("path_template")
        if not path:  # a mounted app has no path template: name the mount
            handler = scope.get("route_handler")
            path = min(handler.paths) if handler is not None else UNMATCHED
        return {
            "method": request.method if scope["type"] == ScopeType.HTTP else scope["type"],
            "path": path,
            "status_code": 200,
            "app_name": self._config.app_name,
        }


def http_metrics_config() -> PrometheusConfig:
    """Litestar's request metrics, by route template (bounded: never the raw path)."""
    return PrometheusConfig(
        app_name="tribe",
        prefix=PREFIX,
        group_path=True,
        middleware_class=RouteMetrics,
        buckets=list(DURATION_BUCKETS),
        exclude=["^/metrics"],
    )


def metrics_handler(token: str, before_scrape: Callable[[], Awaitable[None]]) -> HTTPRouteHandler:
    """``GET /metrics``; with ``token``, only for ``Authorization: Bearer <token>``.

    ``before_scrape`` refreshes the figures read at scrape time (the embedding backlog).
    """
    expected = f"Bearer {token}".encode()

    def bearer_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        sent = connection.headers.get("authorization", "").encode()
        if not hmac.compare_digest(sent, expected):
            raise NotAuthorizedException("GET /metrics needs the METRICS_TOKEN bearer token.")

    @get("/metrics", guards=[bearer_token] if token else None, include_in_schema=False)
    async def metrics() -> Response[bytes]:
        """Prometheus's text format, added up over every worker in multiprocess mode."""
        await before_scrape()
        registry = REGISTRY
        if multiprocess_mode():
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return metrics
