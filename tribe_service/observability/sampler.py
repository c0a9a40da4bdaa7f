"""Figures read off the request path: pools, replicas, execution paths, the embedding backlog.

Every worker runs one :class:`Sampler`. Each :data:`SAMPLE_INTERVAL_SECONDS` it
copies its pools' sizes, its replicas' last checks and its executor's counts of
compiled answers and fallbacks into the metric families, so a request pays
nothing for them. The embedding backlog is a database count, so it is read by
the worker that answers ``/metrics`` (at most every :data:`BACKLOG_MAX_AGE_SECONDS`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from tribe_service.database_errors import is_database_unavailable
from tribe_service.embeddings.store import count_missing_embeddings
from tribe_service.engine import TribeEngine
from tribe_service.graphql.compiled.executor import STATS
from tribe_service.observability import metrics

SAMPLE_INTERVAL_SECONDS = 1.0
BACKLOG_MAX_AGE_SECONDS = 5.0
PRIMARY = "primary"

logger = logging.getLogger(__name__)


def waiting_for_connection(pool: Any) -> int:
    """Tasks waiting in ``pool.acquire()`` (asyncpg keeps no count: its queue's waiters)."""
    queue = getattr(pool, "_queue", None)
    getters = getattr(queue, "_getters", ())
    return sum(1 for waiter in getters if not waiter.done())


class Sampler:
    """Copies one worker's pool, replica and execution-path figures into the metrics."""

    def __init__(self, engine: TribeEngine, interval: float = SAMPLE_INTERVAL_SECONDS) -> None:
        self.engine = engine
        self.interval = interval
        self._compiled = 0
        self._fallbacks = 0
        self._task: asyncio.Task[None] | None = None
        self._backlog_read_at = -BACKLOG_MAX_AGE_SECONDS

    def sample(self) -> None:
        """Read every figure once (synchronous: nothing here waits)."""
        pools = {PRIMARY: self.engine.pool}
        pools.update(
            {name: getattr(node, "pool", None) for name, node in self.engine.extra_nodes.items()}
        )
        for name, pool in pools.items():
            size = pool.get_size() if pool is not None else 0
            idle = pool.get_idle_size() if pool is not None else 0
            metrics.POOL_SIZE.labels(name).set(size)
            metrics.POOL_IDLE.labels(name).set(idle)
            metrics.POOL_WAITING.labels(name).set(waiting_for_connection(pool))
        for name, status in self.engine.replica_statuses().items():
            metrics.REPLICA_SERVES_READS.labels(name).set(1 if status.serves_reads else 0)
            if status.lag_ms is not None:
                metrics.REPLICA_LAG.labels(name).set(status.lag_ms / 1000)
        self._count_answers()

    def _count_answers(self) -> None:
        compiled, fallbacks = STATS.compiled, STATS.fallback
        # STATS.reset() (the benchmark) starts it from 0 again: count from there.
        if compiled < self._compiled or fallbacks < self._fallbacks:
            self._compiled = self._fallbacks = 0
        if compiled > self._compiled:
            metrics.ANSWERS.labels("compiled").inc(compiled - self._compiled)
        if fallbacks > self._fallbacks:
            metrics.ANSWERS.labels("resolvers").inc(fallbacks - self._fallbacks)
        self._compiled, self._fallbacks = compiled, fallbacks

    async def read_backlog(self) -> None:
        """Count the rows waiting for an embedding, unless read moments ago or the database is down."""
        now = time.monotonic()
        if now - self._backlog_read_at < BACKLOG_MAX_AGE_SECONDS:
            return
        self._backlog_read_at = now
        try:
            missing = await count_missing_embeddings(self.engine)
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            return
        for table, count in missing.items():
            metrics.EMBEDDINGS_MISSING.labels(table).set(count)

    async def before_scrape(self) -> None:
        """What ``/metrics`` refreshes: this worker's figures, and the backlog."""
        self.sample()
        await self.read_backlog()

    async def start(self) -> None:
        """Sample in the background (``on_startup``)."""
        self._task = asyncio.create_task(self._run(), name="metrics-sampler")

    async def stop(self) -> None:
        """Stop sampling (``on_shutdown``)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                self.sample()
            except Exception:  # a metric must never take the worker down
                logger.exception("metrics sampling failed")
            await asyncio.sleep(self.interval)
