"""SIGTERM drains in-flight requests, within a bounded time, as `just serve` runs the app."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time

import asyncpg
import httpx
import psutil
import pytest

from harness.server import just_serve, uvicorn_server

pytestmark = pytest.mark.usefixtures("seeded")

GRACE_SECONDS = 2
QUERY = {"query": "{ builders(first: 2) { nodes { id } } }"}


async def test_just_serve_stops_within_its_grace_while_a_request_is_stuck(database_url):
    env = {
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "test",
        "OPERATION_TIMEOUT_SECONDS": "30",  # the request would hold the server for 30 s
        "GRACEFUL_SHUTDOWN_SECONDS": str(GRACE_SECONDS),
    }
    with just_serve(env).start() as server:
        blocker, transaction = await _locked_users(database_url)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
                in_flight = asyncio.create_task(client.post("/graphql", json=QUERY, timeout=30))
                await asyncio.sleep(0.5)  # the request waits on the lock
                processes = server.processes()  # just, and the uvicorn it runs
                os.killpg(server.pid, signal.SIGTERM)  # what a process supervisor sends
                started = time.monotonic()
                _gone, alive = await asyncio.to_thread(
                    psutil.wait_procs, processes, GRACE_SECONDS + 10
                )
                seconds = time.monotonic() - started
                in_flight.cancel()
        finally:
            await transaction.rollback()
            await blocker.close()
    assert alive == []
    assert seconds < GRACE_SECONDS + 3


async def _locked_users(database_url: str) -> tuple[asyncpg.Connection, object]:
    blocker = await asyncpg.connect(database_url)
    transaction = blocker.transaction()
    await transaction.start()
    await blocker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
    return blocker, transaction


async def _exit_seconds(process, started: float, limit: float) -> float:
    await asyncio.to_thread(process.wait, limit)
    return time.monotonic() - started


@pytest.mark.parametrize("released", [True, False], ids=["finishes", "past-the-grace"])
async def test_sigterm_drains_in_flight_requests_within_the_grace(database_url, released):
    env = {"DATABASE_URL": database_url, "ENVIRONMENT": "test", "OPERATION_TIMEOUT_SECONDS": "30"}
    server = uvicorn_server(
        "tribe_service.app:app", workers=1, env=env, graceful_shutdown=GRACE_SECONDS
    )
    with server.start():
        blocker, transaction = await _locked_users(database_url)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
                in_flight = asyncio.create_task(client.post("/graphql", json=QUERY, timeout=30))
                await asyncio.sleep(0.5)  # the request waits on the lock
                assert server.process is not None
                server.process.send_signal(signal.SIGTERM)
                started = time.monotonic()
                if released:
                    await asyncio.sleep(0.3)
                    await transaction.rollback()
                    response = await in_flight
                    assert response.status_code == 200
                    assert len(response.json()["data"]["builders"]["nodes"]) == 2
                seconds = await _exit_seconds(server.process, started, GRACE_SECONDS + 10)
                assert server.process.poll() is not None
                assert seconds < GRACE_SECONDS + 3
                if not released:
                    with pytest.raises((httpx.HTTPError, AssertionError)):
                        answer = await in_flight
                        assert answer.status_code == 200 and "data" in answer.json()
                    left = await blocker.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND state = 'active' AND pid <> pg_backend_pid()"
                    )
                    assert left == 0  # the cancelled request's statement went with it
        finally:
            await blocker.close()


async def _waiting_on_the_lock(connection: asyncpg.Connection) -> int:
    return await connection.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )


async def test_a_client_that_hangs_up_cancels_its_statement(database_url):
    env = {"DATABASE_URL": database_url, "ENVIRONMENT": "test", "OPERATION_TIMEOUT_SECONDS": "30"}
    with uvicorn_server("tribe_service.app:app", workers=1, env=env) as server:
        blocker, transaction = await _locked_users(database_url)
        try:
            body = json.dumps(QUERY).encode()
            _reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(
                b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                % (len(body), body)
            )
            await writer.drain()
            await asyncio.sleep(1.0)
            assert await _waiting_on_the_lock(blocker) == 1
            writer.close()  # the client hangs up
            await writer.wait_closed()
            await asyncio.sleep(1.0)
            assert await _waiting_on_the_lock(blocker) == 0  # the server stopped its work
            await transaction.rollback()
        finally:
            await blocker.close()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            response = await client.post("/graphql", json=QUERY)  # the pool still serves
        assert len(response.json()["data"]["builders"]["nodes"]) == 2


async def test_closing_the_pool_does_not_wait_forever_for_a_borrowed_connection(
    database_url, monkeypatch
):
    from tribe_service import engine as engine_module

    monkeypatch.setattr(engine_module, "POOL_CLOSE_TIMEOUT_SECONDS", 0.5)
    engine = engine_module.TribeEngine(config={"dsn": database_url})
    await engine.start_connection_pool(min_size=1, max_size=1)
    borrowed = await engine.pool.acquire()  # never released, as a leaked connection
    started = time.monotonic()
    await asyncio.wait_for(engine.close_connection_pool(), 5)
    assert time.monotonic() - started < 2
    assert engine.pool is None
    with pytest.raises(asyncpg.InterfaceError):  # terminated: taken back from its borrower
        await borrowed.fetchval("SELECT 1")
