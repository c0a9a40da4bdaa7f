"""Traces leave the served app over OTLP/HTTP, configured only by the standard ``OTEL_*`` variables.

A small OTLP/HTTP receiver on 127.0.0.1 takes the exporter's protobuf requests;
the spans it gets carry the service name, the GraphQL phases and the SQL text,
never a variable's value.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from harness.server import NO_RATE_LIMIT, uvicorn_server

SECRET_USERNAME = "no-such-builder-9c41"
USER_QUERY = "query Who($u: String!) { user(username: $u) { id headline } }"


class Receiver(ThreadingHTTPServer):
    """Keeps every export request's spans (OTLP/HTTP, protobuf)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[ExportTraceServiceRequest] = []

    def spans(self) -> list[tuple[str, Any, dict[str, Any]]]:
        """(service name, span, attributes) of everything received."""
        found = []
        for request in list(self.requests):
            for resource_spans in request.resource_spans:
                resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        attributes = {a.key: a.value for a in span.attributes}
                        found.append((resource.get("service.name", ""), span, attributes))
        return found


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.server.requests.append(request)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_spans_reach_an_otlp_collector(database_url: str, seeded: None, receiver: Receiver):
    env = {
        **NO_RATE_LIMIT,
        "DATABASE_URL": database_url,
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_address[1]}",
        "OTEL_SERVICE_NAME": "tribe-under-test",
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # ms: export batches quickly
    }
    with uvicorn_server("tribe_service.app:app", workers=1, env=env) as server:
        answer = httpx.post(
            f"http://127.0.0.1:{server.port}/graphql",
            json={"query": USER_QUERY, "variables": {"u": SECRET_USERNAME}},
        )
        assert answer.json() == {"data": {"user": None}}
        deadline = time.monotonic() + 30
        while not any(span.name == "graphql.execute" for _, span, _ in receiver.spans()):
            assert time.monotonic() < deadline, "no spans arrived"
            time.sleep(0.1)
    spans = receiver.spans()
    assert {service for service, _, _ in spans} == {"tribe-under-test"}
    names = {span.name for _, span, _ in spans}
    assert {"graphql.parse", "graphql.validate", "graphql.execute", "graphql.plan"} <= names
    statements = [
        attrs["db.statement"].string_value for _, _, attrs in spans if "db.statement" in attrs
    ]
    assert statements and all("$1" in sql for sql in statements if "username" in sql)
    for _, span, attributes in spans:
        assert SECRET_USERNAME not in str(attributes), span.name
