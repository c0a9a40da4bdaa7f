"""Skills filter, open roles' candidates, similar builders and projects: the seed's
examples, ranking rules, bad input, and constant statement counts."""

from __future__ import annotations

import pytest

from tests.graphql_client import graphql, graphql_data
from tribe_service.graphql.client_operations import ROLE_CANDIDATES_QUERY, SIMILAR_BUILDERS_QUERY
from tribe_service.statement_counting import count_statements

pytestmark = pytest.mark.usefixtures("seeded")

BUILDERS_WITH_SKILLS = """
query ($skills: [String!], $first: Int! = 20, $after: String) {
  builders(skills: $skills, first: $first, after: $after) {
    nodes { username builderScore }
    pageInfo { hasNextPage endCursor }
  }
}
"""

CANDIDATES = """
query ($first: Int! = 20, $tribes: Int! = 3) {
  tribes(first: $tribes) {
    nodes {
      name
      openRoles(first: 5) {
        title
        candidates(first: $first) {
          user { username availabilityStatus builderScore }
          matchedSkills { name }
        }
      }
    }
  }
}
"""

SIMILAR_BUILDERS = """
query ($builders: Int! = 20, $first: Int! = 20) {
  builders(first: $builders) {
    nodes { username similarBuilders(first: $first) { similarity user { username } } }
  }
}
"""

SIMILAR_PROJECTS = """
query ($projects: Int! = 20, $first: Int! = 20) {
  projects(first: $projects) {
    nodes { title similarProjects(first: $first) { similarity project { title } } }
  }
}
"""


async def usernames_with(client, skills, **variables) -> list[str]:
    data = await graphql_data(client, BUILDERS_WITH_SKILLS, {"skills": skills, **variables})
    return [node["username"] for node in data["builders"]["nodes"]]


# --- builders(skills:) -------------------------------------------------------------------


async def test_builders_holding_all_listed_skills_by_score(client):
    # Maya (72) and Tom (68) both hold Python and React; Sarah has Python only.
    assert await usernames_with(client, ["Python", "React"]) == ["mayachen", "tomnakamura"]
    assert await usernames_with(client, ["python", "react", "fastapi"]) == ["mayachen"]


async def test_skills_match_by_slug_or_name_in_any_case(client):
    assert await usernames_with(client, ["ui-ux"]) == ["jamesokafor"]
    assert await usernames_with(client, ["UI/UX"]) == ["jamesokafor"]
    assert await usernames_with(client, ["  NEXTJS "]) == ["alexrivera"]


async def test_an_unknown_skill_matches_nobody(client):
    assert await usernames_with(client, ["Python", "Cobol"]) == []


async def test_no_skills_means_no_filter(client):
    everyone = await usernames_with(client, None)
    assert await usernames_with(client, []) == everyone
    assert len(everyone) == 10


async def test_skills_filter_pages_like_the_plain_list(client):
    whole = await usernames_with(client, ["Analytics"])
    assert whole == ["elenavolkov", "davidmorales", "aishapatel"]
    walked, after = [], None
    for _ in whole:
        data = await graphql_data(
            client, BUILDERS_WITH_SKILLS, {"skills": ["analytics"], "first": 1, "after": after}
        )
        walked += [node["username"] for node in data["builders"]["nodes"]]
        after = data["builders"]["pageInfo"]["endCursor"]
    assert walked == whole
    assert data["builders"]["pageInfo"]["hasNextPage"] is False


# --- OpenRole.candidates -----------------------------------------------------------------


async def roles(client, **variables) -> dict[tuple[str, str], list[dict]]:
    data = await graphql_data(client, CANDIDATES, variables)
    return {
        (tribe["name"], role["title"]): role["candidates"]
        for tribe in data["tribes"]["nodes"]
        for role in tribe["openRoles"]
    }


async def test_backend_engineer_for_hospitality_os_is_priya_never_members_or_owner(client):
    candidates = (await roles(client))[("Hospitality OS", "Backend Engineer")]
    names = [candidate["user"]["username"] for candidate in candidates]
    assert names[0] == "priyasharma"
    assert candidates[0]["matchedSkills"] == [{"name": "Go"}]
    assert "mayachen" not in names  # an active member (holds PostgreSQL)
    assert "tomnakamura" not in names  # the owner (holds PostgreSQL)


async def test_product_designer_for_ai_for_education_prefers_the_available_builder(client):
    candidates = (await roles(client))[("AI for Education", "Product Designer")]
    names = [candidate["user"]["username"] for candidate in candidates]
    # One skill each; Aisha is open to a tribe, James just browsing (and scores higher).
    assert names.index("aishapatel") < names.index("jamesokafor")
    skills = {c["user"]["username"]: c["matchedSkills"] for c in candidates}
    assert skills["aishapatel"] == [{"name": "User Research"}]
    assert skills["jamesokafor"] == [{"name": "Figma"}]


async def test_candidates_rank_by_skills_held_then_availability_then_score(client):
    availability = {"OPEN_TO_TRIBE": 0, "AVAILABLE_FOR_PROJECTS": 1, "JUST_BROWSING": 2}
    for candidates in (await roles(client)).values():
        keys = [
            (
                -len(c["matchedSkills"]),
                availability[c["user"]["availabilityStatus"]],
                -c["user"]["builderScore"],
            )
            for c in candidates
        ]
        assert keys == sorted(keys)
        assert all(c["matchedSkills"] for c in candidates)


async def test_candidates_first_limits_each_role(client):
    for candidates in (await roles(client, first=1)).values():
        assert len(candidates) <= 1
    body = await graphql(client, CANDIDATES, {"first": 0})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


# --- similarity --------------------------------------------------------------------------


async def similar(client) -> dict[str, list[dict]]:
    data = await graphql_data(client, SIMILAR_BUILDERS)
    return {node["username"]: node["similarBuilders"] for node in data["builders"]["nodes"]}


async def test_the_clients_operations_show_the_seed_examples(client):
    tribes = await graphql_data(client, "{ tribes { nodes { id name } } }")
    tribe_id = next(t["id"] for t in tribes["tribes"]["nodes"] if t["name"] == "Hospitality OS")
    data = await graphql_data(client, ROLE_CANDIDATES_QUERY, {"id": tribe_id})
    roles = {role["title"]: role for role in data["tribe"]["openRoles"]}
    first = roles["Backend Engineer"]["candidates"][0]
    assert first["user"]["username"] == "priyasharma"
    assert first["matchedSkills"] == [{"name": "Go", "slug": "go"}]
    similar = await graphql_data(client, SIMILAR_BUILDERS_QUERY, {"username": "mayachen"})
    assert similar["user"]["similarBuilders"][0]["user"]["displayName"] == "Tom Nakamura"


async def test_maya_chens_most_similar_builder_is_tom_nakamura(client):
    hits = (await similar(client))["mayachen"]
    assert hits[0]["user"]["username"] == "tomnakamura"


async def test_similar_builders_exclude_the_builder_and_are_nearest_first(client):
    for username, hits in (await similar(client)).items():
        assert len(hits) == 9  # everyone else in the seed
        assert username not in [hit["user"]["username"] for hit in hits]
        similarities = [hit["similarity"] for hit in hits]
        assert similarities == sorted(similarities, reverse=True)
        assert all(-1.0 <= value <= 1.0 + 1e-6 for value in similarities)


async def test_similar_projects_share_a_stack(client):
    data = await graphql_data(client, SIMILAR_PROJECTS)
    by_title = {node["title"]: node["similarProjects"] for node in data["projects"]["nodes"]}
    for title, hits in by_title.items():
        assert title not in [hit["project"]["title"] for hit in hits]
        assert len(hits) == len(by_title) - 1
    # AI Resume Builder (React, Python, OpenAI, PostgreSQL) shares two of them with
    # Open Source CRM (React, Node.js, PostgreSQL), one with each of four others.
    nearest = by_title["AI Resume Builder"][0]["project"]["title"]
    assert nearest == "Open Source CRM"


async def test_similar_first_is_checked(client):
    body = await graphql(client, SIMILAR_BUILDERS, {"first": 101})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


# --- statements --------------------------------------------------------------------------


async def count(client, query: str, variables: dict) -> tuple[int, dict]:
    with count_statements() as counter:
        data = await graphql_data(client, query, variables)
    return counter.count, data


@pytest.mark.parametrize(
    ("query", "small", "large"),
    [
        (SIMILAR_BUILDERS, {"builders": 2}, {"builders": 10}),
        (SIMILAR_PROJECTS, {"projects": 2}, {"projects": 6}),
        (CANDIDATES, {"tribes": 1}, {"tribes": 3}),
    ],
)
async def test_a_page_of_matches_costs_a_constant_number_of_statements(client, query, small, large):
    few, _ = await count(client, query, small)
    many, data = await count(client, query, large)
    again = [(await count(client, query, variables))[0] for variables in (small, large)]
    assert few == many == again[0] == again[1]
    # Compiled: the HNSW settings (similarity only) and one statement for the root field.
    assert many <= 2, many
    assert data  # the large page really was large


@pytest.mark.parametrize(
    ("table", "index"), [("users", "users_embedding_hnsw"), ("projects", "projects_embedding_hnsw")]
)
async def test_similarity_is_served_by_the_hnsw_index(engine, table, index):
    """EXPLAIN of the app's nearest-neighbour statement, with the settings the app sets."""
    from tribe_service.data_access.discovery import HNSW_SETTINGS_SQL, nearest_sql
    from tribe_service.tables import User

    ids = [row["id"] for row in await User.raw(f"SELECT id FROM {table} LIMIT 3")]
    async with engine.transaction() as transaction:
        await User.raw(HNSW_SETTINGS_SQL)
        plan = await User.raw(f"EXPLAIN {nearest_sql(table)}", 5, ids)
        await transaction.rollback()
    text = "\n".join(row["QUERY PLAN"] for row in plan)
    assert f"Index Scan using {index}" in text, text
    assert "Order By: (embedding <=> s.embedding)" in text, text


@pytest.mark.parametrize(
    ("table", "index"), [("users", "users_embedding_hnsw"), ("projects", "projects_embedding_hnsw")]
)
async def test_similarity_below_a_row_is_served_by_the_hnsw_index(engine, table, index):
    """The compiled executor's form: the nearest rows as a subquery correlated to each row."""
    from tribe_service.data_access.discovery import HNSW_SETTINGS_SQL, nearest_correlated
    from tribe_service.tables import User

    similar = nearest_correlated(table, "ROW(n.id, n.similarity)", "n", "t", 5)
    sql = f"EXPLAIN SELECT t.id, ARRAY({similar}) FROM {table} t WHERE t.id = ANY({{}})"
    ids = [row["id"] for row in await User.raw(f"SELECT id FROM {table} LIMIT 3")]
    async with engine.transaction() as transaction:
        await User.raw(HNSW_SETTINGS_SQL)
        plan = await User.raw(sql, ids)
        await transaction.rollback()
    text = "\n".join(row["QUERY PLAN"] for row in plan)
    assert f"Index Scan using {index}" in text, text
    assert "Order By: (embedding <=> t.embedding)" in text, text
