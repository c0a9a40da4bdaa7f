"""Each builder's writes a minute (``WRITE_RATE_PER_MINUTE``), and what mutations cost.

The burst that motivated the limit: a script signed in as one builder creating
projects in a loop. Past the budget every mutation is a top-level ``RATE_LIMITED``
with HTTP 429 and ``Retry-After``, and nothing more is written; another builder's
writes and the same builder's reads go on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.auth.conftest import client_of, dev_signed_in, make_app
from tribe_service.authorization import Action
from tribe_service.config import load_settings
from tribe_service.graphql.cost import operation_cost
from tribe_service.graphql.mutations.write_cost import ROW_POINTS, ROWS_WRITTEN, write_cost
from tribe_service.graphql.schema import build_schema
from tribe_service.observability import metrics

pytestmark = pytest.mark.usefixtures("seeded")

WRITES_PER_MINUTE = 5
BURST = 12
TITLE = "Burst project"
CREATE = """
mutation ($input: CreateProjectInput!) {
  createProject(input: $input) { project { title } userErrors { code } }
}"""
FEED = "{ feed(first: 1) { nodes { eventType } } }"


@pytest.fixture
async def app(engine, oauth_server):
    """A development app (its sign-in) allowing WRITES_PER_MINUTE writes per builder."""
    yield make_app(
        engine,
        oauth_server,
        ENVIRONMENT="development",
        ALLOWED_HOSTS="testserver",
        WRITE_RATE_PER_MINUTE=str(WRITES_PER_MINUTE),
    )
    await engine.fetch(
        "DELETE FROM feed_events WHERE target_id IN (SELECT id FROM projects WHERE title = $1)",
        TITLE,
    )
    await engine.fetch("DELETE FROM projects WHERE title = $1", TITLE)
    await engine.fetch("DELETE FROM refresh_tokens")


@pytest.fixture
async def maya(app) -> AsyncIterator[httpx.AsyncClient]:
    async with dev_signed_in(app, "mayachen") as client:
        yield client


async def projects_titled(engine, username: str) -> int:
    rows = await engine.fetch(
        "SELECT count(*) FROM projects p JOIN users u ON u.id = p.owner_id"
        " WHERE p.title = $1 AND u.username = $2",
        TITLE,
        username,
    )
    return int(rows[0][0])


async def test_a_burst_of_creates_past_the_write_rate_is_refused_and_writes_nothing(
    app, maya, engine
):
    refusals = metrics.RATE_LIMIT_REFUSALS.labels("writes")
    counted = refusals._value.get()
    answers = [
        await maya.post(
            "/graphql", json={"query": CREATE, "variables": {"input": {"title": TITLE}}}
        )
        for _ in range(BURST)
    ]
    created = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 429]
    assert len(created) == WRITES_PER_MINUTE and len(refused) == BURST - WRITES_PER_MINUTE
    # The budget refills at WRITES_PER_MINUTE a minute: the first ones pass, then refusals.
    assert answers[:WRITES_PER_MINUTE] == created
    for answer in created:
        assert answer.json()["data"]["createProject"] == {
            "project": {"title": TITLE},
            "userErrors": [],
        }
    for answer in refused:
        body = answer.json()
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        retry_after = int(answer.headers["retry-after"])
        assert retry_after == error["extensions"]["retryAfter"] >= 1
        assert answer.headers["ratelimit-limit"] == str(WRITES_PER_MINUTE)
    assert await projects_titled(engine, "mayachen") == WRITES_PER_MINUTE
    assert refusals._value.get() - counted == BURST - WRITES_PER_MINUTE  # operators see them

    # Reads are another budget; and the limit is Maya's, not everyone's.
    feed = await maya.post("/graphql", json={"query": FEED})
    assert feed.status_code == 200 and "errors" not in feed.json()
    async with dev_signed_in(app, "tomnakamura") as tom:
        answer = await tom.post(
            "/graphql", json={"query": CREATE, "variables": {"input": {"title": TITLE}}}
        )
        assert answer.status_code == 200
        assert answer.json()["data"]["createProject"]["userErrors"] == []
    assert await projects_titled(engine, "tomnakamura") == 1


async def test_signed_out_mutations_spend_no_builders_writes(app, maya):
    async with client_of(app) as anonymous:
        for _ in range(WRITES_PER_MINUTE + 1):
            answer = await anonymous.post(
                "/graphql", json={"query": CREATE, "variables": {"input": {"title": TITLE}}}
            )
            [error] = answer.json()["errors"]
            assert error["extensions"]["code"] == "UNAUTHENTICATED"


def test_every_mutation_declares_its_write_cost_and_the_estimate_adds_it():
    schema = build_schema(load_settings({"ENVIRONMENT": "test"}))
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    assert (
        set(mutation_type.fields)
        == {str(action) for action in Action}
        == set(map(str, ROWS_WRITTEN))
    )
    from graphql import parse
    from graphql.language import OperationDefinitionNode

    for name in mutation_type.fields:
        assert write_cost(name) == ROWS_WRITTEN[Action(name)] * ROW_POINTS > 0
        document = parse(f"mutation {{ {name} {{ userErrors {{ code }} }} }}")
        [operation] = document.definitions
        assert isinstance(operation, OperationDefinitionNode)
        payload_cost = 1 + 100  # the payload object, and userErrors counted as a full page
        assert operation_cost(schema._schema, document, operation) == (
            write_cost(name) + payload_cost
        )


def test_readme_shows_the_write_costs_as_they_are():
    from pathlib import Path

    from tribe_service.graphql.mutations.write_cost import markdown_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert markdown_table() in readme
