"""What PostgreSQL itself receives for a page: read from its log, not counted by the app.

``log_statement = 'all'`` is switched on for the session's embedded server while
these tests run. The landing page must cost at most five statements, as many for
2 rows as for 20, and no connection reset (asyncpg's ``pg_advisory_unlock_all()``
/ ``RESET ALL`` on every release, which the pool no longer sends).
"""

from __future__ import annotations

import asyncio

import pytest

from tests.graphql_client import graphql_data
from tribe_service.embedded_postgres import StatementLog
from tribe_service.graphql.client_operations import (
    BUILDER_PROFILE_QUERY,
    LANDING_PAGE_QUERY,
    SIMILAR_BUILDERS_QUERY,
    TRIBE_PAGE_QUERY,
)

pytestmark = pytest.mark.usefixtures("seeded")

RESET_WORDS = ("pg_advisory_unlock_all", "RESET ALL", "UNLISTEN", "CLOSE ALL", "DISCARD")


@pytest.fixture(scope="module")
def statement_log(embedded_server, database_url):
    """Log every statement on the test database while the module runs."""
    with StatementLog(embedded_server, database_url.rsplit("/", 1)[1]) as log:
        yield log


async def logged_statements(log: StatementLog, client, query: str, variables: dict) -> list[str]:
    """The statements the server logged while answering one request."""
    mark = log.mark()
    await graphql_data(client, query, variables)
    await asyncio.sleep(0.2)  # the backend writes its log line as it executes
    return log.since(mark)


@pytest.fixture
async def fresh_connections(engine):
    """Pooled connections opened with log_statement on (it is a connection setting).

    Expiring replaces each connection on its next acquire without waiting for borrowed
    ones, as closing the pool would (a connection still held elsewhere hung CI there).
    """
    await engine.pool.expire_connections()
    yield


async def test_landing_page_costs_at_most_five_statements_for_any_page_size(
    statement_log, fresh_connections, client
):
    for first in (2, 20):  # warm: the first request prepares each statement once
        await graphql_data(client, LANDING_PAGE_QUERY, {"first": first})
    small = await logged_statements(statement_log, client, LANDING_PAGE_QUERY, {"first": 2})
    large = await logged_statements(statement_log, client, LANDING_PAGE_QUERY, {"first": 20})
    assert 1 <= len(small) <= 5, small
    assert len(large) == len(small), (small, large)
    for statement in small + large:
        assert not any(word in statement for word in RESET_WORDS), statement


async def test_no_reset_after_any_page(statement_log, fresh_connections, client, engine):
    username = (await engine.fetch("SELECT username FROM users ORDER BY username LIMIT 1"))[0][0]
    tribe_id = (await engine.fetch("SELECT id FROM tribes ORDER BY id LIMIT 1"))[0][0]
    requests = [
        (BUILDER_PROFILE_QUERY, {"username": username}),
        (TRIBE_PAGE_QUERY, {"id": tribe_id}),
        ("{ health }", {}),
    ]
    for query, variables in requests:
        await graphql_data(client, query, variables)
        statements = await logged_statements(statement_log, client, query, variables)
        assert statements, query
        assert not [s for s in statements if any(word in s for word in RESET_WORDS)]


async def test_similar_builders_run_after_the_hnsw_settings_in_one_transaction(
    statement_log, fresh_connections, client, engine
):
    from tribe_service.data_access.discovery import HNSW_SETTINGS_SQL

    username = (await engine.fetch("SELECT username FROM users ORDER BY username LIMIT 1"))[0][0]
    variables = {"username": username, "first": 5}
    await graphql_data(client, SIMILAR_BUILDERS_QUERY, variables)
    statements = await logged_statements(statement_log, client, SIMILAR_BUILDERS_QUERY, variables)
    assert [s.strip() for s in statements[:2]] == ["BEGIN;", HNSW_SETTINGS_SQL], statements
    assert statements[-1].strip() == "COMMIT;", statements
    assert any("<=>" in statement for statement in statements[2:-1]), statements


NESTED_ARGUMENTS_QUERY = """
query Nested($username: String!, $first: Int!, $status: CollaboratorStatus, $after: String) {
  user(username: $username) {
    projects(first: $first) { id }
    collaborations(status: $status, first: $first) { status }
    activity(first: $first, after: $after) {
      edges { cursor node { id target { __typename ... on Project { id } } } }
      pageInfo { hasNextPage }
    }
  }
}
"""


async def test_nested_argument_values_are_parameters_of_one_plan(
    statement_log, fresh_connections, client, engine
):
    from tribe_service.graphql.compiled.executor import PLANS, STATS

    [[username, events]] = await engine.fetch(
        "SELECT u.username, count(*) FROM users u JOIN feed_events e ON e.actor_id = u.id"
        " GROUP BY u.username ORDER BY count(*) DESC, u.username LIMIT 1"
    )
    assert events >= 2, events
    first = {"username": username, "first": 2, "status": "CONFIRMED", "after": None}
    await graphql_data(client, NESTED_ARGUMENTS_QUERY, first)  # planned (and prepared) here
    misses, compiled = PLANS.misses, STATS.compiled
    mark = statement_log.mark()
    page = await graphql_data(client, NESTED_ARGUMENTS_QUERY, first)
    edges = page["user"]["activity"]["edges"]
    second = {"username": username, "first": 1, "status": None, "after": edges[0]["cursor"]}
    next_page = await graphql_data(client, NESTED_ARGUMENTS_QUERY, second)
    await asyncio.sleep(0.2)
    with statement_log.server.log_file.open(encoding="utf-8", errors="replace") as log:
        log.seek(mark)
        logged = log.read()

    # Other first, status and cursor: the same plan, answering compiled, with other values.
    assert PLANS.misses == misses
    assert STATS.compiled == compiled + 2
    assert len(edges) == 2
    assert next_page["user"]["activity"]["edges"] == edges[1:]
    # PostgreSQL saw one statement text twice, with the values as parameters.
    statements = [s for s in statement_log.since(mark) if "FROM users t" in s]
    assert len(statements) == 2 and statements[0] == statements[1], statements
    assert "'confirmed'" not in statements[0] and "LIMIT 2" not in statements[0]
    assert "parameters: $1 = '2', $2 = '2', $3 = 'confirmed'" in logged
    assert "$3 = NULL" in logged
