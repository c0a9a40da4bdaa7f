"""What a compiled operation is: per root field, its statements and how to read them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode, GraphQLField
from graphql.execution.values import VariableValues, get_argument_values

Statement = tuple[str, list[Any]]


@dataclass(frozen=True)
class RootPlan:
    """How one root field is answered: its statements (made per request) and reader."""

    key: str
    field: GraphQLField | None
    node: FieldNode | None
    prepare: Callable[[dict[str, Any]], tuple[list[Statement], Callable[[list[Any], Any], Any]]]

    def statements(
        self, variables: VariableValues
    ) -> tuple[list[Statement], Callable[[list[Any], Any], Any]]:
        """This request's statements and how to read their results."""
        if self.field is None or self.node is None:
            return self.prepare({})
        return self.prepare(get_argument_values(self.field, self.node, variables))


@dataclass(frozen=True)
class Plan:
    """A compiled operation; ``setup`` runs first, in the statements' transaction."""

    roots: list[RootPlan]
    setup: str | None = None
