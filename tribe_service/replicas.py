"""Read replicas: which of them may serve reads right now.

A replica serves reads while it answers and replays the primary's changes no
more than ``REPLICA_MAX_LAG_MS`` behind. :class:`ReplicaMonitor` checks every
replica each ``REPLICA_CHECK_INTERVAL_MS`` over a connection of its own (so a
busy pool never delays a check), and the engine marks a replica out at once
when a read on it fails because it went away. Reads then go to the primary; the
next good check brings the replica back.

Lag is ``now() - pg_last_xact_replay_timestamp()`` while the replica has
received WAL it has not replayed yet, and 0 when it has replayed all it
received (an idle primary sends nothing, and the last replayed commit may be
hours old). After a restart the replica replays its own WAL first, so its
replay position may be ahead of what its receiver has received: that is 0 too.
A replica that has replayed no transaction since it started counts from its start. A node that is not in recovery (promoted, or the primary itself)
is kept out: its data may have diverged from the primary's.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import asyncpg

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0

LAG_SQL = """
SELECT pg_is_in_recovery() AS in_recovery,
       CASE WHEN coalesce(pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn(), true)
            THEN 0.0
            ELSE (extract(epoch FROM now() - coalesce(
                pg_last_xact_replay_timestamp(), pg_postmaster_start_time()
            )) * 1000)::float8
       END AS lag_ms,
       pg_last_wal_replay_lsn()::text AS replay_lsn
"""


def lsn_number(lsn: str) -> int:
    """A WAL position as PostgreSQL prints it (``16/B374D848``) as a comparable number."""
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)


class ReplicaState(enum.StrEnum):
    """Why a replica does or does not serve reads."""

    OK = "ok"
    UNCHECKED = "unchecked"
    DOWN = "down"
    LAGGING = "lagging"
    NOT_A_REPLICA = "not a replica"


@dataclass(frozen=True)
class ReplicaStatus:
    """The outcome of the last check of one replica."""

    state: ReplicaState
    lag_ms: float | None = None
    replay_lsn: int | None = None  # how far it has replayed the primary's WAL (see lsn_number)

    @property
    def serves_reads(self) -> bool:
        """True if reads may go to this replica."""
        return self.state is ReplicaState.OK

    def describe(self) -> str:
        """``ok``, ``down``, ``lagging 1500 ms``... (what ``/healthz`` shows)."""
        if self.state is ReplicaState.LAGGING and self.lag_ms is not None:
            return f"lagging {self.lag_ms:.0f} ms"
        return self.state.value


Connect = Callable[[str], Awaitable[asyncpg.Connection]]


class ReplicaMonitor:
    """The health of named replicas, and the choice of one for each read."""

    def __init__(
        self, names: Sequence[str], connect: Connect, *, max_lag_ms: int, interval_ms: int
    ) -> None:
        self.names = list(names)
        self.max_lag_ms = max_lag_ms
        self.interval = interval_ms / 1000
        self._connect = connect
        self._statuses = {name: ReplicaStatus(ReplicaState.UNCHECKED) for name in self.names}
        self._connections: dict[str, asyncpg.Connection] = {}
        self._turn = itertools.count()
        self._task: asyncio.Task[None] | None = None

    def status(self, name: str) -> ReplicaStatus:
        """The last known status of replica ``name``."""
        return self._statuses[name]

    def statuses(self) -> dict[str, ReplicaStatus]:
        """Every replica's last known status, in configuration order."""
        return dict(self._statuses)

    def pick(self, after_lsn: int | None = None) -> str | None:
        """A replica for the next read, taking turns among the healthy; None: use the primary.

        ``after_lsn``: only a replica known to have replayed the WAL up to there (a
        builder's own last write) will do.
        """
        healthy = [
            name
            for name in self.names
            if self._statuses[name].serves_reads
            and (after_lsn is None or (self._statuses[name].replay_lsn or -1) >= after_lsn)
        ]
        if not healthy:
            return None
        return healthy[next(self._turn) % len(healthy)]

    def mark_down(self, name: str, reason: BaseException) -> None:
        """Take ``name`` out now (a read on it failed); the next good check brings it back."""
        self._set(name, ReplicaStatus(ReplicaState.DOWN), reason)

    async def check_all(self) -> None:
        """Check every replica once, concurrently."""
        await asyncio.gather(*(self._check(name) for name in self.names))

    def start(self) -> None:
        """Check periodically in the background until :meth:`stop`."""
        if self._task is None and self.names:
            self._task = asyncio.create_task(self._run(), name="replica-monitor")

    async def stop(self) -> None:
        """Stop checking and close the checks' connections."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for name in list(self._connections):
            await self._drop_connection(name)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.check_all()

    async def _check(self, name: str) -> None:
        try:
            row = await asyncio.wait_for(self._measure(name), CHECK_TIMEOUT_SECONDS)
        except Exception as error:  # any failure means: do not read from it now
            await self._drop_connection(name)
            self._set(name, ReplicaStatus(ReplicaState.DOWN), error)
            return
        if not row["in_recovery"]:
            self._set(name, ReplicaStatus(ReplicaState.NOT_A_REPLICA))
        elif row["lag_ms"] > self.max_lag_ms:
            self._set(name, ReplicaStatus(ReplicaState.LAGGING, row["lag_ms"]))
        else:
            replayed = lsn_number(row["replay_lsn"]) if row["replay_lsn"] else None
            self._set(name, ReplicaStatus(ReplicaState.OK, row["lag_ms"], replayed))

    async def _measure(self, name: str) -> asyncpg.Record:
        connection = self._connections.get(name)
        if connection is None or connection.is_closed():
            connection = self._connections[name] = await self._connect(name)
        row = await connection.fetchrow(LAG_SQL)
        assert row is not None
        return row

    async def _drop_connection(self, name: str) -> None:
        connection = self._connections.pop(name, None)
        if connection is not None:
            connection.terminate()

    def _set(self, name: str, status: ReplicaStatus, reason: object = None) -> None:
        previous = self._statuses[name]
        self._statuses[name] = status
        if previous.serves_reads and not status.serves_reads:
            detail = f": {reason}" if reason else ""
            logger.warning("replica %s is out (%s)%s", name, status.describe(), detail)
        elif status.serves_reads and not previous.serves_reads:
            logger.info("replica %s serves reads", name)
