"""Which operation of a document runs: the named one, or the only one.

GraphQL's ``GetOperation``: a document with several operations needs
``operationName``; without it the request is an error. Strawberry would run the
first operation instead, so a client that forgot the name would get an answer
to a question it may not have meant.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult, GraphQLError, OperationDefinitionNode
from strawberry.extensions.base_extension import SchemaExtension

OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"


class OneOperationOrName(SchemaExtension):
    """Refuse a document of several operations sent without ``operationName``.

    Listed after the cost limit, so the refusal replaces whatever it decided:
    the request is charged like any other refused before it ran.
    """

    def on_execute(self) -> Iterator[None]:
        """Set the refusal as the result, which skips execution."""
        context = self.execution_context
        document = context.graphql_document
        # Strawberry keeps the name the client sent only here; `operation_name` falls back
        # to the first operation's.
        if document is not None and context._provided_operation_name is None:
            operations = sum(
                isinstance(definition, OperationDefinitionNode)
                for definition in document.definitions
            )
            if operations > 1:
                context.result = ExecutionResult(None, [_name_required(operations)])
        yield


def _name_required(operations: int) -> GraphQLError:
    return GraphQLError(
        f"The document holds {operations} operations: say which to run with `operationName`.",
        extensions={"code": OPERATION_RESOLUTION_FAILURE},
    )
