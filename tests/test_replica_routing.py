"""Which node a statement goes to, without servers: the engine's routing and the monitor's choice.

The real replica, its failover and its lag are in ``test_replicas.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from piccolo.querystring import QueryString

from tribe_service.config import DatabasePooler, load_settings
from tribe_service.connections import connection_config
from tribe_service.engine import TribeEngine, build_engine
from tribe_service.replicas import ReplicaMonitor, ReplicaState, ReplicaStatus

# Two replicas on ports nothing listens on.
REPLICAS = "postgresql://tribe:tribe@127.0.0.1:1/tribe,postgresql://tribe:tribe@127.0.0.1:2/tribe"

pytestmark = pytest.mark.filterwarnings("ignore:.*Unable to connect to database")


async def refuse(name: str) -> asyncpg.Connection:
    raise ConnectionRefusedError(name)


def monitor(*names: str) -> ReplicaMonitor:
    return ReplicaMonitor(names, refuse, max_lag_ms=1000, interval_ms=1000)


def test_replicas_are_piccolo_extra_nodes_with_the_pooler_options(database_url):
    settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "DATABASE_REPLICA_URLS": REPLICAS,
            "DATABASE_POOLER": "pgbouncer",
        }
    )
    engine = build_engine(settings)
    assert list(engine.extra_nodes) == ["replica_1", "replica_2"]
    assert engine.extra_nodes["replica_2"].config["dsn"].endswith(":2/tribe")
    assert engine.config["statement_cache_size"] == 0
    assert all(node.config["statement_cache_size"] == 0 for node in engine.extra_nodes.values())


def test_statement_cache_stays_on_without_a_pooler():
    assert "statement_cache_size" not in connection_config("postgresql://h/db", DatabasePooler.NONE)


def test_unchecked_replicas_serve_no_reads():
    assert monitor("replica_1").pick() is None


def test_reads_take_turns_among_healthy_replicas_only():
    replicas = monitor("replica_1", "replica_2", "replica_3")
    for name in ("replica_1", "replica_3"):
        replicas._set(name, ReplicaStatus(ReplicaState.OK, 0.0))
    assert [replicas.pick() for _ in range(4)] == ["replica_1", "replica_3"] * 2


async def test_a_replica_that_refuses_is_down_and_a_failed_read_takes_it_out():
    replicas = monitor("replica_1")
    await replicas.check_all()
    assert replicas.status("replica_1").state is ReplicaState.DOWN
    replicas._set("replica_1", ReplicaStatus(ReplicaState.OK, 0.0))
    replicas.mark_down("replica_1", ConnectionResetError())
    assert replicas.pick() is None


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (ReplicaStatus(ReplicaState.OK, 3.0), "ok"),
        (ReplicaStatus(ReplicaState.LAGGING, 1534.2), "lagging 1534 ms"),
        (ReplicaStatus(ReplicaState.NOT_A_REPLICA), "not a replica"),
    ],
)
def test_healthz_describes_each_state(status, shown):
    assert status.describe() == shown


@pytest.fixture
async def dead_replicas_engine(database_url: str) -> AsyncIterator[TribeEngine]:
    """An engine on the test database whose two replicas refuse connections, but were healthy."""
    settings = load_settings({"DATABASE_URL": database_url, "DATABASE_REPLICA_URLS": REPLICAS})
    engine = build_engine(settings)
    await engine.start_connection_pool()
    for name in engine.extra_nodes:
        engine.replica_monitor._set(name, ReplicaStatus(ReplicaState.OK, 0.0))
    yield engine
    await engine.close_connection_pool()


def states(engine: TribeEngine) -> list[ReplicaState]:
    return [status.state for status in engine.replica_statuses().values()]


async def test_a_read_on_a_dead_replica_is_answered_by_the_primary(dead_replicas_engine):
    engine = dead_replicas_engine
    with engine.reading():
        rows = await engine.fetch("SELECT $1::int + 1 AS n", 41)
        assert [row["n"] for row in rows] == [42]
        rows = await engine.run_querystring(QueryString("SELECT {}::int AS n", 7))
        assert [row["n"] for row in rows] == [7]
    assert states(engine) == [ReplicaState.DOWN, ReplicaState.DOWN]


async def test_statements_outside_reading_or_in_a_transaction_never_reach_a_replica(
    dead_replicas_engine,
):
    engine = dead_replicas_engine
    await engine.fetch("SELECT 1")
    await engine.run_querystring(QueryString("SELECT 1"))
    with engine.reading():
        async with engine.transaction():
            await engine.run_querystring(QueryString("SELECT 1"))
    assert states(engine) == [ReplicaState.OK, ReplicaState.OK]  # never tried
