"""Production settings: no introspection, no GraphiQL, no suggestions, bugs masked."""

from __future__ import annotations

import httpx
import pytest
import strawberry

from tribe_service.app import create_app
from tribe_service.config import load_settings
from tribe_service.graphql.errors import UNEXPECTED_ERROR_MESSAGE
from tribe_service.graphql.paging import check_page_size
from tribe_service.graphql.schema import build_extensions

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
async def production_client(engine, database_url):
    settings = load_settings(
        {"ENVIRONMENT": "production", "DATABASE_URL": database_url, "ALLOWED_HOSTS": "testserver"}
    )
    app = create_app(settings, engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_introspection_is_off(production_client):
    response = await production_client.post(
        "/graphql", json={"query": "{ __schema { types { name } } }"}
    )
    body = response.json()
    assert body.get("data") is None
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_introspection_is_on_outside_production(client):
    response = await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    assert response.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}


async def test_graphiql_is_off(production_client):
    response = await production_client.get("/graphql", headers={"accept": "text/html"})
    assert "GraphiQL" not in response.text
    assert response.status_code != 200


async def test_no_field_suggestions(production_client, client):
    query = {"query": "{ builder { id } }"}
    production = (await production_client.post("/graphql", json=query)).json()
    development = (await client.post("/graphql", json=query)).json()
    assert "Did you mean" in development["errors"][0]["message"]
    assert "Did you mean" not in production["errors"][0]["message"]


async def test_queries_still_work(production_client):
    response = await production_client.post("/graphql", json={"query": "{ health }"})
    assert response.json() == {"data": {"health": "ok"}}


async def test_expected_errors_keep_their_message(production_client):
    response = await production_client.post(
        "/graphql", json={"query": "{ builders(first: 500) { nodes { id } } }"}
    )
    assert response.json()["errors"][0]["message"] == "`first` must be between 1 and 100 (got 500)."


@strawberry.type
class BrokenQuery:
    @strawberry.field
    def broken(self) -> int:
        raise RuntimeError("SELECT secret FROM users -- postgresql://tribe:tribe@db")

    @strawberry.field
    def expected(self) -> int:
        return check_page_size(0)


@pytest.mark.parametrize(("environment", "masked"), [("production", True), ("development", False)])
async def test_unexpected_errors_are_masked_in_production(environment, masked):
    settings = load_settings({"ENVIRONMENT": environment})
    schema = strawberry.Schema(query=BrokenQuery, extensions=build_extensions(settings))
    result = await schema.execute("{ broken }")
    [error] = result.errors
    assert (error.message == UNEXPECTED_ERROR_MESSAGE) is masked
    assert ("secret" in error.message) is not masked
    expected = await schema.execute("{ expected }")
    assert expected.errors[0].message == "`first` must be between 1 and 100 (got 0)."


async def test_graphiql_assets_are_not_served(production_client):
    from tribe_service.graphiql import ASSETS_PATH, PACKAGES

    react = PACKAGES[0]
    response = await production_client.get(
        f"{ASSETS_PATH}/{react.folder}/{react.vendored()[0].name}"
    )
    assert response.status_code == 404
