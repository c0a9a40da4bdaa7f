"""HNSW recall@10 against an exact scan, with the latency of both (part of ``just bench``).

For :data:`SAMPLE` builders picked at random (deterministically: by a hash of
their id), the app's own nearest-neighbour statement
(:func:`tribe_service.data_access.discovery.nearest_sql`, with the app's
``hnsw.ef_search``) is run once as the app runs it, over the HNSW index, and
once with index scans disabled, which makes PostgreSQL compute every distance and
sort: the exact answer. Recall@10 is the share of the exact ten that the index
returned, averaged over the sample. Run alone: ``python -m benchmarks.bench.recall``
with ``DATABASE_URL`` set; prints JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass

import asyncpg
from piccolo.querystring import QueryString

from tribe_service.data_access.discovery import HNSW_EF_SEARCH, HNSW_SETTINGS_SQL, nearest_sql

SAMPLE = 200
K = 10
TARGET_RECALL = 0.95
SAMPLE_SQL = f"""
SELECT id FROM users WHERE embedding IS NOT NULL ORDER BY md5(id || 'recall') LIMIT {SAMPLE}
"""
EXACT_SETTINGS = ("SET LOCAL enable_indexscan = off", "SET LOCAL enable_bitmapscan = off")


@dataclass(frozen=True)
class RecallReport:
    """What :func:`measure` found."""

    builders: int
    sample: int
    k: int
    ef_search: int
    recall: float
    worst_recall: float
    hnsw_p50_ms: float
    hnsw_p99_ms: float
    exact_p50_ms: float
    exact_p99_ms: float
    hnsw_plan_uses_index: bool


async def _neighbours(
    connection: asyncpg.Connection, user_id: str, settings: tuple[str, ...]
) -> tuple[list[str], float]:
    sql, args = QueryString(nearest_sql("users"), K, [user_id]).compile_string()
    started = time.perf_counter()
    async with connection.transaction():
        for setting in settings:
            await connection.execute(setting)
        rows = await connection.fetch(sql, *args)
    return [row["id"] for row in rows], (time.perf_counter() - started) * 1000


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def measure(database_url: str) -> RecallReport:
    """Recall@10 and latencies over :data:`SAMPLE` random builders of ``database_url``."""
    connection = await asyncpg.connect(database_url, timeout=10)
    try:
        builders = int(
            await connection.fetchval("SELECT count(*) FROM users WHERE embedding IS NOT NULL")
        )
        ids = [row["id"] for row in await connection.fetch(SAMPLE_SQL)]
        sql, args = QueryString(nearest_sql("users"), K, ids[:1]).compile_string()
        async with connection.transaction():
            await connection.execute(HNSW_SETTINGS_SQL)
            plan = "\n".join(row[0] for row in await connection.fetch(f"EXPLAIN {sql}", *args))
        recalls, hnsw_ms, exact_ms = [], [], []
        for user_id in ids:
            approximate, approximate_ms = await _neighbours(
                connection, user_id, (HNSW_SETTINGS_SQL,)
            )
            exact, scan_ms = await _neighbours(connection, user_id, EXACT_SETTINGS)
            recalls.append(len(set(approximate) & set(exact)) / max(len(exact), 1))
            hnsw_ms.append(approximate_ms)
            exact_ms.append(scan_ms)
    finally:
        await connection.close()
    return RecallReport(
        builders=builders,
        sample=len(ids),
        k=K,
        ef_search=HNSW_EF_SEARCH,
        recall=statistics.fmean(recalls) if recalls else 0.0,
        worst_recall=min(recalls, default=0.0),
        hnsw_p50_ms=_p(hnsw_ms, 0.5) if hnsw_ms else 0.0,
        hnsw_p99_ms=_p(hnsw_ms, 0.99) if hnsw_ms else 0.0,
        exact_p50_ms=_p(exact_ms, 0.5) if exact_ms else 0.0,
        exact_p99_ms=_p(exact_ms, 0.99) if exact_ms else 0.0,
        hnsw_plan_uses_index="users_embedding_hnsw" in plan,
    )


def render(report: RecallReport) -> list[str]:
    """The Markdown section of ``docs/performance.md``."""
    verdict = "met" if report.recall >= TARGET_RECALL else "**missed**"
    index = "uses" if report.hnsw_plan_uses_index else "**does not use**"
    return [
        "## Similar builders: HNSW recall",
        "",
        f"{report.sample} builders picked at random among {report.builders:,}: their "
        f"{report.k} nearest by the app's statement over the HNSW index (`hnsw.ef_search = "
        f"{report.ef_search}`, iterative scan `strict_order`; its plan {index} "
        "`users_embedding_hnsw`) against an exact scan (index scans off: every distance "
        "computed and sorted). `benchmarks/bench/recall.py`.",
        "",
        "| | recall@10 | p50 ms | p99 ms |",
        "|---|---|---|---|",
        f"| HNSW | {report.recall:.3f} (worst builder {report.worst_recall:.1f}) "
        f"| {report.hnsw_p50_ms:.2f} | {report.hnsw_p99_ms:.2f} |",
        f"| exact scan | 1 | {report.exact_p50_ms:.2f} | {report.exact_p99_ms:.2f} |",
        "",
        f"Target recall@10 ≥ {TARGET_RECALL}: {verdict}. Latency is one statement, client "
        "side, including its transaction and `SET LOCAL`s, one at a time.",
        "",
    ]


def main() -> int:
    """Measure the database of ``DATABASE_URL``; print the report as JSON and Markdown."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        print("recall: DATABASE_URL is not set", file=sys.stderr)
        return 1
    report = asyncio.run(measure(url))
    print(json.dumps(asdict(report), indent=2))
    print("\n".join(render(report)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
