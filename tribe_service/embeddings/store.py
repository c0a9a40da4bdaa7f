"""The embedding columns' SQL: claim rows without an embedding, store vectors, count."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final

from pgvector import Vector

from tribe_service.data_access.discovery.similarity import EMBEDDED_TABLES
from tribe_service.data_access.raw import fetch_rows
from tribe_service.embeddings import BuilderProfile, ProjectProfile
from tribe_service.engine import TribeEngine

CLAIM_BUILDERS_SQL: Final = """
SELECT u.id, u.headline, u.bio, u.primary_role,
       coalesce((SELECT array_agg(s.name ORDER BY us.added_at, us.id)
                 FROM user_skills us JOIN skills s ON s.id = us.skill_id
                 WHERE us.user_id = u.id), ARRAY[]::varchar[]) AS skills
FROM users u WHERE u.embedding IS NULL
ORDER BY u.id LIMIT {} FOR UPDATE OF u SKIP LOCKED
"""
CLAIM_PROJECTS_SQL: Final = """
SELECT p.id, p.title, p.description, p.tech_stack
FROM projects p WHERE p.embedding IS NULL
ORDER BY p.id LIMIT {} FOR UPDATE OF p SKIP LOCKED
"""
STORE_SQL: Final = """
UPDATE {table} t SET embedding = v.embedding
FROM unnest({{}}::varchar[], {{}}::vector[]) AS v(id, embedding)
WHERE t.id = v.id
"""


async def claim_builders_without_embedding(
    engine: TribeEngine, limit: int
) -> list[tuple[str, BuilderProfile]]:
    """Lock up to ``limit`` builders whose embedding is NULL (skipping rows others hold).

    Call inside a transaction: the locks keep other fillers off these rows until it ends.
    """
    rows = await fetch_rows(engine, CLAIM_BUILDERS_SQL, limit)
    return [
        (
            row["id"],
            BuilderProfile(
                skills=tuple(row["skills"]),
                primary_role=row["primary_role"],
                headline=row["headline"],
                bio=row["bio"],
            ),
        )
        for row in rows
    ]


async def claim_projects_without_embedding(
    engine: TribeEngine, limit: int
) -> list[tuple[str, ProjectProfile]]:
    """Lock up to ``limit`` projects whose embedding is NULL (see the builders' version)."""
    rows = await fetch_rows(engine, CLAIM_PROJECTS_SQL, limit)
    return [
        (
            row["id"],
            ProjectProfile(
                tech_stack=tuple(str(tech) for tech in json.loads(row["tech_stack"] or "[]")),
                title=row["title"],
                description=row["description"],
            ),
        )
        for row in rows
    ]


async def store_embeddings(
    engine: TribeEngine, table: str, ids: Sequence[str], vectors: Sequence[Vector]
) -> None:
    """Write ``vectors`` to the rows ``ids`` of ``table`` (``users`` or ``projects``)."""
    if table not in EMBEDDED_TABLES:
        raise ValueError(f"no embeddings in {table!r}")
    await fetch_rows(engine, STORE_SQL.format(table=table), list(ids), list(vectors))


async def count_missing_embeddings(engine: TribeEngine) -> dict[str, int]:
    """How many builders and projects have no embedding."""
    [row] = await fetch_rows(
        engine,
        "SELECT (SELECT count(*) FROM users WHERE embedding IS NULL) AS users,"
        " (SELECT count(*) FROM projects WHERE embedding IS NULL) AS projects",
    )
    return {"users": int(row["users"]), "projects": int(row["projects"])}
