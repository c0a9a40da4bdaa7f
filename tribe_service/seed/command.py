"""``piccolo tribe_service seed``: load the prototype seed data (refused in production).

Errors end the command with one line on stderr and a non-zero exit: ``SystemExit``
is not an ``Exception``, so Piccolo's CLI (targ) lets it through without printing
a traceback or the command's help.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg

from tribe_service.config import settings_or_exit
from tribe_service.database_errors import is_database_unavailable
from tribe_service.embeddings import Embedder, embedder_for
from tribe_service.seed import seed_database
from tribe_service.tables import User

PRODUCTION_REFUSAL = (
    "seed: refusing to run with ENVIRONMENT=production (seeding replaces every row of the "
    "app's tables); nothing was changed"
)


# No return annotation: targ would list "return" among the command's arguments in --help.
def seed(if_empty: bool = False):  # noqa: ANN201
    """Clear the app's ten tables and load the prototype seed data, in one transaction.

    Refused when ENVIRONMENT=production. Prints the row count of each table and the
    time it took.

    :param if_empty:
        Seed only if the users table is empty; leave a seeded database alone
        (``just dev`` uses this).
    """
    settings = settings_or_exit()
    production = settings.is_production
    if production and not if_empty:
        raise SystemExit(PRODUCTION_REFUSAL)
    try:
        asyncio.run(
            _seed(if_empty=if_empty, production=production, embedder=embedder_for(settings))
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        reason = "database unavailable" if is_database_unavailable(error) else "database error"
        detail = " ".join(str(error).split()) or type(error).__name__
        raise SystemExit(f"seed: {reason}, nothing was changed: {detail}") from None


async def _seed(if_empty: bool, production: bool, embedder: Embedder) -> None:
    """Seed without a pool: the transaction opens (and closes) one connection."""
    if if_empty and await User.exists().run():
        print("The users table has rows: leaving the seeded database alone.")
        return
    if production:  # `--if_empty` on a database with data is a no-op even there
        raise SystemExit(PRODUCTION_REFUSAL)
    started = time.perf_counter()
    counts = await seed_database(embedder=embedder)
    elapsed = time.perf_counter() - started
    width = max(len(name) for name in counts)
    print(f"Seeded {sum(counts.values())} rows in {elapsed:.2f} s:")
    for name, count in counts.items():
        print(f"  {name:<{width}}  {count:>4}")
