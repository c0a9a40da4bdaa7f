"""The document limits: cost before execution, and depth/alias checks linear in the document.

Each test sends an attack from issue 11 (or the document that motivated a
limit) and checks it is refused with its code before any SQL runs.
"""

from __future__ import annotations

import httpx
import pytest
from graphql import parse, validate

from harness.attacks import AMPLIFICATION, NESTED_LISTS, fragment_bomb
from harness.scenarios import PAGE_SIZE, SCENARIO_QUERIES
from tests.graphql_client import graphql, graphql_data
from tribe_service.app import create_app
from tribe_service.config import load_settings
from tribe_service.graphql.cost import operation_cost
from tribe_service.graphql.document_limits import document_limit_rules
from tribe_service.graphql.schema import build_schema
from tribe_service.statement_counting import count_statements

pytestmark = pytest.mark.usefixtures("seeded")

SETTINGS = load_settings({"ENVIRONMENT": "test"})
SCHEMA = build_schema(SETTINGS)._schema


def cost_of(query: str, variables: dict | None = None) -> int:
    document = parse(query)
    operation = next(d for d in document.definitions if d.kind == "operation_definition")
    return operation_cost(SCHEMA, document, operation, variables)


async def test_the_amplification_query_is_refused_before_any_sql(client):
    with count_statements() as counter:
        body = await graphql(client, AMPLIFICATION)
    [error] = body["errors"]
    assert body["data"] is None
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["limit"] == SETTINGS.max_query_cost
    assert error["extensions"]["cost"] > SETTINGS.max_query_cost
    assert counter.count == 0


async def test_nested_lists_without_aliases_are_refused(client):
    body = await graphql(client, NESTED_LISTS)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"


@pytest.mark.parametrize("scenario", sorted(SCENARIO_QUERIES))
def test_every_bench_scenario_is_within_the_budget(scenario):
    variables = {"first": PAGE_SIZE, "username": "mayachen", "after": None}
    assert 0 < cost_of(SCENARIO_QUERIES[scenario], variables) <= SETTINGS.max_query_cost


def test_cost_reads_first_from_the_query_a_variable_or_the_schema_default():
    query = "query($n: Int = 5) { feed(first: $n) { nodes { id actor { id } } } }"
    assert cost_of(query, {"n": 10}) == 10 * 2 + 1  # 10 nodes with an actor, the connection
    assert cost_of(query) == 5 * 2 + 1  # the variable's default
    assert cost_of("{ feed { nodes { id } } }") == 20 + 1  # the argument's default
    assert cost_of("{ feed(first: 3) { nodes { id } edges { node { id } } } }") == 1 + 3 + 3 * 2
    # Beyond 100 the resolver refuses it: the estimate counts at most a full page.
    assert cost_of("{ feed(first: 100000) { nodes { id } } }") == 101


def test_a_fragment_spread_twice_costs_twice():
    once = cost_of("{ feed(first: 2) { ...P } } fragment P on FeedEventConnection { nodes { id } }")
    twice = cost_of(
        "{ a: feed(first: 2) { ...P } b: feed(first: 2) { ...P } }"
        " fragment P on FeedEventConnection { nodes { id } }"
    )
    assert twice == 2 * once


async def test_development_reports_the_cost_in_extensions(engine):
    app = create_app(load_settings({"ENVIRONMENT": "development"}), engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        body = await graphql(client, "{ feed(first: 2) { nodes { id } } }")
    assert body["extensions"]["cost"] == {"estimated": 3, "limit": SETTINGS.max_query_cost}


async def test_test_and_production_do_not_report_the_cost(client):
    body = await graphql(client, "{ health }")
    assert "cost" not in body.get("extensions", {})


def test_the_depth_and_alias_rules_measure_each_fragment_once():
    # Strawberry's limiters walked every use of every fragment: 5.5 s on the event loop.
    document = parse(fragment_bomb(leaf="a: id"))
    errors = validate(SCHEMA, document, document_limit_rules(10, 30))
    [error] = errors
    assert error.extensions["code"] == "TOO_MANY_ALIASES"
    assert error.extensions["aliases"] == 2**20


@pytest.mark.parametrize("leaf", ["id", "a: id"])
async def test_the_fragment_bomb_is_refused_before_validation(client, leaf):
    # Even graphql-core's own rules take tens of milliseconds on it, and a changed
    # character defeats the caches: it is refused right after parsing.
    with count_statements() as counter:
        body = await graphql(client, fragment_bomb(leaf=leaf, variant=7))
    [error] = body["errors"]
    assert error["extensions"].pop("requestId")  # the logs' id for this request
    assert error["extensions"] == {"code": "QUERY_TOO_LARGE", "fields": 2**20 + 1, "limit": 2000}
    assert counter.count == 0


async def test_fragments_spread_a_few_times_are_fine(client):
    data = await graphql_data(client, fragment_bomb(levels=3))
    assert data["user"]["id"]


async def test_depth_through_fragments_is_refused(client):
    query = """
    { projects(first: 1) { nodes { ...A } } }
    fragment A on Project { owner { projects { owner { projects { ...B } } } } }
    fragment B on Project { owner { projects { owner { projects { owner { username } } } } } }
    """
    body = await graphql(client, query)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert error["extensions"]["depth"] == 11


async def test_graphiql_introspection_is_not_counted_as_depth(client):
    from graphql import get_introspection_query

    body = await graphql(client, get_introspection_query())
    assert "errors" not in body


def test_a_cached_cost_is_per_document_and_variables():
    from tribe_service.graphql.document_analysis import analysis_of

    document = parse("query($n: Int!) { builders(first: $n) { nodes { skills { name } } } }")
    [operation] = document.definitions
    costs = {n: operation_cost(SCHEMA, document, operation, {"n": n}) for n in (1, 50, 100)}
    assert costs[1] < costs[50] < costs[100]
    for n, cost in costs.items():  # asked again (from the cache): the same as estimated afresh
        assert operation_cost(SCHEMA, document, operation, {"n": n}) == cost
        assert analysis_of(SCHEMA, document).of(operation).cost({"n": n}) == cost
