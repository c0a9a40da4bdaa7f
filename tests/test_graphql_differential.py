"""Compiled plans answer exactly what Strawberry's resolvers answer: the same bytes.

Every hand-written document (tests, client operations, benchmark scenarios) and
operations generated from the schema (hypothesis-graphql; their literal
arguments lifted into variables half of the time) run through both paths, on the
seeded database and on a scratch database seeded and grown by the scale generator
(dropped after: the shared one is never changed); the JSON of data and errors must
be byte-identical, and every generated operation that could run compiled did. ``DIFFERENTIAL_EXAMPLES`` sets how many operations
are generated per database (``just differential`` runs 500).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from graphql import (
    REMOVE,
    ArgumentNode,
    DocumentNode,
    GraphQLObjectType,
    IntValueNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    parse,
    print_ast,
    value_from_ast,
    visit,
)
from graphql.language import ListTypeNode, NonNullTypeNode, TypeNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries

from tests.conftest import run_cli, seeded_database
from tests.graphql_corpus import hand_written_documents, variable_cases
from tribe_service.config import load_settings
from tribe_service.engine import build_engine
from tribe_service.graphql.client_operations import query_names
from tribe_service.graphql.compiled.executor import STATS
from tribe_service.graphql.context import Context
from tribe_service.graphql.declarations import HandWritten, declaration_of
from tribe_service.graphql.paging import MAX_PAGE_SIZE
from tribe_service.graphql.schema import build_schema

EXAMPLES = int(os.environ.get("DIFFERENTIAL_EXAMPLES", "40"))
GROWN_SCALE = ("--users=150", "--projects=300", "--tribes=30", "--events=1500", "--quiet")


class Paths:
    """The schema twice, compiled and not, for one environment."""

    def __init__(self, environment: str) -> None:
        configured = load_settings({"ENVIRONMENT": environment})
        self.compiled = build_schema(configured)
        self.resolvers = build_schema(configured, compiled=False)


TEST_PATHS = Paths("test")
PRODUCTION_PATHS = Paths("production")


async def answer(schema: Any, engine: Any, document: str, variables: dict, viewer: Any) -> bytes:
    """The response body Strawberry's HTTP view would send, as JSON bytes."""
    context = Context(request=None, response=None, engine=engine, current_user_id=viewer)  # type: ignore[arg-type]
    result = await schema.execute(document, variables, context_value=context)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return json.dumps(body, separators=(",", ":")).encode()


async def assert_same(
    engine: Any, document: str, variables: dict, viewer: Any = None, paths: Paths = TEST_PATHS
) -> bytes:
    compiled = await answer(paths.compiled, engine, document, variables, viewer)
    resolvers = await answer(paths.resolvers, engine, document, variables, viewer)
    assert compiled == resolvers, (document, variables)
    return compiled


async def facts(engine: Any) -> dict[str, list[Any]]:
    """Variable values that find rows in the current database."""

    async def column(sql: str) -> list[Any]:
        return [record[0] for record in await engine.fetch(sql)]

    usernames = await column(
        "SELECT u.username FROM users u ORDER BY"
        " (SELECT count(*) FROM feed_events e WHERE e.actor_id = u.id) DESC, u.username LIMIT 2"
    )
    ids = await column(
        "(SELECT id FROM tribes ORDER BY created_at DESC LIMIT 1)"
        " UNION ALL (SELECT id FROM projects ORDER BY created_at DESC LIMIT 1)"
    )
    skills = await column(
        "SELECT s.name FROM user_skills us JOIN skills s ON s.id = us.skill_id"
        " ORDER BY us.user_id, s.name LIMIT 2"
    )
    return {
        "skills": [skills, [skills[0].upper(), "no-such-skill"], []],
        "query": ["design", "may", "-"],
        "kinds": [["USER", "PROJECT"], []],
        "username": [*usernames, "no-such-builder"],
        "u": usernames,
        "id": [*ids, "01ARZ3NDEKTSV4RRFFQ69G5FAV"],
        "ID": ids,
        "first": [2, 20],
        "Int": [3],
        "activityFirst": [1, 5],
        "Boolean": [True, False],
    }


@pytest.fixture(scope="module", params=["seeded", "grown"])
def database(request, seeded, database_server_url):
    """The shared seeded database (``None``), or a scratch one: seeded, then grown by a
    small scale data set, and dropped after (the shared database is never changed)."""
    if request.param == "seeded":
        yield None
        return
    with seeded_database(database_server_url) as url:
        result = run_cli(
            "piccolo", "tribe_service", "scale", *GROWN_SCALE, env={"DATABASE_URL": url}
        )
        assert result.returncode == 0, result.stderr
        yield url


@pytest.fixture(scope="module")
async def db(database, engine):
    """The engine of :func:`database`: the session's, or one of the scratch database's own."""
    if database is None:
        yield engine
        return
    scratch = build_engine(load_settings({**os.environ, "DATABASE_URL": database}))
    await scratch.start_connection_pool()
    yield scratch
    await scratch.close_connection_pool()


@pytest.fixture(autouse=True)
def no_plan_fails():
    """A plan that raises (not a client's bad argument) is a bug the fallback would hide."""
    STATS.reset()
    yield
    failures = {reason: n for reason, n in STATS.fallbacks.items() if reason.startswith("error:")}
    assert not failures, failures


async def test_hand_written_documents_answer_alike(db):
    engine = db
    values = await facts(engine)
    viewer = (await engine.fetch("SELECT id FROM users ORDER BY builder_score DESC LIMIT 1"))[0][0]
    documents = hand_written_documents()
    assert len(documents) >= 20
    STATS.reset()
    cases = 0
    for document in documents:
        for variables in variable_cases(document, values):
            await assert_same(engine, document, variables)
            await assert_same(engine, document, variables, viewer=viewer)
            await assert_same(engine, document, variables, paths=PRODUCTION_PATHS)
            cases += 3
    # Most answers are compiled: a fallback for every case would compare the resolvers with
    # themselves (each case runs the compiled path three times).
    assert STATS.compiled >= cases // 2, STATS


async def test_client_operations_never_fall_back(db):
    engine = db
    from tribe_service.graphql import client_operations

    values = await facts(engine)
    for name in query_names():
        document = client_operations.document(name)
        STATS.reset()
        for variables in variable_cases(document, values):
            body = await assert_same(engine, document, variables)
            assert b'"errors"' not in body, (name, body[:300])
        assert STATS.fallback == 0, (name, STATS.fallbacks)
        assert STATS.compiled > 0, name


SEARCH_PAGE = """
query SearchPage($q: String!, $kinds: [SearchKind!], $first: Int!, $after: String) {
  search(query: $q, kinds: $kinds, first: $first, after: $after) {
    totalCount
    nodes { __typename ... on User { username } ... on Project { title } ... on Tribe { name } }
    edges { cursor rank snippet node { __typename ... on Tribe { id owner { username } } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_search_pages_answer_alike_page_after_page(db):
    engine = db
    STATS.reset()
    for kinds in (None, [], ["TRIBE"], ["USER", "PROJECT"]):
        after = None
        for _ in range(3):  # follow the cursors: keyset positions must agree too
            variables = {"q": "design", "kinds": kinds, "first": 2, "after": after}
            body = json.loads(await assert_same(engine, SEARCH_PAGE, variables))
            page = body["data"]["search"]["pageInfo"]
            if not page["hasNextPage"]:
                break
            after = page["endCursor"]
    assert STATS.fallback == 0, STATS.fallbacks
    for bad in ({"q": "   "}, {"q": "x" * 201}, {"first": 0}, {"after": "not-a-cursor"}):
        variables = {"q": "design", "first": 2, **bad}
        body = json.loads(await assert_same(engine, SEARCH_PAGE, variables))
        assert body["data"] == {"search": None}, body


NESTED_PAGE = """
query NestedPage($u: String!, $first: Int!, $after: String, $status: CollaboratorStatus) {
  user(username: $u) {
    collaborations(status: $status, first: $first) { status project { title } }
    activity(first: $first, after: $after) {
      totalCount
      edges { cursor node { eventType target { __typename ... on Project { title } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


async def test_nested_pages_answer_alike_page_after_page(db):
    """Nested arguments are read per request: one plan serves every page and value."""
    engine = db
    [username, *_] = (await facts(engine))["u"]
    STATS.reset()
    after, pages = None, 0
    for status in ("CONFIRMED", None, "PENDING"):
        while True:  # follow the nested cursors: keyset positions must agree too
            variables = {"u": username, "first": 1, "after": after, "status": status}
            body = json.loads(await assert_same(engine, NESTED_PAGE, variables))
            pages += 1
            page = body["data"]["user"]["activity"]["pageInfo"]
            if not page["hasNextPage"]:
                break
            after = page["endCursor"]
    assert pages >= 4 and STATS.fallback == 0, STATS.fallbacks
    feed_cursor = json.loads(
        await assert_same(engine, "{ feed(first: 1) { pageInfo { endCursor } } }", {})
    )
    for bad, code in (
        ({"first": 0}, "INVALID_PAGE_SIZE"),
        ({"first": 101}, "INVALID_PAGE_SIZE"),
        ({"after": "not-a-cursor"}, "INVALID_CURSOR"),
        ({"after": feed_cursor["data"]["feed"]["pageInfo"]["endCursor"]}, "INVALID_CURSOR"),
    ):
        variables = {"u": username, "first": 2, "after": None, "status": None, **bad}
        body = json.loads(await assert_same(engine, NESTED_PAGE, variables))
        assert [error["extensions"]["code"] for error in body["errors"]] == [code], body


# -- generated operations --------------------------------------------------------------


class Tame(Visitor):
    """Page sizes into 1..100 and no ``after``: random ones would only test the error path."""

    def enter_argument(self, node: ArgumentNode, *_: Any) -> Any:
        if node.name.value == "after":
            return REMOVE
        if node.name.value == "first" and isinstance(node.value, IntValueNode):
            size = 1 + abs(int(node.value.value)) % MAX_PAGE_SIZE
            return ArgumentNode(name=node.name, value=IntValueNode(value=str(size)))
        return None


def lift_arguments(document: DocumentNode, schema: Any) -> tuple[str, dict[str, Any]]:
    """The document with every literal argument turned into a variable, and their values."""
    type_info = TypeInfo(schema)
    definitions: list[VariableDefinitionNode] = []
    values: dict[str, Any] = {}

    class Lift(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: Any) -> ArgumentNode | None:
            argument = type_info.get_argument()
            if argument is None or isinstance(node.value, VariableNode):
                return None
            name = f"v{len(definitions)}"
            values[name] = _to_json(value_from_ast(node.value, argument.type))
            definitions.append(
                VariableDefinitionNode(
                    variable=VariableNode(name=NameNode(value=name)),
                    type=_type_node(argument.type),
                    directives=(),
                )
            )
            return ArgumentNode(name=node.name, value=VariableNode(name=NameNode(value=name)))

    lifted = visit(document, TypeInfoVisitor(type_info, Lift()))
    operation = lifted.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    operation = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=tuple(definitions),
        directives=operation.directives,
        selection_set=operation.selection_set,
    )
    return print_ast(DocumentNode(definitions=(operation,))), values


def _type_node(graphql_type: Any) -> TypeNode:
    from graphql import GraphQLList, GraphQLNonNull

    if isinstance(graphql_type, GraphQLNonNull):
        return NonNullTypeNode(type=_type_node(graphql_type.of_type))
    if isinstance(graphql_type, GraphQLList):
        return ListTypeNode(type=_type_node(graphql_type.of_type))
    return NamedTypeNode(name=NameNode(value=graphql_type.name))


def _to_json(value: Any) -> Any:
    """Coerced input values back to what a client sends (enum members to their names)."""
    import enum

    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, list):
        return [_to_json(item) for item in value]
    return value


GRAPHQL_SCHEMA = TEST_PATHS.compiled._schema


@dataclass
class Tally:
    """How the generated operations of one database ran on the compiled path."""

    operations: int = 0
    compiled: int = 0
    not_executed: int = 0  # refused before execution (cost, variables): no plan asked for
    fallbacks: Counter[str] = field(default_factory=Counter)


# The only reasons a generated operation may fall back: an argument the resolvers refuse
# with a client error (a page size hypothesis chose, a blank search), or a field whose
# declaration says its resolver is hand-written — never a field the planner should cover.
CLIENT_ERROR_FALLBACKS = ("client error: ", "invalid argument: ")
HAND_WRITTEN = frozenset(
    f"{type_name}.{field_name}"
    for type_name, graphql_type in GRAPHQL_SCHEMA.type_map.items()
    if isinstance(graphql_type, GraphQLObjectType)
    for field_name, field in graphql_type.fields.items()
    if isinstance(declaration_of(field), HandWritten)
)


@pytest.fixture(scope="module")
def generated_tally(db):
    """Counts, over every generated operation of a database, those that ran compiled."""
    tally = Tally()
    yield tally
    uncovered = {
        reason: n
        for reason, n in tally.fallbacks.items()
        if not reason.startswith(CLIENT_ERROR_FALLBACKS) and reason not in HAND_WRITTEN
    }
    assert not uncovered, uncovered
    assert tally.operations == EXAMPLES
    refused = sum(tally.fallbacks.values())
    assert tally.compiled == tally.operations - refused - tally.not_executed, tally
    # about a third with 40 examples: most others pass hypothesis' page sizes on purpose
    assert tally.compiled >= tally.operations // 4, tally


def generation(examples: int) -> Any:
    """Hypothesis' settings and strategies for ``examples`` generated operations (deterministic)."""
    chosen = settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    strategies = given(
        document=queries(GRAPHQL_SCHEMA, print_ast=lambda node: node),
        lift=st.booleans(),
        tame=st.integers(0, 4),
    )
    return lambda test: chosen(strategies(test))


def generated_operation(document: DocumentNode, lift: bool, tame: int) -> tuple[str, dict]:
    """A generated document as sent: tamed four times in five (valid page sizes, the rest
    keep hypothesis' values), its literal arguments lifted into variables when ``lift``."""
    if tame:
        document = visit(document, Tame())
    if lift:
        return lift_arguments(document, GRAPHQL_SCHEMA)
    return print_ast(document), {}


@generation(EXAMPLES)
async def test_generated_operations_answer_alike(db, generated_tally, document, lift, tame):
    engine = db
    text, variables = generated_operation(document, lift, tame)
    parse(text)
    STATS.reset()
    await assert_same(engine, text, variables)
    generated_tally.operations += 1
    generated_tally.compiled += STATS.compiled
    generated_tally.not_executed += not STATS.compiled and not STATS.fallbacks
    for reason, count in STATS.fallbacks.items():
        generated_tally.fallbacks[reason] += count
