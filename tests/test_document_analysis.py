"""One analysis per document: every limit, the cost and the plan cache read the same one.

``@skip`` and ``@include`` count like any other selection in every limit, literal or
variable (``tribe_service/graphql/document_analysis.py`` says why); these tests hold
depth, aliases, expansion and cost to that rule together, through the HTTP API.
"""

from __future__ import annotations

import pytest
from graphql import parse

from harness.attacks import fragment_bomb
from tests.graphql_client import graphql, graphql_data
from tribe_service.config import load_settings
from tribe_service.graphql import document_analysis
from tribe_service.graphql.compiled.executor import PLANS, STATS
from tribe_service.graphql.cost import operation_cost
from tribe_service.graphql.document_analysis import analysis_of
from tribe_service.graphql.document_limits import MAX_EXPANDED_FIELDS
from tribe_service.graphql.schema import build_schema

pytestmark = pytest.mark.usefixtures("seeded")

SETTINGS = load_settings({"ENVIRONMENT": "test"})
SCHEMA = build_schema(SETTINGS)._schema

PLAIN = """
query($first: Int!) {
  a: projects(first: $first) { nodes { owner { projects { id } } } }
  b: feed(first: 3) { nodes { actor { ...Card } } }
}
fragment Card on User { c: username projects { owner { username } } }
"""
# The same selections behind every kind of directive: each limit counts them all.
DIRECTED = """
query($first: Int!, $on: Boolean!) {
  a: projects(first: $first) @skip(if: true) { nodes { owner { projects { id } } } }
  b: feed(first: 3) @include(if: $on) { nodes { actor { ...Card @skip(if: $on) } } }
}
fragment Card on User { c: username @include(if: false) projects { ... @skip(if: $on) { owner { username } } } }
"""


def analysed(text: str) -> document_analysis.OperationAnalysis:
    [operation] = analysis_of(SCHEMA, parse(text)).operations
    return operation


@pytest.mark.parametrize("on", [True, False])
def test_skip_and_include_count_alike_in_depth_aliases_expansion_and_cost(on):
    plain, directed = analysed(PLAIN), analysed(DIRECTED)
    assert (directed.depth, directed.aliases) == (plain.depth, plain.aliases) == (5, 3)
    assert directed.fields == plain.fields == 12
    assert directed.cost({"first": 7, "on": on}) == plain.cost({"first": 7}) > 7 * 3
    assert directed.keyed_variables == ("on",)
    assert plain.keyed_variables == ()


async def test_a_skipped_selection_still_counts_towards_each_limit(client):
    deep = "owner { projects { " * 6 + "id" + " } }" * 6
    body = await graphql(
        client, f"{{ projects(first: 1) @skip(if: true) {{ nodes {{ {deep} }} }} }}"
    )
    assert [error["extensions"]["code"] for error in body["errors"]] == ["QUERY_TOO_DEEP"]

    aliases = " ".join(f"a{n}: id" for n in range(SETTINGS.max_query_aliases + 1))
    query = f'query($on: Boolean!) {{ user(username: "x") @include(if: $on) {{ {aliases} }} }}'
    body = await graphql(client, query, {"on": False})
    assert [error["extensions"]["code"] for error in body["errors"]] == ["TOO_MANY_ALIASES"]

    bomb = fragment_bomb(levels=11).replace("...F0x0", "...F0x0 @skip(if: true)", 1)
    assert MAX_EXPANDED_FIELDS < 2**11
    body = await graphql(client, bomb)
    assert [error["extensions"]["code"] for error in body["errors"]] == ["QUERY_TOO_LARGE"]

    costly = "{ projects(first: 100) @skip(if: true) { nodes { collaborators(first: 100) { user { id } } } } }"
    body = await graphql(client, costly)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    unskipped = parse(costly.replace(" @skip(if: true)", ""))
    [operation] = unskipped.definitions
    assert error["extensions"]["cost"] == operation_cost(SCHEMA, unskipped, operation) > 10_000


async def test_a_document_is_analysed_once_for_every_limit_the_cost_and_its_plan(client):
    analyses = document_analysis._DOCUMENTS
    query = "query($on: Boolean!, $first: Int!) { feed(first: $first) { nodes { id actor @include(if: $on) { username } } } }"
    operations = document_analysis._OPERATIONS  # the executor finds the operation's here
    misses, plans, found = analyses.misses, PLANS.misses, operations.misses
    STATS.reset()
    await graphql_data(client, query, {"on": True, "first": 2})
    # Parsed once: analysed once (expansion, depth and aliases, cost, the plan's key).
    assert analyses.misses == misses + 1
    assert operations.misses == found + 1  # registered by that analysis, not made again
    assert PLANS.misses == plans + 1
    await graphql_data(client, query, {"on": True, "first": 5})  # another root value: same plan
    await graphql_data(client, query, {"on": False, "first": 5})  # another @include: a plan
    assert (analyses.misses, operations.misses) == (misses + 1, found + 1)
    assert PLANS.misses == plans + 2
    assert STATS.compiled == 3 and STATS.fallback == 0, STATS
