"""Fill the embeddings that are NULL (new rows, or stale ones a trigger cleared).

Each batch is one transaction: lock up to ``batch_size`` rows whose embedding is
NULL with ``FOR UPDATE SKIP LOCKED``, embed them, write the vectors, commit. Any
number of fillers (``piccolo tribe_service embed``, every worker of the app) can
run at once on one database: a row locked by one is skipped by the others, and a
row another filler has filled meanwhile no longer matches ``embedding IS NULL``
when it is re-checked under the lock, so each row is embedded once per change. A
change to a row's source while it is being embedded waits for the lock, then
clears the new vector again, so a stale vector is never left behind.

:class:`BackgroundFiller` runs passes in the app's event loop every
``EMBEDDING_FILL_INTERVAL`` seconds, in small batches, off the request path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from tribe_service.database_errors import is_database_unavailable
from tribe_service.embeddings import Embedder, store
from tribe_service.engine import TribeEngine

DEFAULT_BATCH_SIZE = 200
# In the app: small batches keep each stretch of embedding CPU in the event loop short.
BACKGROUND_BATCH_SIZE = 25

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class FillReport:
    """How many embeddings one run wrote."""

    users: int = 0
    projects: int = 0

    @property
    def total(self) -> int:
        """Builders and projects together."""
        return self.users + self.projects


async def fill_batch(engine: TribeEngine, embedder: Embedder, table: str, batch_size: int) -> int:
    """Embed up to ``batch_size`` rows of ``table`` (``users`` or ``projects``) that have
    no embedding, in one transaction; how many it did."""
    async with engine.transaction():
        if table == "users":
            builders = await store.claim_builders_without_embedding(engine, batch_size)
            ids = [row_id for row_id, _ in builders]
            if builders:  # a hosted embedder would be called for nothing otherwise
                vectors = await embedder.embed_builders([profile for _, profile in builders])
                await store.store_embeddings(engine, table, ids, vectors)
        else:
            projects = await store.claim_projects_without_embedding(engine, batch_size)
            ids = [row_id for row_id, _ in projects]
            if projects:
                vectors = await embedder.embed_projects([profile for _, profile in projects])
                await store.store_embeddings(engine, table, ids, vectors)
    return len(ids)


async def fill_missing_embeddings(
    engine: TribeEngine, embedder: Embedder, batch_size: int = DEFAULT_BATCH_SIZE
) -> FillReport:
    """Embed every builder and project without an embedding, batch by batch."""
    report = FillReport()
    while done := await fill_batch(engine, embedder, "users", batch_size):
        report.users += done
        await asyncio.sleep(0)  # let requests in between batches
    while done := await fill_batch(engine, embedder, "projects", batch_size):
        report.projects += done
        await asyncio.sleep(0)
    return report


class BackgroundFiller:
    """Fills missing embeddings every ``interval`` seconds while the app runs."""

    def __init__(
        self,
        engine: TribeEngine,
        embedder: Embedder,
        interval: float,
        batch_size: int = BACKGROUND_BATCH_SIZE,
    ) -> None:
        self.engine = engine
        self.embedder = embedder
        self.interval = interval
        self.batch_size = batch_size
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the passes (the app's ``on_startup``)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="embedding-filler")

    async def stop(self) -> None:
        """Cancel the passes and wait for the task to end (the app's ``on_shutdown``).

        A batch cancelled mid-way rolls back: its rows stay NULL for the next run.
        """
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                report = await fill_missing_embeddings(self.engine, self.embedder, self.batch_size)
                if report.total:
                    logger.info(
                        "embedded %d builders and %d projects", report.users, report.projects
                    )
            except Exception as error:  # never let one bad pass end the filler
                if is_database_unavailable(error):
                    logger.warning("embedding filler: database unavailable; retrying later")
                else:
                    logger.exception("embedding filler pass failed; retrying later")
            await asyncio.sleep(self.interval)
