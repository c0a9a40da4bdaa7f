"""OpenTelemetry traces, configured by the standard ``OTEL_*`` variables; off unless configured.

Tracing is on when ``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` is set, or ``OTEL_TRACES_EXPORTER=otlp``,
and ``OTEL_SDK_DISABLED`` is not ``true``. Spans then go to that OTLP/HTTP
collector in batches; ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``,
``OTEL_TRACES_SAMPLER`` and the exporter's headers and timeouts are read by the
SDK itself. A request's trace holds Litestar's server span, the GraphQL
operation's parse, validation (each marked cached or not), execution with its
planning (cached or not) and each SQL statement (asyncpg's instrumentation:
the text with ``$n`` placeholders, never the values), and the encoding.

Off, :func:`tracer` is None and the request path only tests that; on, spans
are made only for the requests the sampler keeps (``OTEL_TRACES_SAMPLER``, e.g.
``parentbased_traceidratio`` with ``OTEL_TRACES_SAMPLER_ARG=0.1``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import Any

from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from opentelemetry import trace
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, Tracer

SERVICE_NAME = "tribe-service"
INSTRUMENTATION_NAME = "tribe_service"
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")

_tracer: Tracer | None = None
_provider: TracerProvider | None = None


def tracing_configured(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the ``OTEL_*`` variables ask for traces (see the module docstring)."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none":
        return False
    return exporter == "otlp" or any(env.get(name) for name in ENDPOINT_VARIABLES)


def provider_from_environment() -> TracerProvider:
    """A tracer provider exporting over OTLP/HTTP as the ``OTEL_*`` variables say."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", SERVICE_NAME)})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def install(provider: TracerProvider) -> OpenTelemetryPlugin:
    """Trace with ``provider``: the GraphQL spans, asyncpg's, and Litestar's plugin (returned)."""
    global _tracer, _provider
    if _provider is not None and _provider is not provider:
        uninstall()
    _provider = provider
    _tracer = provider.get_tracer(INSTRUMENTATION_NAME)
    AsyncPGInstrumentor().instrument(tracer_provider=provider)
    # No span per ASGI send/receive message: they say nothing the request's span does not,
    # and would be most of a trace's spans (and of its cost).
    config = OpenTelemetryConfig(
        tracer_provider=provider, exclude=["^/metrics"], exclude_spans=["receive", "send"]
    )
    return OpenTelemetryPlugin(config)


def uninstall() -> None:
    """Stop tracing (tests switch providers; a server traces for its whole life)."""
    global _tracer, _provider
    if _provider is not None:
        AsyncPGInstrumentor().uninstrument()
        _provider.shutdown()
    _tracer = _provider = None


def tracer() -> Tracer | None:
    """The tracer of this process, or None when tracing is off."""
    return _tracer


def recording() -> bool:
    """Whether this request is traced: tracing is on and its span was sampled.

    Spans below an unsampled request's would be dropped anyway; not making them
    keeps tracing cheap for the requests the sampler leaves out.
    """
    return _tracer is not None and trace.get_current_span().is_recording()


@contextmanager
def _span(name: str, attributes: dict[str, Any]) -> Iterator[Span]:
    assert _tracer is not None
    with _tracer.start_as_current_span(name, attributes=attributes) as span:
        yield span


def quiet_unless_recording() -> Any:
    """A context in which instrumentations make no spans, when this request is not sampled.

    asyncpg's instrumentation prepares each statement's span (it scans the whole SQL text
    for its first word, and builds its attributes) before asking whether anyone records it:
    for a sampled-out request that is pure cost. Suppressing it there loses nothing.
    """
    if _tracer is None or trace.get_current_span().is_recording():
        return nullcontext()
    return suppress_instrumentation()


def span(name: str, **attributes: Any) -> Any:
    """A child span of the current one named ``name``; a context yielding None when not
    :func:`recording`."""
    if not recording():
        return nullcontext()
    return _span(name, attributes)
