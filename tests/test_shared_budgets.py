"""Budgets and lockouts shared by two app instances through a real ``redis-server``.

Two uvicorn processes with the same ``REDIS_URL`` spend one client's budget
concurrently: together they let through no more than the budget holds (plus
what it refilled while the test ran), which a read-then-write store would not
guarantee; and admin logins failed on either instance lock the username on both.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.server import ServerProcess, uvicorn_server
from tests.real_servers import redis_server
from tests.test_admin import login
from tribe_service.rate_limit import WINDOW_SECONDS
from tribe_service.shared_store import SharedStore

POINTS_PER_MINUTE = 120  # capacity 120 points, refilled at 2 a second
HEALTH = {"query": "{ health }"}  # costs 1 point: the request's own; `health` is free
CLIENTS_PER_INSTANCE = 8
REQUESTS = 2 * POINTS_PER_MINUTE


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server for this module."""
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="module")
def instances(database_url: str, seeded: None, redis_url: str) -> Iterator[list[ServerProcess]]:
    """Two app instances (separate uvicorn processes) sharing the Redis store."""
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RATE_LIMIT_POINTS_PER_MINUTE": str(POINTS_PER_MINUTE),
        "ADMIN_LOGIN_MAX_FAILURES": "3",
        "ADMIN_LOCKOUT_SECONDS": "60",
    }
    with (
        uvicorn_server("tribe_service.app:app", workers=1, env=env, name="instance a") as a,
        uvicorn_server("tribe_service.app:app", workers=1, env=env, name="instance b") as b,
    ):
        yield [a, b]


async def _spend(port: int, requests: int, outcomes: Counter[tuple[int, int]]) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for _ in range(requests):
            response = await client.post("/graphql", json=HEALTH)
            outcomes[(port, response.status_code)] += 1


async def test_two_instances_never_overspend_one_clients_budget(instances, redis_url):
    store = SharedStore.from_url(redis_url)
    await store.delete_all()  # a full bucket to start from
    await store.close()
    outcomes: Counter[tuple[int, int]] = Counter()
    per_client = REQUESTS // (2 * CLIENTS_PER_INSTANCE)
    started = time.monotonic()
    await asyncio.gather(
        *(
            _spend(server.port, per_client, outcomes)
            for server in instances
            for _ in range(CLIENTS_PER_INSTANCE)
        )
    )
    elapsed = time.monotonic() - started
    allowed = sum(n for (_, status), n in outcomes.items() if status == 200)
    refused = sum(n for (_, status), n in outcomes.items() if status == 429)
    assert allowed + refused == REQUESTS
    refilled = elapsed * POINTS_PER_MINUTE / WINDOW_SECONDS
    print(
        f"two instances, one client: {REQUESTS} requests in {elapsed:.2f} s,"
        f" {allowed} allowed (budget {POINTS_PER_MINUTE} + {refilled:.1f} refilled), {refused} refused;"
        f" per instance: {dict(outcomes)}"
    )
    # Never more than the budget held: one atomic spend at a time across both instances.
    assert POINTS_PER_MINUTE <= allowed <= POINTS_PER_MINUTE + refilled
    for server in instances:  # each instance both served and refused: the budget is one
        assert outcomes[(server.port, 200)] > 0 and outcomes[(server.port, 429)] > 0


async def test_refusals_are_counted_in_the_metrics(instances):
    async with httpx.AsyncClient(timeout=10) as client:
        for server in instances:
            text = (await client.get(f"http://127.0.0.1:{server.port}/metrics")).text
            [line] = [
                line
                for line in text.splitlines()
                if line.startswith('tribe_rate_limit_refusals_total{budget="graphql"}')
            ]
            assert float(line.split()[-1]) > 0


async def test_failed_logins_on_either_instance_lock_the_username_on_both(instances):
    clients = [
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
        for server in instances
    ]
    a, b = clients
    try:
        username = f"nobody-{time.monotonic_ns()}"
        assert (await login(a, username, "wrong")).status_code == 401
        assert (await login(b, username, "wrong")).status_code == 401
        assert (await login(a, username, "wrong")).status_code == 401
        for client in (b, a):  # three failures in all: locked everywhere
            locked = await login(client, username, "wrong")
            assert locked.status_code == 429
            assert locked.json()["errors"][0]["extensions"]["code"] == "LOGIN_LOCKED"
            assert 0 < int(locked.headers["retry-after"]) <= 60
    finally:
        for client in clients:
            await client.aclose()


def test_without_redis_url_each_process_keeps_its_own_store():
    from litestar.stores.memory import MemoryStore

    from tribe_service.app import shared_or_memory_store
    from tribe_service.config import load_settings

    assert isinstance(shared_or_memory_store(load_settings({})), MemoryStore)
    shared = shared_or_memory_store(load_settings({"REDIS_URL": "redis://127.0.0.1:1/0"}))
    assert isinstance(shared, SharedStore)


def test_requests_still_answer_while_redis_is_down(database_url: str, seeded: None, tmp_path: Path):
    """A rate limit must not take the API down with it: without Redis, requests pass."""
    with contextlib.ExitStack() as redis:
        url = redis.enter_context(redis_server(tmp_path))
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": url,
            "RATE_LIMIT_POINTS_PER_MINUTE": "60",
        }
        with uvicorn_server("tribe_service.app:app", workers=1, env=env) as server:
            endpoint = f"http://127.0.0.1:{server.port}/graphql"
            shared = httpx.post(endpoint, json=HEALTH)
            assert shared.status_code == 200 and shared.headers["ratelimit-remaining"] == "59"
            redis.close()  # Redis stops; the app stays
            alone = httpx.post(endpoint, json=HEALTH)
            assert alone.status_code == 200 and alone.json() == {"data": {"health": "ok"}}
