"""Which Piccolo migrations the database has applied (Piccolo's own ``migration`` table)."""

from __future__ import annotations

import asyncpg

from tribe_service.engine import TribeEngine

APPLIED_SQL = "SELECT app_name, name FROM migration"


async def applied_migrations(engine: TribeEngine) -> set[tuple[str, str]]:
    """``(app, migration id)`` of every applied migration, on the primary; none before the first."""
    try:
        rows = await engine.fetch(APPLIED_SQL)
    except asyncpg.exceptions.UndefinedTableError:  # `piccolo migrations forwards` never ran
        return set()
    return {(row["app_name"], row["name"]) for row in rows}
