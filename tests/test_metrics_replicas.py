"""Pool and replica metrics of two workers reading from a real streaming replica."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from harness.scenarios import SCENARIO_QUERIES
from harness.server import NO_RATE_LIMIT, ServerProcess, uvicorn_server
from tests.conftest import database_name
from tribe_service.embedded_postgres import EmbeddedPostgres

WORKERS = 2
POOL_MIN_SIZE = 2


@pytest.fixture(scope="module")
def app_server(
    primary_database: str, replica: EmbeddedPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """Two workers reading from the replica, metrics shared through a multiprocess directory."""
    env = {
        **NO_RATE_LIMIT,
        "DATABASE_URL": primary_database,
        "DATABASE_REPLICA_URLS": replica.url(database_name(primary_database)),
        "DB_POOL_MIN_SIZE": str(POOL_MIN_SIZE),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path_factory.mktemp("replica-metrics")),
    }
    with uvicorn_server("tribe_service.app:app", workers=WORKERS, env=env) as server:
        yield server


def _samples(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_pools_and_replica_of_both_workers(app_server: ServerProcess, tmp_path: Path):
    port = app_server.port
    for _ in range(6):  # new connections: both workers read from the replica
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            landing = client.post(
                "/graphql", json={"query": SCENARIO_QUERIES["landing"], "variables": {"first": 5}}
            )
            assert "errors" not in landing.json()
    deadline = time.monotonic() + 30
    while True:  # each worker's sampler reports once a second
        samples = _samples(port)
        opened = samples.get(("tribe_db_pool_connections", (("pool", "primary"),)), 0)
        # A replica that was catching up on WAL when last checked (the seed's autovacuum,
        # say) is out until the next check, a second later.
        serving = samples.get(("tribe_replica_serves_reads", (("replica", "replica_1"),)), 0)
        if (opened >= WORKERS * POOL_MIN_SIZE and serving == 1) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for pool in ("primary", "replica_1"):  # summed over both workers' pools
        assert samples[("tribe_db_pool_connections", (("pool", pool),))] >= WORKERS * POOL_MIN_SIZE
        assert samples[("tribe_db_pool_waiting", (("pool", pool),))] == 0
        idle = samples[("tribe_db_pool_idle_connections", (("pool", pool),))]
        assert 0 <= idle <= samples[("tribe_db_pool_connections", (("pool", pool),))]
    assert samples[("tribe_replica_serves_reads", (("replica", "replica_1"),))] == 1
    assert 0 <= samples[("tribe_replica_lag_seconds", (("replica", "replica_1"),))] < 1
