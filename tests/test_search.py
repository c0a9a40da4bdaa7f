"""``search``: web-search syntax, type-ahead prefixes, ranking, paging, snippets, bad input,
and the GIN indexes serving it. On the seed data."""

from __future__ import annotations

import pytest

from tests.graphql_client import graphql, graphql_data
from tribe_service.data_access import discovery
from tribe_service.data_access.discovery import SearchText
from tribe_service.enums import SearchKind
from tribe_service.graphql.client_operations import SEARCH_QUERY
from tribe_service.tables import User

pytestmark = pytest.mark.usefixtures("seeded")

SEARCH = """
query Search($query: String!, $kinds: [SearchKind!], $first: Int! = 20, $after: String) {
  search(query: $query, kinds: $kinds, first: $first, after: $after) {
    edges {
      cursor rank snippet
      node {
        __typename
        ... on User { username displayName }
        ... on Project { title }
        ... on Tribe { name }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def label(edge: dict) -> str:
    node = edge["node"]
    return node.get("username") or node.get("title") or node["name"]


async def search(client, query: str, **variables) -> list[dict]:
    data = await graphql_data(client, SEARCH, {"query": query, **variables})
    return data["search"]["edges"]


async def test_the_clients_search_operation_finds_james_okafor(client):
    data = await graphql_data(client, SEARCH_QUERY, {"query": "designer"})
    nodes = [edge["node"] for edge in data["search"]["edges"]]
    assert "James Okafor" in [node.get("displayName") for node in nodes]
    assert {node["__typename"] for node in nodes} == {"User", "Project"}


async def test_designer_finds_james_okafor_among_builders(client):
    edges = await search(client, "designer", kinds=["USER"])
    assert "jamesokafor" in [label(edge) for edge in edges]
    assert {edge["node"]["__typename"] for edge in edges} == {"User"}


async def test_the_last_word_is_a_prefix_so_type_ahead_works(client):
    assert [label(edge) for edge in await search(client, "may")] == ["mayachen"]
    assert [label(edge) for edge in await search(client, "maya ch")] == ["mayachen"]
    assert "jamesokafor" in [label(edge) for edge in await search(client, "jam")]


async def test_only_the_last_word_is_a_prefix(client):
    # "ma" is no word in the seed, and only "chen" is a prefix here.
    assert await search(client, "ma chen") == []


async def test_names_match_whatever_the_stemmer_makes_of_them(client):
    # english stems "James" to "jame"; names are indexed in both configurations.
    assert [label(edge) for edge in await search(client, "James Okafor")] == ["jamesokafor"]


async def test_quoted_phrases_negation_and_or(client):
    phrase = [label(edge) for edge in await search(client, '"product designer"')]
    assert phrase == ["jamesokafor"]
    # James's bio says "designer obsessed", never the other way round.
    assert [label(edge) for edge in await search(client, '"designer obsessed"')] == ["jamesokafor"]
    assert await search(client, '"obsessed designer"') == []
    with_react = {label(edge) for edge in await search(client, "react", kinds=["PROJECT"])}
    without_figma = {
        label(edge) for edge in await search(client, "react -figma", kinds=["PROJECT"])
    }
    assert "Design System Kit" in with_react
    assert without_figma == with_react - {"Design System Kit"}
    either = {label(edge) for edge in await search(client, "hotels or automates")}
    assert either == {"Hospitality OS", "tomnakamura", "marcusjohnson"}


async def test_names_rank_above_body_text_then_id_breaks_ties(client):
    edges = await search(client, "hotel")
    ranks = [edge["rank"] for edge in edges]
    assert ranks == sorted(ranks, reverse=True)
    # The tribe's mission (weight B) says hotels; Tom's bio (weight C) says hotel.
    assert [label(edge) for edge in edges] == ["Hospitality OS", "tomnakamura"]


async def test_kinds_restrict_the_hits(client):
    everything = await search(client, "design")
    projects = await search(client, "design", kinds=["PROJECT"])
    assert {edge["node"]["__typename"] for edge in everything} >= {"User", "Project"}
    assert [label(edge) for edge in projects] == [
        label(edge) for edge in everything if edge["node"]["__typename"] == "Project"
    ]
    assert await search(client, "design", kinds=[]) == []


async def test_pages_of_one_walk_the_same_hits_as_one_page(client):
    whole = await search(client, "builder or building or design", first=100)
    assert len(whole) >= 5
    walked, after = [], None
    while True:
        data = await graphql_data(
            client, SEARCH, {"query": "builder or building or design", "first": 1, "after": after}
        )
        walked += data["search"]["edges"]
        after = data["search"]["pageInfo"]["endCursor"]
        if not data["search"]["pageInfo"]["hasNextPage"]:
            break
    assert walked == whole


async def test_total_count_counts_every_hit_on_every_page(client):
    query = "query ($q: String!, $after: String) { search(query: $q, first: 2, after: $after) "
    query += "{ totalCount pageInfo { endCursor } } }"
    whole = await search(client, "builder or building or design", first=100)
    first = await graphql_data(client, query, {"q": "builder or building or design"})
    cursor = first["search"]["pageInfo"]["endCursor"]
    second = await graphql_data(
        client, query, {"q": "builder or building or design", "after": cursor}
    )
    assert first["search"]["totalCount"] == second["search"]["totalCount"] == len(whole)
    empty = await graphql_data(client, query, {"q": "the"})
    assert empty["search"]["totalCount"] == 0


async def test_snippets_highlight_the_match(client):
    [edge] = await search(client, "hotels", kinds=["TRIBE"])
    assert "<mark>hotels</mark>" in edge["snippet"]


async def test_snippets_are_escaped_html(engine, seeded):
    async with engine.transaction() as transaction:
        bio = "Ships <script>alert(1)</script> & hotel software, 1 < 2"
        await User.update({User.bio: bio}).where(User.username == "tomnakamura")
        rows = await discovery.search(engine, SearchText.parse("hotel"), [SearchKind.USER], 5, None)
        await transaction.rollback()
    [row] = rows
    snippet = row["snippet"]
    # PostgreSQL's parser drops tags; what is left of the text is escaped.
    assert "<script" not in snippet and "</script" not in snippet
    assert "alert(1)" in snippet and "&amp;" in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
async def test_empty_queries_are_a_clear_error(client, query):
    body = await graphql(client, SEARCH, {"query": query})
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_SEARCH"
    assert body["data"] == {"search": None}  # root fields are nullable: other roots survive


async def test_overlong_queries_are_refused(client):
    body = await graphql(client, SEARCH, {"query": "maya " * 100})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_SEARCH"


@pytest.mark.parametrize(
    "query", ["!!!", "'", '"', "-", "(", "&|!:*", "the", "the and of", '"the"', "or", "- or -"]
)
async def test_punctuation_and_stop_words_find_nothing_without_error(client, query):
    assert await search(client, query) == []


@pytest.mark.parametrize("query", ["maya:*", "a & b", "x | !y", "<->", "maya\\"])
async def test_tsquery_operators_are_text_not_syntax(client, query):
    body = await graphql(client, SEARCH, {"query": query})
    assert "errors" not in body, body


async def test_a_cursor_from_another_list_is_refused(client):
    builders = await graphql_data(client, "{ builders(first: 1) { pageInfo { endCursor } } }")
    cursor = builders["builders"]["pageInfo"]["endCursor"]
    body = await graphql(client, SEARCH, {"query": "maya", "after": cursor})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_the_gin_indexes_serve_the_matching(engine):
    """EXPLAIN of the search statement uses each table's GIN index.

    The seed is too small for the planner to prefer an index over reading a page,
    so sequential scans are priced out (``enable_seqscan = off`` only adds cost: if
    no index could answer ``@@`` the plan would still be a sequential scan, and this
    test would fail).
    """
    sql, args = discovery.search_statement(SearchText.parse("designer"), list(SearchKind), 21, None)
    async with engine.transaction() as transaction:
        await User.raw("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row["QUERY PLAN"] for row in await User.raw(f"EXPLAIN {sql}", *args))
        await transaction.rollback()
    for index in (
        "users_search_vector_gin",
        "projects_search_vector_gin",
        "tribes_search_vector_gin",
    ):
        assert f"Bitmap Index Scan on {index}" in plan, plan
    assert "Seq Scan on users" not in plan
