"""What a compiled operation is: per root field, its statements and how to read them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLSchema,
    OperationDefinitionNode,
)
from graphql.execution.collect_fields import FragmentDetails
from graphql.execution.values import VariableValues, get_argument_values

from tribe_service.data_access.parameters import Parameters

Statement = tuple[str, list[Any]]
# What a contextual root's prepare gets instead of arguments: {CONTEXT_ARGUMENT: context}.
CONTEXT_ARGUMENT = "__context__"
# How a plan reads one parameter of its SQL from a request: a nested argument's value,
# checked (a ClientError, as the resolvers' own, when it is invalid).
Reading = Callable[[VariableValues], Any]
Finish = Callable[[list[Any], Any], Any]


@dataclass(frozen=True, slots=True)
class ExecutedOperation:
    """An operation as graphql-core's executor runs it: what its plans are looked up by."""

    schema: GraphQLSchema
    document: DocumentNode
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDetails]
    fragment_definitions: dict[str, FragmentDefinitionNode]


@dataclass(frozen=True)
class RootPlan:
    """How one root field is answered: its statements (made per request) and reader.

    ``nested`` holds how to read the parameters its select list was planned with
    (the nested arguments' ``$1``, ``$2``...); ``prepare`` gets the root field's
    arguments and those parameters, read for the request, and numbers its own after them.
    """

    key: str
    field: GraphQLField | None
    node: FieldNode | None
    prepare: Callable[[dict[str, Any], Parameters[Any]], tuple[list[Statement], Finish]]
    # Reads the request's context (the viewer) rather than arguments.
    contextual: bool = False
    nested: Parameters[Reading] = dataclasses.field(default_factory=Parameters)

    def statements(
        self, variables: VariableValues, context: Any = None
    ) -> tuple[list[Statement], Finish]:
        """This request's statements and how to read their results."""
        parameters = self.nested.read(lambda reading: reading(variables))
        if self.contextual:
            return self.prepare({CONTEXT_ARGUMENT: context}, parameters)
        if self.field is None or self.node is None:
            return self.prepare({}, parameters)
        return self.prepare(get_argument_values(self.field, self.node, variables), parameters)


@dataclass(frozen=True)
class Plan:
    """A compiled operation; ``setup`` runs first, in the statements' transaction."""

    roots: list[RootPlan]
    setup: str | None = None


@dataclass(frozen=True)
class Lookup:
    """One row by id: ``sql`` takes the nested arguments' parameters (``nested``), then the
    id; ``read`` makes the answer of its record."""

    sql: str
    read: Callable[[Any, Any], Any]
    nested: Parameters[Reading]
    setup: str | None = None

    def statement(self, variables: VariableValues, row_id: str) -> Statement:
        """This request's statement for the row ``row_id`` (a ClientError if an argument
        below the row is invalid)."""
        values = self.nested.read(lambda reading: reading(variables)).values
        return self.sql, [*values, row_id]
