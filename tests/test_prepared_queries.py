"""A query sent again is answered from its plan without Strawberry's pipeline
(``tribe_service.graphql.prepared``): the same bytes, headers, budget and log line as
the pipeline's answer, and every refusal the pipeline makes still made."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import AsyncIterator, Iterator, MutableMapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import pytest
import structlog
from structlog.testing import capture_logs

from tests.graphql_corpus import hand_written_documents, variable_cases
from tests.test_graphql_differential import EXAMPLES, facts, generated_operation, generation
from tribe_service.app import create_app
from tribe_service.config import load_settings
from tribe_service.graphql import client_operations
from tribe_service.graphql.compiled.executor import STATS
from tribe_service.observability import operations

pytestmark = pytest.mark.usefixtures("seeded")

# Cheap at n = 1, above the cost limit at n = 100.
NESTED = (
    "query Nested($n: Int!) { builders(first: $n) { nodes { projects(first: $n) {"
    " collaborators(first: $n) { user { projects(first: $n) { id } } } } } } }"
)
FEED = "query Feed($after: String) { feed(first: 3, after: $after) { nodes { id } } }"


@asynccontextmanager
async def fresh_client(engine: Any, **environ: str) -> AsyncIterator[httpx.AsyncClient]:
    """An app of its own, so no query of another test is prepared in it."""
    settings = {**os.environ, "RATE_LIMIT_POINTS_PER_MINUTE": "0", **environ}
    app = create_app(load_settings(settings), engine)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def post(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, "variables": variables})


REQUEST_ID = re.compile(rb'"requestId":"[0-9a-f]{32}"')


def as_sent(response: httpx.Response) -> tuple[int, str, bytes]:
    """Status, media type and body (each request's own id named alike)."""
    body = REQUEST_ID.sub(b'"requestId":"<id>"', response.content)
    return response.status_code, response.headers["content-type"], body


def pipeline_text(query: str, case: int) -> str:
    """The same operation in a text never sent before: the pipeline answers it."""
    return f"{query}\n# case {case}"


async def test_repeats_answer_with_the_pipelines_bytes(engine):
    values = await facts(engine)
    documents = hand_written_documents()
    STATS.reset()
    cases = 0
    async with fresh_client(engine) as client:
        for document in documents:
            for variables in variable_cases(document, values):
                cases += 1
                pipeline = await post(client, pipeline_text(document, cases), variables)
                await post(client, document, variables)  # prepares it, if it can be
                repeat = await post(client, document, variables)
                assert as_sent(repeat) == as_sent(pipeline), (document, variables)
    # Most cases of the corpus are answered from their plan the second time.
    assert STATS.repeats >= cases // 2, (STATS.repeats, cases)


async def test_every_client_query_is_answered_again_from_its_plan(engine):
    values = await facts(engine)
    async with fresh_client(engine) as client:
        for name in client_operations.query_names():
            document = client_operations.document(name)
            variables = next(variable_cases(document, values))
            await post(client, document, variables)
            STATS.reset()
            await post(client, document, variables)
            assert (STATS.repeats, STATS.fallback) == (1, 0), name


@contextmanager
def operation_lines() -> Iterator[list[MutableMapping[str, Any]]]:
    """The operations' log lines, as structlog's own test helper captures them (the app's
    logger is bound once, at first use, so a fresh one stands in while capturing)."""
    with capture_logs() as events, pytest.MonkeyPatch.context() as patch:
        patch.setattr(operations, "logger", structlog.get_logger(operations.__name__))
        yield events


async def test_a_repeat_logs_the_pipelines_line(engine):
    document = client_operations.document("TribePage")
    [tribe] = await engine.fetch("SELECT id FROM tribes ORDER BY created_at LIMIT 1")
    variables = {"id": tribe["id"]}

    def line(events: list[MutableMapping[str, Any]]) -> dict[str, Any]:
        [event] = [e for e in events if e["event"] == "graphql operation"]
        return {key: value for key, value in event.items() if key != "duration_ms"}

    async with fresh_client(engine) as client:
        with operation_lines() as pipeline:
            await post(client, document, variables)
        STATS.reset()
        with operation_lines() as repeat:
            await post(client, document, variables)
    assert STATS.repeats == 1
    assert line(repeat) == line(pipeline)
    assert line(repeat)["statements"] >= 1
    assert line(repeat)["cost"] > 0


async def test_a_repeat_with_variables_that_do_not_coerce_gets_the_pipelines_error(engine):
    async with fresh_client(engine) as client:
        await post(client, FEED, {})
        await post(client, FEED, {})
        STATS.reset()
        repeat = await post(client, FEED, {"after": 5})
        pipeline = await post(client, pipeline_text(FEED, 1), {"after": 5})
    assert STATS.repeats == 0
    assert as_sent(repeat) == as_sent(pipeline)
    assert repeat.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_repeat_above_the_cost_limit_is_refused(engine):
    async with fresh_client(engine) as client:
        cheap = await post(client, NESTED, {"n": 1})
        assert "errors" not in cheap.json()
        await post(client, NESTED, {"n": 1})
        STATS.reset()
        repeat = await post(client, NESTED, {"n": 100})
    assert STATS.repeats == 0
    assert repeat.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert repeat.json()["data"] is None


async def test_a_repeat_with_a_bad_cursor_is_refused_and_spends_like_the_pipeline(engine):
    async with fresh_client(engine, RATE_LIMIT_POINTS_PER_MINUTE="1000") as client:
        await post(client, FEED, {})
        await post(client, FEED, {})  # now prepared
        before = int(
            (await post(client, pipeline_text(FEED, 1), {})).headers["RateLimit-Remaining"]
        )
        pipeline = await post(client, pipeline_text(FEED, 2), {"after": "nonsense"})
        after_pipeline = int(pipeline.headers["RateLimit-Remaining"])
        repeat = await post(client, FEED, {"after": "nonsense"})
        after_repeat = int(repeat.headers["RateLimit-Remaining"])
    assert repeat.json()["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    assert as_sent(repeat) == as_sent(pipeline)
    # Each costs its arrival and its estimate once, whichever path answered.
    assert before - after_pipeline == after_pipeline - after_repeat


async def test_a_repeat_past_the_budget_is_a_429_like_the_pipelines(engine):
    async with fresh_client(engine, RATE_LIMIT_POINTS_PER_MINUTE="1000") as client:
        first = await post(client, FEED, {})
    cost = 1000 - 1 - int(first.headers["RateLimit-Remaining"])  # the arrival's point, then this
    # Two operations leave one point: the third arrives, and its estimate is refused.
    budget = str(2 * (1 + cost) + 1)

    async def third(texts: list[str]) -> httpx.Response:
        async with fresh_client(engine, RATE_LIMIT_POINTS_PER_MINUTE=budget) as client:
            for text in texts[:2]:
                assert (await post(client, text, {})).status_code == 200
            STATS.reset()
            return await post(client, texts[2], {})

    repeat = await third([FEED, FEED, FEED])
    assert STATS.repeats == 0
    pipeline = await third([pipeline_text(FEED, n) for n in range(3)])
    assert repeat.status_code == 429
    assert repeat.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert as_sent(repeat) == as_sent(pipeline)
    assert repeat.headers["Retry-After"] == pipeline.headers["Retry-After"]


async def test_production_runs_no_prepared_query_over_get(engine):
    environ = {"ENVIRONMENT": "production", "ALLOWED_HOSTS": "testserver"}
    async with fresh_client(engine, **environ) as client:
        await post(client, FEED, {})
        await post(client, FEED, {})
        STATS.reset()
        response = await client.get("/graphql", params={"query": FEED})
    assert STATS.repeats == 0
    assert response.status_code == 400
    assert response.text == "queries are not allowed when using GET"


async def test_a_repeat_reports_its_cost_in_development_like_the_pipeline(engine):
    environ = {"ENVIRONMENT": "development", "ALLOWED_HOSTS": "testserver"}
    async with fresh_client(engine, **environ) as client:
        pipeline = await post(client, FEED, {})
        STATS.reset()
        repeat = await post(client, FEED, {})
    assert STATS.repeats == 1
    assert repeat.json()["extensions"]["cost"]["estimated"] > 0
    assert as_sent(repeat) == as_sent(pipeline)


def test_the_least_recently_used_query_is_forgotten_first():
    from graphql import OperationDefinitionNode, parse

    from tribe_service.graphql.compiled.plan import ExecutedOperation
    from tribe_service.graphql.prepared import PreparedQueries, Recording
    from tribe_service.graphql.schema import schema

    def executed(text: str) -> ExecutedOperation:
        document = parse(text)
        [operation] = document.definitions
        assert isinstance(operation, OperationDefinitionNode)
        return ExecutedOperation(schema._schema, document, operation, {}, {})

    queries = PreparedQueries(
        size=2, max_cost=1, report_cost=False, recording=Recording(1.0, False), trusted=None
    )
    texts = ["query A { health }", "query B { health }", "query C { health }"]
    queries.remember(texts[0], None, executed(texts[0]))
    queries.remember(texts[1], None, executed(texts[1]))
    assert queries.get(texts[0], None) is not None  # A is now the most recently used
    queries.remember(texts[2], None, executed(texts[2]))
    assert [queries.get(text, None) is not None for text in texts] == [True, False, True]


@pytest.fixture(scope="module")
async def repeating_client(engine) -> AsyncIterator[httpx.AsyncClient]:
    """One app for every generated operation; at least one of them must run as a repeat."""
    STATS.reset()
    async with fresh_client(engine) as client:
        yield client
    assert STATS.repeats >= 1, STATS


CASES = itertools.count()


@generation(EXAMPLES)
async def test_generated_operations_answer_alike_when_repeated(
    repeating_client, document, lift, tame
):
    text, variables = generated_operation(document, lift, tame)
    pipeline = await post(repeating_client, pipeline_text(text, next(CASES)), variables)
    await post(repeating_client, text, variables)  # prepares it, if it can be
    repeat = await post(repeating_client, text, variables)
    assert as_sent(repeat) == as_sent(pipeline), (text, variables)
