"""Both executors batch: the landing page costs the same statements for 2 rows or 50.

Run on the compiled path and on Strawberry's resolvers (``COMPILED_EXECUTION=false``):
the DataLoaders must batch each relation per level as the plans do. The seeded data
set is grown to well over 50 rows per list for this module by a factory, and exactly
those rows are removed afterwards (the shared database is left as it was, unseeded).

A relation costs one statement per level whenever a page touches it: the two
newest feed events target a project and a tribe (user targets share the
actors' batch), so the 2-row page touches every relation the 50-row page does.
"""

from __future__ import annotations

import os

import httpx
import pytest

from tests.factories import add_builders_with_everything, remove_builders
from tests.graphql_client import graphql_data
from tribe_service.graphql.client_operations import LANDING_PAGE_QUERY
from tribe_service.statement_counting import count_statements

EXTRA = 60


@pytest.fixture(scope="module")
async def larger_data_set(seeded):
    from tribe_service.seed import count_rows

    before = await count_rows()
    user_ids = await add_builders_with_everything(EXTRA)
    yield
    await remove_builders(user_ids)
    assert await count_rows() == before


@pytest.fixture(params=["compiled", "resolvers"])
async def path_client(request, engine):
    """An in-process client of an app answering on one executor."""
    from tribe_service.app import create_app
    from tribe_service.config import load_settings

    settings = load_settings(
        {
            **os.environ,
            "RATE_LIMIT_POINTS_PER_MINUTE": "0",
            "COMPILED_EXECUTION": str(request.param == "compiled").lower(),
        }
    )
    transport = httpx.ASGITransport(app=create_app(settings, engine))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def statements_for(client, first: int) -> tuple[int, dict, list[str]]:
    with count_statements() as counter:
        data = await graphql_data(client, LANDING_PAGE_QUERY, {"first": first})
    return counter.count, data, counter.statements


@pytest.mark.usefixtures("larger_data_set")
async def test_statement_count_does_not_grow_with_page_size(path_client):
    client = path_client
    small, small_data, small_statements = await statements_for(client, 2)
    large, large_data, large_statements = await statements_for(client, 50)
    again = [(await statements_for(client, first))[0] for first in (2, 50, 2, 50)]
    assert len(large_data["feed"]["edges"]) == 50
    assert len(large_data["builders"]["nodes"]) == 50
    assert len(large_data["tribes"]["nodes"]) == 50
    assert len(small_data["projects"]["nodes"]) == 2
    assert small == large, (small_statements, large_statements)
    assert again == [large] * 4  # not a matter of timing
    assert large <= 20


async def test_statement_counting_sees_every_statement(client, seeded):
    with count_statements() as counter:
        await graphql_data(client, "{ health }")
    assert counter.count == 1
