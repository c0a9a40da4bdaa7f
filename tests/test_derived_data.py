"""Derived data follows a write made through the API (issue "Writes", rule 5).

A builder's edit through ``updateProfile`` and a project made by ``createProject``
refresh what search and similarity read: the search vector by trigger in the same
transaction (the new words are found at once), the embedding cleared by trigger and
filled again by the embedding filler. Each test runs in one transaction rolled back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tribe_service.config import load_settings
from tribe_service.embeddings import embedder_for
from tribe_service.embeddings.filler import fill_batch
from tribe_service.graphql.context import Context
from tribe_service.graphql.schema import build_schema

pytestmark = pytest.mark.usefixtures("seeded")

SETTINGS = load_settings({"ENVIRONMENT": "test"})
SCHEMA = build_schema(SETTINGS)
SEARCH = """
query Find($q: String!, $kinds: [SearchKind!]) {
  search(query: $q, kinds: $kinds, first: 5) {
    nodes { __typename ... on User { username } ... on Project { title } }
  }
}"""
UPDATE_PROFILE = """
mutation Edit($input: UpdateProfileInput!) {
  updateProfile(input: $input) { user { headline } userErrors { code } }
}"""
CREATE_PROJECT = """
mutation Create($input: CreateProjectInput!) {
  createProject(input: $input) { project { id } userErrors { code } }
}"""


@pytest.fixture
async def api(engine) -> AsyncIterator[Any]:
    """``api(document, variables, viewer_username)`` inside a transaction rolled back after."""
    ids = {r["username"]: r["id"] for r in await engine.fetch("SELECT id, username FROM users")}
    transaction = engine.transaction()
    await transaction.__aenter__()

    async def execute(document: str, variables: dict, viewer: str | None = None) -> Any:
        context = Context(
            request=None,  # type: ignore[arg-type]
            response=None,  # type: ignore[arg-type]
            engine=engine,
            current_user_id=ids[viewer] if viewer else None,
        )
        result = await SCHEMA.execute(document, variables, context_value=context)
        assert not result.errors, result.errors
        return result.data

    execute.ids = ids  # type: ignore[attr-defined]
    try:
        yield execute
    finally:
        await transaction.rollback()
        await transaction.__aexit__(None, None, None)


async def updated_at(engine, user_id: str) -> str:
    """The builder's ``updatedAt`` as the API shows it (what an edit is based on)."""
    rows = await engine.fetch("SELECT updated_at FROM users WHERE id = $1", user_id)
    return rows[0]["updated_at"].isoformat()


async def embedding_missing(engine, table: str, row_id: str) -> bool:
    rows = await engine.fetch(
        f"SELECT embedding IS NULL AS missing FROM {table} WHERE id = $1", row_id
    )
    return bool(rows[0]["missing"])


async def test_a_profile_edit_is_searchable_at_once_and_re_embedded_by_the_filler(engine, api):
    maya = api.ids["mayachen"]
    assert not await embedding_missing(engine, "users", maya)
    edited = await api(
        UPDATE_PROFILE,
        {
            "input": {
                "expectedUpdatedAt": await updated_at(engine, maya),
                "headline": "Beekeeper and glassblower",
            }
        },
        "mayachen",
    )
    assert edited["updateProfile"]["userErrors"] == []
    found = await api(SEARCH, {"q": "glassblower", "kinds": ["USER"]})
    assert found["search"]["nodes"] == [{"__typename": "User", "username": "mayachen"}]
    assert await embedding_missing(engine, "users", maya)
    assert await fill_batch(engine, embedder_for(SETTINGS), "users", 50) >= 1
    assert not await embedding_missing(engine, "users", maya)


async def test_a_new_project_is_searchable_at_once_and_embedded_by_the_filler(engine, api):
    created = await api(
        CREATE_PROJECT,
        {"input": {"title": "Quokka telemetry", "techStack": ["Rust"]}},
        "tomnakamura",
    )
    project = created["createProject"]["project"]["id"]
    found = await api(SEARCH, {"q": "quokka", "kinds": ["PROJECT"]})
    assert found["search"]["nodes"] == [{"__typename": "Project", "title": "Quokka telemetry"}]
    assert await embedding_missing(engine, "projects", project)
    assert await fill_batch(engine, embedder_for(SETTINGS), "projects", 50) >= 1
    assert not await embedding_missing(engine, "projects", project)
