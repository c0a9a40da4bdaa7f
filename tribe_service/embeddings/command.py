"""``piccolo tribe_service embed``: fill every missing embedding, in batches."""

from __future__ import annotations

import asyncio
import time

import asyncpg
from piccolo.engine import engine_finder

from tribe_service.config import settings_or_exit
from tribe_service.database_errors import is_database_unavailable
from tribe_service.embeddings import embedder_for
from tribe_service.embeddings.filler import DEFAULT_BATCH_SIZE, fill_missing_embeddings
from tribe_service.engine import TribeEngine


# No return annotation: targ would list "return" among the command's arguments in --help.
def embed(batch_size: int = DEFAULT_BATCH_SIZE):  # noqa: ANN201
    """Compute the embedding of every builder and project that has none (new or stale).

    Safe to run while the app (which fills them too) is running.

    :param batch_size:
        Rows embedded per transaction.
    """
    if batch_size < 1:
        raise SystemExit("embed: --batch_size must be at least 1")
    settings = settings_or_exit()
    engine = engine_finder()
    if not isinstance(engine, TribeEngine):
        raise SystemExit("embed: piccolo_conf.DB must be built by tribe_service.engine")
    started = time.perf_counter()
    try:
        report = asyncio.run(fill_missing_embeddings(engine, embedder_for(settings), batch_size))
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        reason = "database unavailable" if is_database_unavailable(error) else "database error"
        detail = " ".join(str(error).split()) or type(error).__name__
        raise SystemExit(f"embed: {reason}: {detail}") from None
    elapsed = time.perf_counter() - started
    print(
        f"Embedded {report.users} builders and {report.projects} projects in {elapsed:.2f} s "
        f"({settings.embedder} embedder)."
    )
