"""The benchmark's pure helpers and its reference SQL (the benchmarks themselves stay out).

``just bench`` and ``just stress`` take minutes; these checks take a second: the
load generator against an in-process null server, the percentile maths, the
stress test's answer classification, and that the reference app's one SQL
statement really produces the landing page's JSON.
"""

from __future__ import annotations

import asyncio
import json
import math

import asyncpg
import pytest

from harness.database_urls import with_application_name
from harness.load import (
    HttpRequest,
    HttpResponse,
    parse_head,
    percentile,
    round_robin,
    run_load,
    serve_null,
)
from harness.reference_app import LANDING_SQL
from harness.responses import classify, graphql_error_codes
from tests.graphql_client import graphql_data
from tribe_service.embedded_postgres import free_port
from tribe_service.graphql.client_operations import LANDING_PAGE_QUERY


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile(values, 0)


def test_requests_are_encoded_once():
    request = HttpRequest.graphql("health", "{ health }")
    head, _, body = request.raw.partition(b"\r\n\r\n")
    assert head.startswith(b"POST /graphql HTTP/1.1\r\n")
    assert f"Content-Length: {len(body)}".encode() in head
    assert json.loads(body) == {"query": "{ health }", "variables": {}}
    assert HttpRequest.get("h", "/healthz").raw.endswith(b"\r\n\r\n")


def test_response_heads_are_parsed():
    status, headers = parse_head(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\n")
    assert status == 503
    assert headers["content-length"] == "2"


async def test_the_load_generator_is_bounded_and_counts():
    port = free_port()
    server = asyncio.create_task(serve_null(port, body_size=100, lifetime=10))
    try:
        for _ in range(50):  # wait for the listener
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.02)
        pick = round_robin([HttpRequest.get("a", "/"), HttpRequest.graphql("b", "{ health }")])
        result = await run_load(port, pick, concurrency=4, duration=5.0, max_requests=40)
    finally:
        server.cancel()
    assert result.requests == 40  # the count bound, well before the time bound
    assert result.failed == 0
    assert result.statuses == {200: 40}
    assert result.percentile_ms(99) < 5000


def test_stress_classification():
    graphql = HttpRequest.graphql("g", "{ health }")
    healthz = HttpRequest.get("h", "/healthz")
    ok = HttpResponse(200, b'{"data":{"health":"ok"}}')
    down = HttpResponse(
        200,
        b'{"data":null,"errors":[{"message":"x","extensions":{"code":"DATABASE_UNAVAILABLE"}}]}',
    )
    assert classify(graphql, ok) is None
    assert classify(graphql, down) == "GraphQL error DATABASE_UNAVAILABLE"
    assert classify(graphql, HttpResponse(500, b"oops")) == "HTTP 500"
    assert classify(healthz, HttpResponse(503, b"{}")) == "HTTP 503"
    assert classify(healthz, HttpResponse(200, b"{}")) is None
    assert graphql_error_codes(b'{"errors":[{"message":"m"}]}') == ["none"]
    assert graphql_error_codes(b"not json") is None


def test_application_name_is_added_to_the_url():
    url = with_application_name("postgresql://u:p@127.0.0.1:5432/db?sslmode=disable", "x")
    assert url == "postgresql://u:p@127.0.0.1:5432/db?sslmode=disable&application_name=x"


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("first", [2, 20])
async def test_the_reference_sql_answers_the_landing_page_json(client, database_url, first):
    expected = await graphql_data(client, LANDING_PAGE_QUERY, {"first": first})
    connection = await asyncpg.connect(database_url)
    try:
        document = await connection.fetchval(LANDING_SQL, first)
    finally:
        await connection.close()
    assert json.loads(document) == {"data": expected}
