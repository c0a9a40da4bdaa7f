"""Nearest neighbours: the builders or projects most like one, by embedding.

Cosine distance over the HNSW indexes. ``hnsw.ef_search`` (the candidate list an
index scan keeps) is :data:`HNSW_EF_SEARCH`, set with ``SET LOCAL`` in the
statement's own transaction; ``hnsw.iterative_scan`` is ``strict_order``, so
excluding the row itself can never leave a page short; and ``enable_seqscan`` is off
for that statement, as the planner misprices the sequential scan of TOASTed vectors
(see :data:`HNSW_SETTINGS_SQL`). ``benchmarks/recall.py`` measures the recall@10
these settings give.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from tribe_service.data_access.parameters import numbered
from tribe_service.data_access.raw import Row
from tribe_service.engine import TribeEngine

# The HNSW candidate list per index scan: recall@10 0.998 on the scale data (40 gave
# about the same; docs/performance.md has the latest measure). Pages hold at most 100 hits,
# and with iterative_scan a scan can go past it, so a page is never cut short.
HNSW_EF_SEARCH: Final = 100


def _nearest_of(table: str, source: str, limit: str) -> str:
    """The ``limit`` rows of ``table`` nearest the row ``source`` (an outer alias): id, similarity."""
    return (
        f"SELECT o.id, 1 - (o.embedding <=> {source}.embedding) AS similarity"
        f" FROM {table} o WHERE o.id <> {source}.id AND o.embedding IS NOT NULL"
        f" ORDER BY o.embedding <=> {source}.embedding LIMIT {limit}"
    )


EMBEDDED_TABLES: Final = ("users", "projects")
_SIMILAR_ORDER: Final = "{n}.similarity DESC, {n}.id"


# Run in the nearest-neighbour statement's own transaction (benchmarks/recall.py too).
# The planner does not cost reading TOASTed vectors, so a sequential scan computing
# 10,000 distances looks cheaper than the HNSW index to it, and is ~100 times slower:
# sequential scans are priced out for this statement only (the source rows come by
# primary key either way). One statement: set_config(..., true) is SET LOCAL.
HNSW_SETTINGS_SQL: Final = (
    f"SELECT set_config('hnsw.ef_search', '{HNSW_EF_SEARCH}', true),"
    " set_config('hnsw.iterative_scan', 'strict_order', true),"
    " set_config('enable_seqscan', 'off', true)"
)


def nearest_sql(table: str) -> str:
    """The nearest-neighbour statement over ``table``; arguments: the limit, then the ids."""
    if table not in EMBEDDED_TABLES:
        raise ValueError(f"no embeddings in {table!r}")
    return (
        f"SELECT s.id AS source_id, n.id, n.similarity"
        f" FROM {table} s CROSS JOIN LATERAL ({_nearest_of(table, 's', '{}')}) n"
        f" WHERE s.id = ANY({{}}) AND s.embedding IS NOT NULL"
        f" ORDER BY s.id, {_SIMILAR_ORDER.format(n='n')}"
    )


def nearest_correlated(table: str, select: str, t: str, parent: str, limit: str) -> str:
    """The rows nearest the row ``parent`` (an outer alias), as :func:`nearest_sql` finds them.

    Selects ``select`` over alias ``t`` (columns ``id``, ``similarity``), ``limit`` (a
    placeholder) of them; needs
    :data:`HNSW_SETTINGS_SQL` in its transaction, as :func:`nearest_sql` does.
    """
    if table not in EMBEDDED_TABLES:
        raise ValueError(f"no embeddings in {table!r}")
    return (
        f"SELECT {select} FROM ({_nearest_of(table, parent, limit)}) {t}"
        f" WHERE {parent}.embedding IS NOT NULL ORDER BY {_SIMILAR_ORDER.format(n=t)}"
    )


async def _nearest(engine: TribeEngine, table: str, ids: Sequence[str], limit: int) -> list[Row]:
    # fetch_all runs the settings and the statement in one transaction (a savepoint
    # inside a mutation's), on the transaction's connection when there is one.
    statement = numbered((nearest_sql(table), [limit, list(ids)]))
    (rows,) = await engine.fetch_all([statement], setup=HNSW_SETTINGS_SQL)
    return [dict(row) for row in rows]


async def similar_builders(engine: TribeEngine, user_ids: Sequence[str], limit: int) -> list[Row]:
    """Per builder (``source_id``), the ``limit`` nearest others ``{id, similarity}``."""
    return await _nearest(engine, "users", user_ids, limit)


async def similar_projects(
    engine: TribeEngine, project_ids: Sequence[str], limit: int
) -> list[Row]:
    """Per project (``source_id``), the ``limit`` nearest others ``{id, similarity}``."""
    return await _nearest(engine, "projects", project_ids, limit)
