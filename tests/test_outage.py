"""A database outage: clear errors while it lasts, recovery without a restart.

This test runs its own embedded server (whatever DATABASE_URL says) because it
stops and starts it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest

from tribe_service.app import create_app
from tribe_service.auth.cookies import ACCESS_COOKIE
from tribe_service.auth.sessions import ACCESS_AUDIENCE
from tribe_service.auth.signed_tokens import TokenSigner
from tribe_service.config import load_settings
from tribe_service.database_errors import is_database_unavailable
from tribe_service.embedded_postgres import EmbeddedPostgres, temporary_server
from tribe_service.engine import build_engine
from tribe_service.graphql.errors import DATABASE_UNAVAILABLE_MESSAGE
from tribe_service.ids import new_ulid

HEALTH = {"query": "{ health }"}


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedPostgres]:
    with temporary_server("tribe-outage-") as server:
        yield server


@pytest.fixture
async def client(server: EmbeddedPostgres) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(
        {"DATABASE_URL": server.url(), "ENVIRONMENT": "production", "ALLOWED_HOSTS": "testserver"}
    )
    engine = build_engine(settings)
    await engine.open_pool()
    app = create_app(settings, engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await engine.close_connection_pool()


async def test_outage_is_a_clear_error_and_recovers_without_restart(server, client):
    assert (await client.post("/graphql", json=HEALTH)).json() == {"data": {"health": "ok"}}

    server.stop()
    try:
        for _ in range(3):  # pooled connections die one by one; every answer must be clear
            response = await client.post("/graphql", json=HEALTH)
            assert response.status_code == 200
            body = response.json()
            assert body["data"] == {"health": None}  # root fields are nullable
            [error] = body["errors"]
            assert error["message"] == DATABASE_UNAVAILABLE_MESSAGE
            assert error["extensions"].pop("requestId")  # the logs' id for this request
            assert error["extensions"] == {"code": "DATABASE_UNAVAILABLE"}
            assert "tribe:tribe" not in response.text
            assert "Traceback" not in response.text
        healthz = await client.get("/healthz")
        assert healthz.status_code == 503
        assert healthz.json() == {"status": "database unavailable"}
    finally:
        server.start()

    assert (await client.post("/graphql", json=HEALTH)).json() == {"data": {"health": "ok"}}
    assert (await client.get("/healthz")).status_code == 200


async def test_app_starts_while_the_database_is_down(server):
    settings = load_settings({"DATABASE_URL": server.url(), "ENVIRONMENT": "test"})
    engine = build_engine(settings)
    server.stop()
    try:
        await engine.open_pool()  # must not raise: the app serves 503s until it is back
        assert engine.pool is not None
    finally:
        server.start()
    try:
        await engine.ping()
    finally:
        await engine.close_connection_pool()


def test_embedded_server_is_idempotent_and_keeps_its_data(server):
    assert server.start() is False  # already running
    server.psql(
        "CREATE TABLE IF NOT EXISTS kept (value int); INSERT INTO kept VALUES (42)", "tribe"
    )
    assert server.stop() is True
    assert server.stop() is False
    assert server.start() is True
    assert server.psql("SELECT value FROM kept", "tribe") == "42"
    assert (
        server.psql("SELECT extname FROM pg_extension WHERE extname = 'vector'", "tribe")
        == "vector"
    )


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (ConnectionRefusedError(), True),
        (asyncpg.exceptions.InterfaceError("connection is closed"), True),
        # `just stress`: a query cancelled while the server shut down left its pooled
        # connection mid-operation, and the next query on it failed with this.
        (
            asyncpg.exceptions.InternalClientError(
                "cannot switch to state 12; another operation (2) is in progress"
            ),
            True,
        ),
        (asyncpg.exceptions.InternalClientError("something else"), False),
        (asyncpg.exceptions.UndefinedTableError("relation does not exist"), False),
    ],
)
def test_which_errors_mean_the_database_is_unavailable(error, unavailable):
    assert is_database_unavailable(error) is unavailable


async def test_a_signed_in_request_during_an_outage_is_the_clear_error(server):
    # The session is checked before GraphQL runs: with the database down, that check
    # must answer DATABASE_UNAVAILABLE like everything else, not a 500 (found by the
    # stress test's writes phase, whose clients are signed in).
    secret = "outage-session-secret-" + "s" * 32
    settings = load_settings(
        {
            "DATABASE_URL": server.url(),
            "ENVIRONMENT": "production",
            "ALLOWED_HOSTS": "testserver",
            "SESSION_SECRET": secret,
        }
    )
    engine = build_engine(settings)
    await engine.open_pool()
    token = TokenSigner([secret]).sign({"sub": new_ulid(), "sid": new_ulid()}, ACCESS_AUDIENCE, 60)
    transport = httpx.ASGITransport(app=create_app(settings, engine))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            client.cookies.set(ACCESS_COOKIE, token)
            server.stop()
            try:
                response = await client.post(
                    "/graphql",
                    json={"query": "mutation { completeOnboarding { userErrors { code } } }"},
                )
            finally:
                server.start()
    finally:
        await engine.close_connection_pool()
    assert response.status_code == 503
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert error["message"] == DATABASE_UNAVAILABLE_MESSAGE
    assert "Traceback" not in response.text


async def test_a_mutation_whose_transaction_cannot_begin_is_the_clear_error(server, client):
    # The transaction opens before any resolver runs; an outage then must not surface
    # the driver's words without a code ("the database system is shutting down").
    server.stop()
    try:
        response = await client.post(
            "/graphql", json={"query": "mutation { completeOnboarding { userErrors { code } } }"}
        )
    finally:
        server.start()
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert error["message"] == DATABASE_UNAVAILABLE_MESSAGE
