"""Everything the app adds for operators, gathered for :func:`tribe_service.app.create_app`."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.plugins import PluginProtocol
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from opentelemetry.sdk.trace import TracerProvider

from tribe_service.config import Settings
from tribe_service.engine import TribeEngine
from tribe_service.observability import metrics, tracing
from tribe_service.observability.logs import logging_plugin
from tribe_service.observability.readiness import Readiness
from tribe_service.observability.request_id import RequestIds
from tribe_service.observability.sampler import Sampler
from tribe_service.rate_limit import parse_networks

READY_PATH = "/readyz"
METRICS_PATH = "/metrics"


def readiness_handler(readiness: Readiness) -> HTTPRouteHandler:
    """``GET /readyz``: 200 when ready, 503 with the reason when not."""

    @get(READY_PATH, include_in_schema=False)
    async def readyz() -> Response[dict[str, Any]]:
        """Ready when the primary answers and every migration is applied."""
        ready, body = await readiness.check()
        return Response(body, status_code=HTTP_200_OK if ready else HTTP_503_SERVICE_UNAVAILABLE)

    return readyz


class Instrumentation:
    """Metrics, traces, logs, request ids and readiness for one app."""

    def __init__(
        self, settings: Settings, engine: TribeEngine, tracer_provider: TracerProvider | None = None
    ) -> None:
        if tracer_provider is None and tracing.tracing_configured():
            tracer_provider = tracing.provider_from_environment()
        self.settings = settings
        self.sampler = Sampler(engine)
        self.plugins: list[PluginProtocol] = [logging_plugin(settings)]
        if tracer_provider is not None:
            self.plugins.append(tracing.install(tracer_provider))
        self.route_handlers: list[HTTPRouteHandler] = [readiness_handler(Readiness(engine))]
        self.middleware: list[Any] = [partial(RequestIds, proxies=parse_networks(settings.proxies))]
        self.on_startup: list[Callable[[], Any]] = []
        self.on_shutdown: list[Callable[[], Any]] = []
        if self.serves_metrics:
            self.middleware.append(metrics.http_metrics_config().middleware)
            self.route_handlers.append(
                metrics.metrics_handler(settings.metrics_token, self.sampler.before_scrape)
            )
            self.on_startup.append(self.sampler.start)
            self.on_shutdown += [self.sampler.stop, metrics.mark_worker_gone]

    @property
    def serves_metrics(self) -> bool:
        """``METRICS`` on, and in production only behind ``METRICS_TOKEN``."""
        if not self.settings.metrics:
            return False
        return bool(self.settings.metrics_token) or not self.settings.is_production

    @property
    def host_check_exempt(self) -> tuple[str, ...]:
        """Paths that answer any ``Host``: probes and scrapers ask by address."""
        return (READY_PATH, METRICS_PATH)
