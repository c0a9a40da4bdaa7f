"""The GraphQL over HTTP specification: media types, status codes, choosing the operation."""

from __future__ import annotations

import httpx
import pytest

from tribe_service.app import create_app
from tribe_service.config import load_settings

pytestmark = pytest.mark.usefixtures("seeded")

GRAPHQL_RESPONSE = "application/graphql-response+json"
ACCEPT_NEW = {"accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"}

REQUEST_ERRORS = [
    pytest.param({"query": "{ health "}, "GRAPHQL_PARSE_FAILED", id="parse"),
    pytest.param({"query": "{ nope }"}, "GRAPHQL_VALIDATION_FAILED", id="validation"),
    pytest.param(
        {
            "query": "query ($n: Int!) { builders(first: $n) { totalCount } }",
            "variables": {"n": "many"},
        },
        "BAD_USER_INPUT",
        id="variable coercion",
    ),
    pytest.param(
        {"query": "query A { health } query B { health }"},
        "OPERATION_RESOLUTION_FAILURE",
        id="several operations, no name",
    ),
    pytest.param(
        {
            "query": "{ builders(first: 100) { nodes { projects(first: 100) { collaborators"
            "(first: 100) { user { projects(first: 100) { id } } } } } } }"
        },
        "QUERY_TOO_COMPLEX",
        id="limit",
    ),
]


@pytest.mark.parametrize(("body", "code"), REQUEST_ERRORS)
async def test_request_errors_are_400_without_data_for_graphql_response_json(client, body, code):
    response = await client.post("/graphql", json=body, headers=ACCEPT_NEW)
    assert response.status_code == 400
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    payload = response.json()
    assert "data" not in payload
    assert [error["extensions"]["code"] for error in payload["errors"]] == [code]


@pytest.mark.parametrize(("body", "code"), REQUEST_ERRORS)
async def test_request_errors_stay_200_with_null_data_for_application_json(client, body, code):
    response = await client.post("/graphql", json=body, headers={"accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    payload = response.json()
    assert payload["data"] is None
    assert [error["extensions"]["code"] for error in payload["errors"]] == [code]


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/html"])
async def test_clients_that_do_not_ask_for_the_new_type_get_application_json(client, accept):
    headers = {"accept": accept} if accept else {}
    response = await client.post("/graphql", json={"query": "{ health }"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"data": {"health": "ok"}}


async def test_a_successful_operation_is_200_with_data_in_the_new_type(client):
    response = await client.post("/graphql", json={"query": "{ health }"}, headers=ACCEPT_NEW)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert response.json() == {"data": {"health": "ok"}}


async def test_a_field_error_keeps_data_and_200_in_the_new_type(client):
    query = '{ health feed(first: 1, after: "not-a-cursor") { totalCount } }'
    response = await client.post("/graphql", json={"query": query}, headers=ACCEPT_NEW)
    assert response.status_code == 200
    payload = response.json()
    assert payload["data"] == {"health": "ok", "feed": None}
    assert [error["extensions"]["code"] for error in payload["errors"]] == ["INVALID_CURSOR"]


async def test_several_operations_run_the_named_one(client):
    query = "query A { health } query B { skills(category: DESIGN) { name } }"
    response = await client.post("/graphql", json={"query": query, "operationName": "B"})
    assert response.status_code == 200
    data = response.json()["data"]
    assert list(data) == ["skills"]
    assert data["skills"]


async def test_several_operations_without_a_name_run_none_of_them(client):
    query = "query A { health } query B { skills(category: DESIGN) { name } }"
    response = await client.post("/graphql", json={"query": query})
    payload = response.json()
    assert payload["data"] is None
    assert payload["errors"][0]["extensions"]["code"] == "OPERATION_RESOLUTION_FAILURE"
    assert "operationName" in payload["errors"][0]["message"]


def app_client(engine, **environ: str) -> httpx.AsyncClient:
    app = create_app(load_settings({"ENVIRONMENT": "test", **environ}), engine)
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_a_spent_budget_stays_429_without_data_in_the_new_type(engine):
    query = {"query": "{ feed(first: 20) { nodes { id actor { id } } } }"}  # 42 points
    async with app_client(engine, RATE_LIMIT_POINTS_PER_MINUTE="50") as client:
        await client.post("/graphql", json=query, headers=ACCEPT_NEW)
        refused = await client.post("/graphql", json=query, headers=ACCEPT_NEW)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "data" not in refused.json()
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_an_operation_past_its_deadline_is_504_in_the_new_type(engine):
    query = {"query": "{ builders(first: 50) { nodes { id skills { name } } } }"}
    async with app_client(engine, OPERATION_TIMEOUT_SECONDS="0.000001") as client:
        response = await client.post("/graphql", json=query, headers=ACCEPT_NEW)
    assert response.status_code == 504
    assert "data" not in response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
