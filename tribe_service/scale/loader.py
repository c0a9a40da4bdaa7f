"""Load a generated scale data set into a migrated database, fast and all-or-nothing.

* One transaction: a failure (or Ctrl-C) leaves the database as it was.
* Rows go in with ``COPY`` (asyncpg ``copy_records_to_table``, binary; vectors
  through the engine's pgvector codec). The ``search_vector`` triggers fire on
  ``COPY`` as on ``INSERT``.
* The HNSW indexes are dropped before the load and rebuilt after it, inside
  the same transaction, from their own definitions in ``pg_indexes``:
  building an index once is several times faster than inserting 30,000
  vectors into it one by one. Meanwhile ``users`` and ``projects`` are locked
  (``DROP INDEX`` takes an exclusive lock): this is a development tool.
* Builders arrive with their embeddings, made from the skills loaded with them,
  so the trigger that clears a builder's embedding when ``user_skills`` rows are
  added (:data:`SKILLS_TRIGGER`) is disabled while they are copied, inside the
  transaction (``ALTER TABLE`` locks ``user_skills`` meanwhile).
* Additive: seed and other rows stay. Scale builders are recognisable by their
  e-mail domain (``@scale.example.com``); a database that already holds them
  is refused. Removing them (``DELETE FROM users WHERE email LIKE
  '%@scale.example.com'``) cascades to all scale rows except the skills.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
from piccolo.engine.finder import engine_finder

from tribe_service.engine import TribeEngine
from tribe_service.scale.dataset import DEFAULT_SEED, SCALE_EMAIL_DOMAIN, ScaleCounts, ScaleError
from tribe_service.scale.generator import generate
from tribe_service.scale.progress import Progress
from tribe_service.scale.records import SKILLS, USER_SKILLS, USERS, CopyLayout
from tribe_service.scale.skills import skill_catalogue, skill_rows

# HNSW builds are fast while the whole graph fits in maintenance_work_mem: about 8 kB
# per 1536-dimension vector; the session asks for that, within these bounds (MB).
GRAPH_BYTES_PER_VECTOR = 8 * 1024
MAINTENANCE_WORK_MEM_MB = (128, 2048)
# The trigger on user_skills that marks a builder's embedding stale (see the module docstring).
SKILLS_TRIGGER = "user_skills_embedding_stale_insert"


@dataclass(slots=True)
class ScaleReport:
    """What one load added, and how long each phase took."""

    seed: int
    until: datetime
    rows: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    total_seconds: float = 0.0


def _now() -> datetime:
    moment = datetime.now(tz=UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


async def fill_database(
    *,
    seed: int = DEFAULT_SEED,
    counts: ScaleCounts | None = None,
    until: datetime | None = None,
    progress: Progress | None = None,
    engine: TribeEngine | None = None,
    rebuild_vector_indexes: bool = True,
) -> ScaleReport:
    """Add a deterministic scale data set to the migrated database of ``engine``.

    ``seed`` and ``until`` (the end of the year the data covers; default now)
    fix every row, ids included. Raises :class:`ScaleError` for counts that
    cannot be met or a database that already holds scale data.
    """
    counts = counts or ScaleCounts()
    counts.validate()
    until = until or _now()
    progress = progress or Progress(enabled=False)
    engine = engine or engine_finder()  # type: ignore[assignment]
    if engine is None:
        raise ScaleError("no Piccolo engine configured (piccolo_conf.py)")
    report = ScaleReport(seed=seed, until=until)
    started = time.perf_counter()
    connection: asyncpg.Connection = await engine.get_new_connection()
    try:
        async with connection.transaction():
            await _refuse_second_load(connection)
            await connection.execute(
                f"SET LOCAL maintenance_work_mem = '{_maintenance_work_mem_mb(counts)}MB'"
            )
            with progress.phase("skills"):
                skill_ids, added = await _ensure_skills(connection, seed, until)
            report.rows["skills"] = added
            with progress.phase("generate rows"):
                data = generate(seed, counts, until, skill_ids)
            copies = data.copies()
            vector_tables = [layout.tablename for layout, _, _ in copies if layout.has_vectors]
            indexes = (
                await _drop_vector_indexes(connection, vector_tables)
                if rebuild_vector_indexes
                else []
            )
            user_skills = USER_SKILLS.tablename
            await connection.execute(f"ALTER TABLE {user_skills} DISABLE TRIGGER {SKILLS_TRIGGER}")
            for layout, records, total in copies:
                table = layout.tablename
                await connection.copy_records_to_table(
                    table,
                    records=progress.track(f"copy {table}", records, total),
                    columns=list(layout.names),
                )
                report.rows[table] = total
            await connection.execute(f"ALTER TABLE {user_skills} ENABLE TRIGGER {SKILLS_TRIGGER}")
            for name, definition in indexes:
                with progress.phase(f"index {name}"):
                    await build_index(connection, definition, progress)
        analyzed = [SKILLS.tablename] + [layout.tablename for layout, _, _ in copies]
        with progress.phase("analyze"):
            await connection.execute(f"ANALYZE {', '.join(analyzed)}")
    finally:
        await connection.close()
    report.timings = dict(progress.timings)
    report.total_seconds = time.perf_counter() - started
    return report


def _maintenance_work_mem_mb(counts: ScaleCounts) -> int:
    low, high = MAINTENANCE_WORK_MEM_MB
    needed = max(counts.users, counts.projects) * GRAPH_BYTES_PER_VECTOR * 5 // 4 // 2**20
    return min(max(needed, low), high)


async def build_index(connection: asyncpg.Connection, definition: str, progress: Progress) -> None:
    """Run ``definition`` (a ``CREATE INDEX``); retry serially if shared memory runs out.

    A parallel HNSW build keeps its graph in dynamic shared memory, which Docker
    limits to 64 MB unless the container has a larger ``shm_size``.
    """
    try:
        async with connection.transaction():  # a savepoint: the load survives a failure
            await connection.execute(definition)
    except asyncpg.exceptions.InsufficientResourcesError as error:
        progress.note(f"parallel index build failed ({error}); building serially")
        await connection.execute("SET LOCAL max_parallel_maintenance_workers = 0")
        await connection.execute(definition)


async def _refuse_second_load(connection: asyncpg.Connection) -> None:
    existing = await connection.fetchval(
        f"SELECT count(*) FROM {USERS.tablename} WHERE email LIKE $1", f"%@{SCALE_EMAIL_DOMAIN}"
    )
    if existing:
        raise ScaleError(
            f"the database already holds scale data ({existing:,} builders @{SCALE_EMAIL_DOMAIN});"
            " load it into a fresh database"
        )


async def _ensure_skills(
    connection: asyncpg.Connection, seed: int, until: datetime
) -> tuple[dict[str, str], int]:
    """Insert the catalogue's missing skills; map every catalogue name to a skill id.

    A skill that exists already (same name, or same slug) is reused as it is.
    """
    rows = skill_rows(seed, until)
    inserted = await connection.fetch(
        f"{_unnest_insert(SKILLS)} ON CONFLICT DO NOTHING RETURNING id",
        *(list(values) for values in zip(*rows, strict=True)),
    )
    catalogue = skill_catalogue()
    existing = await connection.fetch(
        f"SELECT id, name, slug FROM {SKILLS.tablename}"
        " WHERE name = ANY($1::text[]) OR slug = ANY($2::text[])",
        [skill.name for skill in catalogue],
        [skill.slug for skill in catalogue],
    )
    by_name = {row["name"]: row["id"] for row in existing}
    by_slug = {row["slug"]: row["id"] for row in existing}
    mapping = {}
    for skill in catalogue:
        skill_id = by_name.get(skill.name) or by_slug.get(skill.slug)
        if skill_id is not None:
            mapping[skill.name] = skill_id
    return mapping, len(inserted)


def _unnest_insert(layout: CopyLayout) -> str:
    """``INSERT INTO table (columns) SELECT * FROM unnest($1::type[], ...)``: one array a column."""
    arrays = ", ".join(
        f"${number}::{column.column_type}[]" for number, column in enumerate(layout.columns, 1)
    )
    return (
        f"INSERT INTO {layout.tablename} ({', '.join(layout.names)}) SELECT * FROM unnest({arrays})"
    )


async def _drop_vector_indexes(
    connection: asyncpg.Connection, tables: list[str]
) -> list[tuple[str, str]]:
    """Drop the HNSW indexes of ``tables``; return their names and definitions."""
    indexes = await connection.fetch(
        """
        SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = ANY($1::text[])
          AND indexdef ILIKE '% USING hnsw %'
        ORDER BY indexname
        """,
        tables,
    )
    for index in indexes:
        await connection.execute(f'DROP INDEX "{index["indexname"]}"')
    return [(index["indexname"], index["indexdef"]) for index in indexes]
