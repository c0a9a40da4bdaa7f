"""Request-level limits: body size, JSON nesting, query length, deadlines, disconnects, rates.

Each test sends an attack from issue 11 and checks the clear refusal (or,
for time, that the work stops and the connection goes back clean).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from tests.graphql_client import graphql
from tribe_service.app import create_app
from tribe_service.config import load_settings
from tribe_service.engine import TribeEngine
from tribe_service.graphql.errors import client_error_for
from tribe_service.request_guard import BoundedBody

pytestmark = pytest.mark.usefixtures("seeded")

FEED = "query($a: String) { feed(first: 2, after: $a) { nodes { id } } }"


def app_client(engine, **environ: str) -> httpx.AsyncClient:
    app = create_app(load_settings({"ENVIRONMENT": "test", **environ}), engine)
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_a_body_announced_above_the_limit_is_413(client):
    body = b'{"query": "{ health }", "pad": "' + b"x" * (300 * 1024) + b'"}'
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_streamed_body_is_cut_off_at_the_limit(client):
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "{ health }", "pad": "'
        for _ in range(100 * 1024):  # 100 MB if it were all read
            sent += 1
            yield b"x" * 1024

    response = await client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert sent < 1024  # stopped after the first 256 kB or so, not 100 MB


async def test_absurdly_nested_variables_are_a_400_not_a_500(client):
    body = '{"query": "{ health }", "variables": {"v": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "nests deeper" in response.text


async def test_moderately_nested_variables_are_a_400(client):
    nested: object = 1
    for _ in range(40):
        nested = [nested]
    response = await client.post(
        "/graphql", json={"query": "{ health }", "variables": {"v": nested}}
    )
    assert response.status_code == 400


async def test_json_the_fast_decoder_refuses_is_decoded_as_the_stdlib_decodes_it(client):
    """Bodies msgspec refuses but json.loads accepts (a byte-order mark, a lone surrogate)
    are answered as before; malformed JSON is still Strawberry's 400."""
    bom = b"\xef\xbb\xbf" + b'{"query": "{ health }"}'
    response = await client.post(
        "/graphql", content=bom, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"health": "ok"}
    surrogate = b'{"query": "{ health }", "variables": {"v": "\\ud800"}}'
    response = await client.post(
        "/graphql", content=surrogate, headers={"content-type": "application/json"}
    )
    assert response.json()["data"] == {"health": "ok"}
    response = await client.post(
        "/graphql", content=b'{"query": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "Unable to parse request body as JSON" in response.text


async def test_a_query_longer_than_the_limit_is_refused(client):
    query = '{ user(username: "' + "x" * 30_000 + '") { id } }'
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 413
    assert "characters" in response.text


async def test_a_comment_or_string_padded_query_is_refused(client):
    query = "{ health }\n#" + "c" * 25_000
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 413


async def test_past_the_deadline_the_client_gets_timeout(engine):
    async with app_client(engine, OPERATION_TIMEOUT_SECONDS="0.000001") as client:
        body = await graphql(client, "{ builders(first: 50) { nodes { id skills { name } } } }")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert body["data"] is None


async def test_a_statement_past_statement_timeout_is_a_timeout_and_the_connection_is_clean(
    database_url,
):
    engine = TribeEngine(config={"dsn": database_url}, statement_timeout_seconds=0.2)
    await engine.start_connection_pool(min_size=1, max_size=1)
    try:
        with pytest.raises(asyncpg.exceptions.QueryCanceledError) as caught:
            await engine._run_in_pool("SELECT pg_sleep(5)")
        error = client_error_for(caught.value)
        assert error is not None
        assert error.code == "TIMEOUT"
        # The one pooled connection answers again, with the timeout still set.
        [row] = await engine._run_in_pool("SHOW statement_timeout")
        assert row["statement_timeout"] == "200ms"
    finally:
        await engine.close_connection_pool()


async def test_timed_out_work_leaves_no_statement_running(engine, database_url):
    blocker = await asyncpg.connect(database_url)
    try:
        # Another session holds the table: the builders query waits on it.
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        async with app_client(engine, OPERATION_TIMEOUT_SECONDS="0.3") as client:
            body = await graphql(client, "{ builders(first: 2) { nodes { id } } }")
        [error] = body["errors"]
        assert error["extensions"]["code"] == "TIMEOUT"
        await asyncio.sleep(0.2)
        waiting = await blocker.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND state = 'active' AND pid <> pg_backend_pid()"
        )
        assert waiting == 0  # the request's statement was cancelled, not left waiting
        await transaction.rollback()
    finally:
        await blocker.close()
    # The pool's connections are clean: the next request answers.
    async with app_client(engine) as client:
        body = await graphql(client, "{ builders(first: 2) { nodes { id } } }")
    assert "errors" not in body


async def test_a_client_that_hangs_up_cancels_its_work():
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def slow_app(scope, receive, send) -> None:
        await receive()
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    messages = [{"type": "http.request", "body": b"{}", "more_body": False}]

    async def receive():
        if messages:
            return messages.pop(0)
        await started.wait()
        return {"type": "http.disconnect"}

    async def send(message) -> None:
        raise AssertionError("nothing is sent to a client that left")

    guard = BoundedBody(slow_app, max_bytes=1024)
    scope = {"type": "http", "method": "POST", "headers": []}
    await asyncio.wait_for(guard(scope, receive, send), timeout=5)
    assert cancelled.is_set()


async def test_spending_the_budget_gives_429_with_retry_after_and_ratelimit_headers(engine):
    async with app_client(engine, RATE_LIMIT_POINTS_PER_MINUTE="50") as client:
        query = "{ feed(first: 20) { nodes { id actor { id } } } }"  # 1 + 41 points
        first = await client.post("/graphql", json={"query": query})
        assert first.status_code == 200
        assert first.headers["RateLimit-Limit"] == "50"
        assert first.headers["RateLimit-Remaining"] == "8"
        second = await client.post("/graphql", json={"query": query})
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) >= 1
    [error] = second.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"


async def test_trusted_proxies_count_each_forwarded_client_separately(engine):
    query = "{ feed(first: 20) { nodes { id actor { id } } } }"
    settings = {"RATE_LIMIT_POINTS_PER_MINUTE": "50", "TRUSTED_PROXIES": "127.0.0.1"}
    # httpx's ASGI transport connects from 127.0.0.1.
    async with app_client(engine, **settings) as client:
        statuses = [
            (
                await client.post(
                    "/graphql", json={"query": query}, headers={"X-Forwarded-For": f"10.0.0.{i}"}
                )
            ).status_code
            for i in range(3)
        ]
        assert statuses == [200, 200, 200]
        again = await client.post(
            "/graphql", json={"query": query}, headers={"X-Forwarded-For": "10.0.0.1"}
        )
        assert again.status_code == 429


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(engine):
    query = "{ feed(first: 20) { nodes { id actor { id } } } }"
    async with app_client(engine, RATE_LIMIT_POINTS_PER_MINUTE="50") as client:
        for i, expected in enumerate([200, 429]):
            response = await client.post(
                "/graphql", json={"query": query}, headers={"X-Forwarded-For": f"10.0.1.{i}"}
            )
            assert response.status_code == expected


async def test_refused_operations_spend_the_budget_too(engine):
    # A fragment bomb (or any document refused before execution) costs its
    # parsing and validation: 1 point on arrival and 100 for the refusal.
    bomb = (
        '{ user(username: "x") { ...F0 } }\n'
        + "\n".join(f"fragment F{i} on User {{ ...F{i + 1} ...F{i + 1} }}" for i in range(20))
        + "\nfragment F20 on User { a: id }"
    )
    async with app_client(engine, RATE_LIMIT_POINTS_PER_MINUTE="150") as client:
        first = await client.post("/graphql", json={"query": bomb})
        assert first.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"
        assert first.headers["RateLimit-Remaining"] == "49"
        second = await client.post("/graphql", json={"query": bomb})
        assert second.headers["RateLimit-Remaining"] == "0"
        third = await client.post("/graphql", json={"query": "{ health }"})
    assert third.status_code == 429
    assert third.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


async def test_a_cursor_past_year_9999_in_utc_is_an_invalid_cursor(client):
    cursor = _cursor(["feed", "9999-12-31T23:59:00-23:59", "01ARZ3NDEKTSV4RRFFQ69G5FAV"])
    body = await graphql(client, FEED, {"a": cursor})
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_CURSOR"
