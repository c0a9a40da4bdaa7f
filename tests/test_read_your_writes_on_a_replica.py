"""Read your writes on a real streaming replica whose replay is paused (issue 18, rule 4).

The app runs as ``just serve`` runs it (uvicorn, its own process, development mode for
the development sign-in) against a seeded scratch database on the primary and the same
database on a replica that logs every statement. Replay is paused on the replica, Maya
edits her headline through ``/graphql``, and then:

* the replica itself still has the old headline (asked directly);
* Maya's own query answers the new one, and the replica's log shows that none of her
  reads went there (her reads are the only statements carrying her id as a parameter);
* Tom's query of the same profile answers the old headline: only the paused replica
  still has it, so his read went there;
* once replay resumes and the monitor sees the replica past Maya's commit, her reads go
  to the replica again (its log shows them).

With ``REDIS_URL`` the positions are shared: two instances and a real ``redis-server``,
Maya writes through one and reads her write through the other while the replica lags.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from harness.server import NO_RATE_LIMIT, ServerProcess, uvicorn_server
from tests.conftest import database_name
from tests.graphql_client import graphql_data
from tests.real_servers import redis_server
from tribe_service.embedded_postgres import EmbeddedPostgres

# Long enough that the paused replica stays in service for everyone but the writer.
MAX_LAG_MS = 120_000
CHECK_INTERVAL_MS = 100
MAYA, TOM = "mayachen", "tomnakamura"
UPDATE_HEADLINE = """
mutation ($input: UpdateProfileInput!) {
  updateProfile(input: $input) { user { headline } userErrors { code } }
}"""
HEADLINE = "query ($u: String!) { user(username: $u) { headline } }"
OWN_HEADLINE = "{ viewer { id headline } }"


def app_environment(primary_database: str, replica: EmbeddedPostgres) -> dict[str, str]:
    """The app on the primary, reading from the replica, with the development sign-in."""
    return {
        "DATABASE_URL": primary_database,
        "DATABASE_REPLICA_URLS": replica.url(database_name(primary_database)),
        "REPLICA_MAX_LAG_MS": str(MAX_LAG_MS),
        "REPLICA_CHECK_INTERVAL_MS": str(CHECK_INTERVAL_MS),
        "ENVIRONMENT": "development",
        **NO_RATE_LIMIT,
    }


@pytest.fixture(scope="module")
def app_server(primary_database: str, replica: EmbeddedPostgres) -> Iterator[ServerProcess]:
    """The app in its own process, reading from the replica."""
    env = app_environment(primary_database, replica)
    with uvicorn_server("tribe_service.app:app", workers=1, env=env, name="ryw") as server:
        yield server


@pytest.fixture(scope="module")
def two_instances(
    primary_database: str, replica: EmbeddedPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two app instances sharing a real redis-server and a session key."""
    with redis_server(tmp_path_factory.mktemp("ryw-redis")) as redis_url:
        env = {
            **app_environment(primary_database, replica),
            "REDIS_URL": redis_url,
            "SESSION_SECRET": "read-your-writes-test-" + "k" * 32,
        }
        with (
            uvicorn_server("tribe_service.app:app", workers=1, env=env, name="ryw a") as a,
            uvicorn_server("tribe_service.app:app", workers=1, env=env, name="ryw b") as b,
        ):
            yield a, b


async def signed_in(app_server: ServerProcess, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{app_server.port}", timeout=10)
    response = await client.get("/auth/dev/sign-in", params={"username": username})
    assert response.status_code == 200, response.text
    return client


@pytest.fixture
async def maya_and_tom(app_server) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    maya, tom = await signed_in(app_server, MAYA), await signed_in(app_server, TOM)
    try:
        yield maya, tom
    finally:
        await maya.aclose()
        await tom.aclose()


def lines_naming(server: EmbeddedPostgres, text: str) -> int:
    """How many lines of ``server``'s log contain ``text`` (a statement's parameters)."""
    return sum(text in line for line in server.log_file.read_text(errors="replace").splitlines())


async def wait_until(condition) -> None:
    """Poll ``condition()`` (async) until it is true, at most 20 s."""
    async with asyncio.timeout(20):
        while not await condition():  # noqa: ASYNC110 - polls servers, not an event
            await asyncio.sleep(0.05)


async def test_a_builder_reads_their_write_while_the_replica_lags_and_others_read_the_replica(
    app_server, maya_and_tom, primary, primary_database, replica
):
    maya, tom = maya_and_tom
    database = database_name(primary_database)
    headline_sql = f"SELECT headline FROM users WHERE username = '{MAYA}'"
    original = primary.psql(headline_sql, database)
    maya_id = primary.psql(f"SELECT id FROM users WHERE username = '{MAYA}'", database)
    new = "Shipping while the replica sleeps"
    # A fresh commit, replayed: the replica's lag counts from it once replay is paused.
    await caught_up(primary, replica, database)

    async def maya_reads_the_replica() -> bool:
        seen = lines_naming(replica, maya_id)
        mine = await graphql_data(maya, OWN_HEADLINE)
        assert mine["viewer"]["headline"] in (original, new)
        return lines_naming(replica, maya_id) > seen

    # Before writing, Maya's own reads are the replica's like anyone's.
    await wait_until(maya_reads_the_replica)

    with replay_paused(replica):
        await set_headline(maya, new)
        assert primary.psql(headline_sql, database) == new
        assert replica.psql(headline_sql, database) == original  # the replica lags

        on_replica = lines_naming(replica, maya_id)
        for _ in range(3):
            mine = await graphql_data(maya, OWN_HEADLINE)
            assert mine["viewer"] == {"id": maya_id, "headline": new}
            assert (await graphql_data(maya, HEADLINE, {"u": MAYA}))["user"]["headline"] == new
        assert lines_naming(replica, maya_id) == on_replica  # none of it from the replica

        # Tom is routed to the replica as before: only there is the old headline left.
        for _ in range(3):
            seen = await graphql_data(tom, HEADLINE, {"u": MAYA})
            assert seen["user"]["headline"] == original
        health = (await tom.get("/healthz")).json()
        assert health["replicas"] == {"replica_1": "ok"}

    try:
        await wait_until(lambda: _replayed(replica, headline_sql, database, new))
        # The next check sees the replica past Maya's commit: her reads go back to it.
        await wait_until(maya_reads_the_replica)
        assert (await graphql_data(maya, OWN_HEADLINE))["viewer"]["headline"] == new
        assert (await graphql_data(tom, HEADLINE, {"u": MAYA}))["user"]["headline"] == new
    finally:
        await set_headline(maya, original)


async def test_with_redis_a_write_through_one_instance_is_read_through_another(
    two_instances, primary, primary_database, replica
):
    a, b = two_instances
    database = database_name(primary_database)
    headline_sql = f"SELECT headline FROM users WHERE username = '{MAYA}'"
    original = primary.psql(headline_sql, database)
    new = "Written on one instance, read on the other"
    maya_on_a = await signed_in(a, MAYA)
    maya_on_b = httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{b.port}", cookies=maya_on_a.cookies, timeout=10
    )
    tom_on_b = await signed_in(b, TOM)
    try:
        await caught_up(primary, replica, database)
        with replay_paused(replica):
            await set_headline(maya_on_a, new)
            assert replica.psql(headline_sql, database) == original  # the replica lags
            # Instance b learnt of Maya's write from Redis; Tom still reads the replica there.
            mine = await graphql_data(maya_on_b, HEADLINE, {"u": MAYA})
            assert mine["user"]["headline"] == new
            theirs = await graphql_data(tom_on_b, HEADLINE, {"u": MAYA})
            assert theirs["user"]["headline"] == original
        await wait_until(lambda: _replayed(replica, headline_sql, database, new))
    finally:
        await set_headline(maya_on_a, original)
        for client in (maya_on_a, maya_on_b, tom_on_b):
            await client.aclose()


@contextlib.contextmanager
def replay_paused(replica: EmbeddedPostgres) -> Iterator[None]:
    """Replay paused on ``replica`` (it still receives WAL), resumed after."""
    replica.psql("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        replica.psql("SELECT pg_wal_replay_resume()")


async def set_headline(maya: httpx.AsyncClient, headline: str) -> None:
    """Maya's ``updateProfile`` of her headline through the app; it must take effect."""
    version = (await graphql_data(maya, "{ viewer { updatedAt } }"))["viewer"]["updatedAt"]
    edit = {"headline": headline, "expectedUpdatedAt": version}
    written = (await graphql_data(maya, UPDATE_HEADLINE, {"input": edit}))["updateProfile"]
    assert written == {"user": {"headline": headline}, "userErrors": []}


async def caught_up(primary: EmbeddedPostgres, replica: EmbeddedPostgres, database: str) -> None:
    """Commit a transaction on the primary and wait until the replica has replayed it."""
    primary.psql("SELECT txid_current()", database)
    position = primary.psql("SELECT pg_current_wal_insert_lsn()")
    sql = f"SELECT pg_last_wal_replay_lsn() >= '{position}'::pg_lsn"
    await wait_until(lambda: _replayed(replica, sql, "postgres", "t"))


async def _replayed(replica: EmbeddedPostgres, sql: str, database: str, expected: str) -> bool:
    return await asyncio.to_thread(replica.psql, sql, database) == expected
