"""What a compiled operation is: per root field, its statements and how to read them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode, GraphQLField
from graphql.execution.values import VariableValues, get_argument_values

Statement = tuple[str, list[Any]]
# What a contextual root's prepare gets instead of arguments: {CONTEXT_ARGUMENT: context}.
CONTEXT_ARGUMENT = "__context__"


@dataclass(frozen=True)
class RootPlan:
    """How one root field is answered: its statements (made per request) and reader."""

    key: str
    field: GraphQLField | None
    node: FieldNode | None
    prepare: Callable[[dict[str, Any]], tuple[list[Statement], Callable[[list[Any], Any], Any]]]
    # Reads the request's context (the viewer) rather than arguments.
    contextual: bool = False

    def statements(
        self, variables: VariableValues, context: Any = None
    ) -> tuple[list[Statement], Callable[[list[Any], Any], Any]]:
        """This request's statements and how to read their results."""
        if self.contextual:
            return self.prepare({CONTEXT_ARGUMENT: context})
        if self.field is None or self.node is None:
            return self.prepare({})
        return self.prepare(get_argument_values(self.field, self.node, variables))


@dataclass(frozen=True)
class Plan:
    """A compiled operation; ``setup`` runs first, in the statements' transaction."""

    roots: list[RootPlan]
    setup: str | None = None


@dataclass(frozen=True)
class Lookup:
    """One row by id: ``sql`` takes the id as ``$1``; ``read`` makes the answer of its record."""

    sql: str
    read: Callable[[Any, Any], Any]
    setup: str | None = None
