"""The hand-written GraphQL documents of the repository, for the differential tests.

Every string literal in ``tests/`` that parses as a GraphQL query document, the
client's operations and the benchmark's scenarios; with variables chosen from
what the database holds, so lookups find rows and pages have cursors.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLError,
    ListTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    TypeNode,
    parse,
)

from harness.scenarios import SCENARIO_QUERIES
from tribe_service.graphql import client_operations

TESTS_DIR = Path(__file__).resolve().parent
MAX_VARIABLE_CASES = 6


def _parses(text: str) -> bool:
    stripped = text.lstrip()
    if not stripped.startswith(("{", "query", "fragment")):
        return False
    try:
        definitions = parse(text).definitions
    except GraphQLError:
        return False
    return any(isinstance(d, OperationDefinitionNode) for d in definitions)


def documents_in_tests() -> list[str]:
    """String literals of the test modules that are GraphQL query documents."""
    found: list[str] = []
    for path in sorted(TESTS_DIR.rglob("test_*.py")):  # tests/auth/ too (viewer documents)
        for node in ast.walk(ast.parse(path.read_text())):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and _parses(text) and text not in found:
                found.append(text)
    return found


def hand_written_documents() -> list[str]:
    """The tests' documents, the client's operations and the benchmark scenarios, once each."""
    client = [client_operations.document(name) for name in client_operations.query_names()]
    documents: list[str] = []
    for text in [*client, *SCENARIO_QUERIES.values(), *documents_in_tests()]:
        if text not in documents:
            documents.append(text)
    return documents


def _type_name(node: TypeNode) -> tuple[str, bool]:
    """The named type of a variable and whether it is required."""
    required = isinstance(node, NonNullTypeNode)
    inner = node.type if isinstance(node, NonNullTypeNode) else node
    if isinstance(inner, ListTypeNode):
        return "list", required
    return inner.name.value, required


def variable_cases(document: str, facts: dict[str, list[Any]]) -> Iterator[dict[str, Any]]:
    """A few variable sets for ``document``: real rows, edge values, defaults.

    ``facts`` lists candidate values by variable name or type name
    (``"username"``, ``"ID"``, ``"Int"``, ...).
    """
    operations = [d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)]
    names, choices = [], []
    definitions = operations[0].variable_definitions if operations else ()
    for definition in definitions or ():
        name = definition.variable.name.value
        type_name, required = _type_name(definition.type)
        candidates = list(facts.get(name) or facts.get(type_name) or [None])
        if not required and definition.default_value is None and None not in candidates:
            candidates.append(None)
        names.append(name)
        choices.append(candidates)
    for values in itertools.islice(itertools.product(*choices), MAX_VARIABLE_CASES):
        yield {name: value for name, value in zip(names, values, strict=True) if value is not None}
