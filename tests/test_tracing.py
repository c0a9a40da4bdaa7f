"""The landing page's trace, caught by the OpenTelemetry SDK's in-memory exporter.

One trace per request: Litestar's server span, under it the GraphQL parse,
validation (cached or not), execution with planning (cached or not) and one span
per SQL statement (text with placeholders, no values), then the encoding.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tribe_service.graphql.client_operations import LANDING_PAGE_QUERY
from tribe_service.observability import tracing
from tribe_service.statement_counting import count_statements

GRAPHQL_SPANS = ["graphql.parse", "graphql.validate", "graphql.execute", "graphql.encode"]


@pytest.fixture
async def traced(engine: Any, seeded: None) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """An in-process app tracing into memory, and the exporter; tracing is off again after."""
    from tribe_service.app import create_app
    from tribe_service.config import load_settings

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    settings = load_settings({**os.environ, "RATE_LIMIT_POINTS_PER_MINUTE": "0"})
    app = create_app(settings, engine, tracer_provider=provider)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, exporter
    finally:
        tracing.uninstall()


def _children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


async def _landing_trace(client: httpx.AsyncClient, exporter: Any, query: str) -> Any:
    exporter.clear()
    with count_statements() as statements:
        response = await client.post("/graphql", json={"query": query, "variables": {"first": 7}})
    assert response.status_code == 200 and "errors" not in response.json()
    spans = list(exporter.get_finished_spans())
    assert len({span.context.trace_id for span in spans}) == 1  # one trace per request
    [root] = [span for span in spans if span.parent is None]
    return root, spans, statements.count


async def test_the_landing_page_trace_tree(traced):
    client, exporter = traced
    # A text no other test sent: this process has not parsed, validated or planned it yet.
    query = f"{LANDING_PAGE_QUERY}\n# trace test {uuid.uuid4().hex}\n"
    root, spans, statement_count = await _landing_trace(client, exporter, query)
    assert root.kind.name == "SERVER" and root.attributes["http.method"] == "POST"
    by_name = {span.name: span for span in spans}
    for name in GRAPHQL_SPANS:  # each below the request's span, in the same trace
        ancestor = by_name[name]
        while ancestor.parent is not None:
            ancestor = next(s for s in spans if s.context.span_id == ancestor.parent.span_id)
        assert ancestor is root, name
    execute = by_name["graphql.execute"]
    plan = by_name["graphql.plan"]
    assert plan.parent.span_id == execute.context.span_id
    sql = [span for span in spans if "db.statement" in (span.attributes or {})]
    assert len(sql) == statement_count >= 4  # one span per statement the engine counted
    assert all(span.parent.span_id == execute.context.span_id for span in sql)
    for span in sql:
        assert "$1" in span.attributes["db.statement"]  # the text, values as placeholders
        assert not any("param" in key for key in span.attributes), span.attributes
    assert by_name["graphql.parse"].attributes["graphql.document.cached"] is False
    assert by_name["graphql.validate"].attributes["graphql.validation.cached"] is False
    assert plan.attributes["graphql.plan.cached"] is False
    assert plan.attributes["graphql.plan.compiled"] is True

    _, again, _ = await _landing_trace(client, exporter, query)
    cached = {span.name: span for span in again}
    assert cached["graphql.parse"].attributes["graphql.document.cached"] is True
    assert cached["graphql.validate"].attributes["graphql.validation.cached"] is True
    assert cached["graphql.plan"].attributes["graphql.plan.cached"] is True


def test_tracing_is_off_unless_configured():
    assert not tracing.tracing_configured({})
    assert not tracing.tracing_configured({"OTEL_SERVICE_NAME": "tribe"})
    assert tracing.tracing_configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert tracing.tracing_configured({"OTEL_TRACES_EXPORTER": "otlp"})
    assert not tracing.tracing_configured(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SDK_DISABLED": "true"}
    )
    assert tracing.tracer() is None
