"""Read your writes: a builder who just wrote reads only replicas that have replayed it."""

from __future__ import annotations

from litestar.stores.memory import MemoryStore

from tribe_service.read_your_writes import REMEMBER_SECONDS, WritePositions, remember_seconds
from tribe_service.replicas import ReplicaMonitor, ReplicaState, ReplicaStatus, lsn_number


async def _never(name: str):  # pragma: no cover - the monitor never connects here
    raise AssertionError(name)


def monitor(replays: dict[str, int | None]) -> ReplicaMonitor:
    found = ReplicaMonitor(list(replays), _never, max_lag_ms=1000, interval_ms=1000)
    for name, lsn in replays.items():
        found._set(name, ReplicaStatus(ReplicaState.OK, 0.0, lsn))
    return found


def test_wal_positions_compare_as_numbers():
    assert lsn_number("0/16B3748") < lsn_number("0/16B3750") < lsn_number("1/0")
    assert lsn_number("16/B374D848") == (0x16 << 32) + 0xB374D848


def test_a_read_after_a_write_picks_only_replicas_that_replayed_it():
    replicas = monitor({"replica_1": 100, "replica_2": 250})
    assert {replicas.pick() for _ in range(4)} == {"replica_1", "replica_2"}
    assert {replicas.pick(after_lsn=200) for _ in range(4)} == {"replica_2"}
    assert replicas.pick(after_lsn=300) is None  # the primary
    assert monitor({"replica_1": None}).pick(after_lsn=1) is None


async def test_positions_are_remembered_per_builder_for_a_while():
    positions = WritePositions(MemoryStore(), remember_seconds=60)
    assert await positions.since("maya") is None
    await positions.remember("maya", "0/16B3750")
    assert await positions.since("maya") == lsn_number("0/16B3750")
    assert await positions.since("tom") is None
    assert await positions.since(None) is None


def test_positions_outlive_the_lag_a_serving_replica_may_have():
    # A replica lacking a commit older than REPLICA_MAX_LAG_MS lags more than that: skipped.
    assert remember_seconds(1000) == REMEMBER_SECONDS
    assert remember_seconds(120_000) == 240 > REMEMBER_SECONDS
