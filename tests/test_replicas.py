"""Reads on a real streaming replica, with failover to the primary and back.

The app runs as ``just serve`` runs it (uvicorn, its own process) against a
seeded scratch database on the primary and the same database on a replica
that logs every statement. Where reads land is seen by the servers
themselves: the replica's log and the primary's ``pg_stat_activity``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from harness.load import HttpRequest, run_load
from harness.server import NO_RATE_LIMIT, ServerProcess, uvicorn_server
from tests.conftest import database_name
from tests.graphql_client import graphql_data
from tribe_service.embedded_postgres import EmbeddedPostgres
from tribe_service.graphql.client_operations import LANDING_PAGE_QUERY

MAX_LAG_MS = 300
CHECK_INTERVAL_MS = 100
LANDING = {"query": LANDING_PAGE_QUERY, "variables": {"first": 20}}
USER_QUERY = "query ($u: String!) { user(username: $u) { displayName } }"
# The landing page's feed reads this table (its compiled plan unquoted, Piccolo quoted), and
# no other statement the app sends does.
LANDING_TABLE = "feed_events"


@pytest.fixture(scope="module")
def logged_database(primary: EmbeddedPostgres, primary_database: str) -> Iterator[str]:
    """:func:`primary_database`, with its statements logged by the primary and the replica."""
    name = database_name(primary_database)
    primary.psql(f"ALTER DATABASE \"{name}\" SET log_statement = 'all'")
    try:
        yield primary_database
    finally:
        primary.psql(f'ALTER DATABASE "{name}" RESET log_statement')


@pytest.fixture(scope="module")
def app_server(logged_database: str, replica: EmbeddedPostgres) -> Iterator[ServerProcess]:
    """The app in its own process, reading from the replica."""
    env = {
        "DATABASE_URL": logged_database,
        "DATABASE_REPLICA_URLS": replica.url(database_name(logged_database)),
        "REPLICA_MAX_LAG_MS": str(MAX_LAG_MS),
        "REPLICA_CHECK_INTERVAL_MS": str(CHECK_INTERVAL_MS),
        "ENVIRONMENT": "test",
        **NO_RATE_LIMIT,  # one load generator is one client
    }
    with uvicorn_server("tribe_service.app:app", workers=1, env=env, name="replicas") as server:
        yield server


def landing_statement_times(server: EmbeddedPostgres) -> list[float]:
    """When ``server`` logged each landing-page statement (Unix time; its log is in UTC)."""
    return [
        datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC).timestamp()
        for line in server.log_file.read_text(errors="replace").splitlines()
        if LANDING_TABLE in line and ("statement:" in line or "execute" in line)
    ]


def landing_statements(server: EmbeddedPostgres) -> int:
    """How many landing-page statements ``server`` has logged so far."""
    return len(landing_statement_times(server))


async def replica_health(served_client: httpx.AsyncClient) -> str:
    response = await served_client.get("/healthz")
    assert response.status_code == 200, response.text
    return response.json()["replicas"]["replica_1"]


async def wait_until(condition) -> None:
    """Poll ``condition()`` until it is true (at most 10 s)."""
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 - polls a server's log file, not an event
            await asyncio.sleep(0.05)


async def wait_for_health(served_client: httpx.AsyncClient, done) -> float:
    """Poll /healthz until ``done(replica state)`` (at most 5 s); returns when."""
    async with asyncio.timeout(5):
        while not done(await replica_health(served_client)):  # noqa: ASYNC110 - polls a server
            await asyncio.sleep(0.02)
    return time.perf_counter()


async def test_queries_read_from_the_replica_not_the_primary(served_client, primary, replica):
    on_primary, on_replica = landing_statements(primary), landing_statements(replica)
    data = await graphql_data(served_client, LANDING["query"], LANDING["variables"])
    assert data["builders"]["nodes"]

    assert landing_statements(replica) > on_replica
    assert landing_statements(primary) == on_primary
    healthz = await served_client.get("/healthz")
    assert healthz.json() == {"status": "ok", "replicas": {"replica_1": "ok"}, "replicas_out": []}


async def test_stopping_the_replica_under_load_loses_no_request_and_reads_come_back(
    served_client, app_server, primary, replica
):
    request = HttpRequest.graphql("landing", LANDING["query"], LANDING["variables"])
    stop_load = asyncio.Event()
    load = asyncio.create_task(
        run_load(
            app_server.port,
            lambda _: request,
            concurrency=4,
            duration=30,
            max_requests=100_000,
            record=True,
            keep_bodies=True,
            stop=stop_load,
        )
    )
    try:
        await asyncio.sleep(0.5)
        on_primary = landing_statements(primary)
        await asyncio.to_thread(replica.stop)
        stopped, stopped_at = time.perf_counter(), time.time()
        await wait_for_health(served_client, lambda state: state == "down")
        await wait_until(lambda: landing_statements(primary) > on_primary)

        on_replica = landing_statements(replica)
        await asyncio.to_thread(replica.start)
        started, started_at = time.perf_counter(), time.time()
        await wait_for_health(served_client, lambda state: state == "ok")
        await wait_until(lambda: landing_statements(replica) > on_replica)
    finally:
        stop_load.set()
        result = await load

    assert result.failed == 0, result.problems
    # Requests ran before the stop and went on after it: the primary's own log shows the
    # load's landing statements once the replica was down (waited for above). Whether one
    # also *began* inside the window depends on how slow a page is on a busy machine.
    began = [result.started + outcome.started for outcome in result.outcomes]
    assert any(t < stopped for t in began)
    assert any(t > started for t in began)
    # Same answers from the replica and the primary (the data did not change).
    assert len({outcome.body for outcome in result.outcomes}) == 1
    # Seen by the servers: the primary answered reads within a second of the replica's stop
    # (in-flight reads failed over even before pg_ctl returned), the replica soon after its start.
    moved = landing_statement_times(primary)[on_primary] - stopped_at
    assert moved < 1.0, f"reads took {moved:.2f} s to move to the primary"
    returned = landing_statement_times(replica)[on_replica] - started_at
    assert returned < 2.0, f"reads took {returned:.2f} s to return to the replica"


async def test_a_lagging_replica_is_skipped_until_it_catches_up(
    served_client, primary, primary_database, replica
):
    username = primary.psql(
        "SELECT username FROM users ORDER BY username LIMIT 1", database_name(primary_database)
    )
    original = primary.psql(
        f"SELECT display_name FROM users WHERE username = '{username}'",
        database_name(primary_database),
    )
    assert await replica_health(served_client) == "ok"
    replica.psql("SELECT pg_wal_replay_pause()")
    try:
        primary.psql(
            f"UPDATE users SET display_name = 'Written while lagging' WHERE username = '{username}'",
            database_name(primary_database),
        )
        await wait_for_health(served_client, lambda state: state.startswith("lagging"))
        # The paused replica still has the old name; the app answers with the new one.
        on_replica = replica.psql(
            f"SELECT display_name FROM users WHERE username = '{username}'",
            database_name(primary_database),
        )
        assert on_replica == original
        data = await graphql_data(served_client, USER_QUERY, {"u": username})
        assert data["user"]["displayName"] == "Written while lagging"
    finally:
        replica.psql("SELECT pg_wal_replay_resume()")
        primary.psql(
            f"UPDATE users SET display_name = '{original}' WHERE username = '{username}'",
            database_name(primary_database),
        )
    await wait_for_health(served_client, lambda state: state == "ok")
