"""Structured logs and request ids, on the app served as in production.

Every line the production server writes parses as JSON; the request id of an
error's ``extensions`` is the response's ``X-Request-Id`` and the one on its log
line; no line holds a variable's value, an email address, a cookie or a token.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from harness.server import NO_RATE_LIMIT, ServerProcess, uvicorn_server
from tests.graphql_client import graphql
from tribe_service.observability.request_id import MAX_LENGTH

EMAIL = "ada.lovelace@example.com"
SECRET = "s3cr3t-variable-value-7f1e"
COOKIE = "session=cookie-value-91ab"
TOKEN = "Bearer token-value-5c2d"
USER_QUERY = "query UserByName($u: String!) { user(username: $u) { id headline } }"
BAD_VARIABLE = "query Builders($first: Int!) { builders(first: $first) { nodes { id } } }"
SLOW_QUERY = "query Slow { builders(first: 3) { nodes { id } } }"
HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def app_server(database_url: str, seeded: None) -> Iterator[ServerProcess]:
    """The app in production mode, behind 127.0.0.1 as its trusted proxy, logging slow ones."""
    env = {
        **NO_RATE_LIMIT,
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "production",
        "TRUSTED_PROXIES": "127.0.0.1",
        "SLOW_OPERATION_MS": "0",  # every operation is "slow": its SQL is logged
    }
    with uvicorn_server("tribe_service.app:app", workers=1, env=env) as server:
        yield server


def _lines(server: ServerProcess) -> list[str]:
    return [line for line in server.log_tail(lines=100_000).splitlines() if line.strip()]


def _records(server: ServerProcess) -> list[dict[str, Any]]:
    """Every line the server wrote, each parsed as JSON (fails on any that is not)."""
    records = []
    for line in _lines(server):
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"a log line that is not JSON: {line!r}")
    return records


def _records_for(server: ServerProcess, request_id: str) -> list[dict[str, Any]]:
    """The lines of one request (waiting a moment: the standard library's lines go via a queue)."""
    deadline = time.monotonic() + 10
    while True:
        found = [r for r in _records(server) if r.get("request_id") == request_id]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


async def test_production_logs_are_json_and_share_the_request_id(app_server: ServerProcess):
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{app_server.port}") as client:
        response = await client.post(
            "/graphql",
            json={"query": BAD_VARIABLE, "variables": {"first": f"{SECRET} {EMAIL}"}},
            headers={"Cookie": COOKIE, "Authorization": TOKEN},
        )
    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    assert HEX_ID.fullmatch(request_id)
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["requestId"] == request_id
    [line] = [r for r in _records_for(app_server, request_id) if "operation" in r]
    assert line["operation"] == "Builders"
    assert line["status"] == "error" and line["error_codes"] == ["BAD_USER_INPUT"]
    assert line["level"] in {"info", "warning"} and isinstance(line["duration_ms"], float)


async def test_one_line_per_operation_with_its_figures_and_slow_sql(app_server: ServerProcess):
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{app_server.port}") as client:
        response = await client.post("/graphql", json={"query": SLOW_QUERY})
    assert "errors" not in response.json()
    [line] = _records_for(app_server, response.headers["x-request-id"])
    assert line["event"] == "slow graphql operation" and line["level"] == "warning"
    assert line["operation"] == "Slow" and line["operation_type"] == "query"
    assert line["status"] == "ok" and line["statements"] == len(line["sql"]) >= 1
    assert line["cost"] == 4  # the connection and its 3 builders
    assert all("$1" in sql or "LIMIT" in sql.upper() for sql in line["sql"]), line["sql"]


async def test_no_line_holds_a_variable_email_cookie_or_token(app_server: ServerProcess):
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{app_server.port}") as client:
        for variables in ({"u": EMAIL}, {"u": SECRET}):
            body = await graphql(client, USER_QUERY, variables)
            assert body["data"] == {"user": None}
        await client.post(
            "/graphql",
            json={"query": BAD_VARIABLE, "variables": {"first": EMAIL}},
            headers={"Cookie": COOKIE, "Authorization": TOKEN},
        )
    _records(app_server)  # every line JSON
    text = "\n".join(_lines(app_server))
    assert "graphql operation" in text
    for secret in (EMAIL, SECRET, "cookie-value-91ab", "token-value-5c2d", "example.com"):
        assert secret not in text


async def test_a_trusted_proxy_keeps_its_request_id(app_server: ServerProcess):
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{app_server.port}") as client:
        kept = await client.get("/healthz", headers={"X-Request-Id": "lb-1234.abc"})
        too_long = await client.get("/healthz", headers={"X-Request-Id": "a" * (MAX_LENGTH + 1)})
        not_plain = await client.get("/healthz", headers={"X-Request-Id": "a b\tc"})
    assert kept.headers["x-request-id"] == "lb-1234.abc"
    assert HEX_ID.fullmatch(too_long.headers["x-request-id"])
    assert HEX_ID.fullmatch(not_plain.headers["x-request-id"])


async def test_anyone_else_gets_a_new_request_id(client):
    """In process, no trusted proxies: an incoming id is never believed, and ids differ."""
    first = await client.post(
        "/graphql", json={"query": "{ nope }"}, headers={"X-Request-Id": "forged-id"}
    )
    second = await client.post("/graphql", json={"query": "{ nope }"})
    ids = {first.headers["x-request-id"], second.headers["x-request-id"]}
    assert len(ids) == 2 and "forged-id" not in ids
    assert first.json()["errors"][0]["extensions"]["requestId"] == first.headers["x-request-id"]


async def test_no_access_log_line_under_no_access_log(app_server: ServerProcess):
    """``just serve`` runs uvicorn with ``--no-access-log``: the app's logging keeps it so."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{app_server.port}") as client:
        response = await client.post("/graphql", json={"query": SLOW_QUERY})
    [operation] = _records_for(app_server, response.headers["x-request-id"])  # it has arrived
    assert operation["event"] == "slow graphql operation"
    access_lines = [r for r in _records(app_server) if "HTTP/1.1" in str(r.get("event"))]
    assert access_lines == []
