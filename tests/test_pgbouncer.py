"""The app through a real PgBouncer in transaction mode (Debian's package, 1.18 here).

PgBouncer < 1.21 does not track prepared statements, so asyncpg's statement
cache must be off (``DATABASE_POOLER=pgbouncer``). These tests run the landing
page, the admin and a database outage through it, with the app in its own
process as ``just serve`` runs it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator

import asyncpg
import pytest

from harness.load import HttpRequest, run_load
from harness.server import NO_RATE_LIMIT, ServerProcess, uvicorn_server
from tests.conftest import database_name, run_cli
from tests.graphql_client import graphql, graphql_data
from tests.test_admin import csrf, login
from tribe_service.config import DatabasePooler
from tribe_service.connections import connection_config
from tribe_service.embedded_postgres import EmbeddedPostgres
from tribe_service.graphql.client_operations import LANDING_PAGE_QUERY
from tribe_service.graphql.errors import DATABASE_UNAVAILABLE_MESSAGE
from tribe_service.pgbouncer import LocalPgBouncer, pgbouncer_binary

# Fewer server connections than the app's pool: clients share them, as in production.
SERVER_POOL_SIZE = 2
QUERY_WAIT_TIMEOUT = 2
LANDING = HttpRequest.graphql("landing", LANDING_PAGE_QUERY, {"first": 20})
USER_QUERY = "query ($u: String!) { user(username: $u) { id headline } }"

pytestmark = pytest.mark.filterwarnings("ignore:If running sessions in production:UserWarning")


@pytest.fixture(scope="module")
def bouncer(primary: EmbeddedPostgres) -> Iterator[LocalPgBouncer]:
    if pgbouncer_binary() is None:
        problem = "pgbouncer is not installed (apt-get install pgbouncer; .ci/run does)"
        if os.environ.get("REQUIRE_PGBOUNCER") == "1":
            pytest.fail(f"REQUIRE_PGBOUNCER=1 but {problem}")
        pytest.skip(problem)
    assert primary.port is not None
    with LocalPgBouncer(
        primary.port, pool_size=SERVER_POOL_SIZE, query_wait_timeout=QUERY_WAIT_TIMEOUT
    ) as bouncer:
        yield bouncer


@pytest.fixture(scope="module")
def bounced_url(bouncer: LocalPgBouncer, primary_database: str) -> str:
    return bouncer.url(database_name(primary_database))


@pytest.fixture(scope="module")
def app_server(bounced_url: str) -> Iterator[ServerProcess]:
    env = {
        "DATABASE_URL": bounced_url,
        "DATABASE_POOLER": "pgbouncer",
        "ENVIRONMENT": "test",
        **NO_RATE_LIMIT,  # one load generator is one client
    }
    with uvicorn_server("tribe_service.app:app", workers=1, env=env, name="pgbouncer") as server:
        yield server


async def prepared_statement_errors(url: str, pooler: DatabasePooler) -> list[str]:
    """Run 100 parameterised reads over a pool of 5 with the app's options for ``pooler``."""
    pool = await asyncpg.create_pool(**connection_config(url, pooler), min_size=5, max_size=5)
    errors: list[str] = []

    async def read(i: int) -> None:
        try:
            await pool.fetchval("SELECT $1::int + 1", i)
            await pool.fetchval("SELECT $1::text", str(i))
        except asyncpg.PostgresError as error:
            errors.append(type(error).__name__)

    try:
        await asyncio.gather(*(read(i) for i in range(100)))
    finally:
        await pool.close()
    return errors


async def test_prepared_statements_need_the_pooler_setting(bounced_url):
    """Why the setting exists: with asyncpg's cache on, statements vanish between server
    connections; with ``DATABASE_POOLER=pgbouncer`` none does."""
    assert "InvalidSQLStatementNameError" in await prepared_statement_errors(
        bounced_url, DatabasePooler.NONE
    )
    assert await prepared_statement_errors(bounced_url, DatabasePooler.PGBOUNCER) == []


async def test_landing_page_through_pgbouncer_under_concurrency(
    app_server, primary, primary_database
):
    result = await run_load(
        app_server.port,
        lambda _: LANDING,
        concurrency=8,
        duration=60,
        max_requests=40,
        record=True,
        keep_bodies=True,
    )
    assert result.requests == 40
    assert result.failed == 0, result.problems
    assert len({outcome.body for outcome in result.outcomes}) == 1
    sessions = primary.psql(
        f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database_name(primary_database)}'"
    )
    assert 1 <= int(sessions) <= SERVER_POOL_SIZE  # the app's 10-connection pool shares 2


async def test_admin_logs_in_and_edits_through_pgbouncer(
    served_client, bounced_url, primary_database
):
    username, password = f"admin_{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    created = run_cli(
        "piccolo",
        "user",
        "create",
        f"--username={username}",
        f"--password={password}",
        f"--email={username}@example.com",
        "--is_admin=t",
        "--is_superuser=t",
        "--is_active=t",
        env={"DATABASE_URL": bounced_url, "DATABASE_POOLER": "pgbouncer"},
    )
    assert created.returncode == 0, created.stderr
    response = await login(served_client, username, password)
    assert response.status_code == 200, response.text

    maya = (await graphql_data(served_client, USER_QUERY, {"u": "mayachen"}))["user"]
    url = f"/admin/api/tables/users/{maya['id']}/"
    detail = await served_client.get(url)
    assert detail.status_code == 200, detail.text
    edited = await served_client.patch(
        url, json={"headline": "Edited through PgBouncer"}, headers=csrf(served_client)
    )
    try:
        assert edited.status_code == 200, edited.text
        after = await graphql_data(served_client, USER_QUERY, {"u": "mayachen"})
        assert after["user"]["headline"] == "Edited through PgBouncer"
    finally:
        restored = await served_client.patch(
            url, json={"headline": maya["headline"]}, headers=csrf(served_client)
        )
        assert restored.status_code == 200, restored.text


async def test_outage_behind_pgbouncer_is_a_clear_error_and_recovers(served_client, primary):
    assert await graphql_data(served_client, "{ health }") == {"health": "ok"}
    primary.stop()
    try:
        for _ in range(3):
            body = await graphql(served_client, "{ health }")
            assert body["data"] == {"health": None}  # root fields are nullable
            [error] = body["errors"]
            assert error["message"] == DATABASE_UNAVAILABLE_MESSAGE
            assert error["extensions"].pop("requestId")  # the logs' id for this request
            assert error["extensions"] == {"code": "DATABASE_UNAVAILABLE"}
        assert (await served_client.get("/healthz")).status_code == 503
    finally:
        primary.start()

    async with asyncio.timeout(15):  # PgBouncer retries its server login every second
        while (await served_client.get("/healthz")).status_code != 200:  # noqa: ASYNC110 - polls a server
            await asyncio.sleep(0.2)
    assert await graphql_data(served_client, "{ health }") == {"health": "ok"}
    body = await graphql(served_client, LANDING_PAGE_QUERY, {"first": 20})
    assert "errors" not in body
