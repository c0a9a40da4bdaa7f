"""What an operation may cost, estimated from its text before any SQL runs.

The cost is an upper bound on the objects an operation can return, in the
spirit of GitHub's node limit and Shopify's calculated query cost:

* every field returning an object (or a union) costs 1 per object it can
  return, plus what its own selection costs per object; scalars and enums are
  free (they come with the row the object was read from);
* a list is as long as its ``first`` argument says: the value in the query,
  else the variable's value, else the argument's default in the schema
  (whatever schema it is: the estimate reads the arguments, not a list of
  fields). A connection's ``first`` sizes its ``edges`` and ``nodes``. ``first``
  is counted within 0..``MAX_PAGE_SIZE``: outside that the resolver refuses it;
* a list without ``first`` counts at the ``list_size`` its field declares
  (:mod:`~tribe_service.graphql.declarations`: the skill taxonomy, a builder's
  skills) or, by default, at ``MAX_PAGE_SIZE``;
* a mutation field adds the cost of its write, declared per mutation
  (:mod:`tribe_service.graphql.mutations.write_cost`).

Fragments are measured once per size they are spread at, so the estimate is
linear in the document; what it reads of the document comes from the document's
one analysis (:mod:`~tribe_service.graphql.document_analysis`, which also says how
``@skip``/``@include`` count: like every other selection). Operations above the
budget are refused with ``QUERY_TOO_COMPLEX`` (the cost and the limit in ``extensions``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, GraphQLSchema, OperationDefinitionNode, get_operation_ast
from graphql.language import DocumentNode
from strawberry.extensions import SchemaExtension

from tribe_service.graphql.document_analysis import analysis_of
from tribe_service.graphql.document_cache import DOCUMENT_CACHE_SIZE, IdentityCache, hashable
from tribe_service.graphql.errors import QUERY_TOO_COMPLEX, rate_limited_error

# What an operation refused before execution spends of its client's budget: the
# parsing and validation it caused (a fragment bomb is refused, not free).
REFUSED_OPERATION_POINTS = 100


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None = None,
) -> int:
    """The estimated cost of ``operation`` in ``document`` with these variables.

    Added up from the document's analysis, once per parsed document, operation and
    variables' values.
    """

    def estimate() -> int:
        return analysis_of(schema, document).of(operation).cost(variables)

    try:
        values = hashable(variables or {})
    except TypeError:
        return estimate()
    return _COSTS.get((schema, document, operation), values, estimate)


_COSTS: IdentityCache[int] = IdentityCache(DOCUMENT_CACHE_SIZE)


class CostLimit(SchemaExtension):
    """Refuses operations above ``max_cost`` before they run, and spends the client's budget.

    An operation that runs spends its estimated cost; one refused before it runs
    (a syntax or validation error, or above ``max_cost``) spends
    :data:`REFUSED_OPERATION_POINTS`, for the parsing and validation it caused.
    With ``report`` (development), the response's ``extensions.cost`` shows the
    estimate and the limit, so frontend developers see how close a page is.
    """

    def __init__(self, *, max_cost: int, report: bool = False) -> None:
        self.max_cost = max_cost
        self.report = report
        self.cost: int | None = None
        self.spent = False

    async def on_operation(self) -> AsyncIterator[None]:
        """After an operation that never reached execution, charge for the refusal."""
        try:
            yield
        finally:  # refusals at parse time arrive here as exceptions
            charge = getattr(self.execution_context.context, "charge", None)
            if not self.spent and charge is not None:
                await charge(REFUSED_OPERATION_POINTS)

    async def on_execute(self) -> AsyncIterator[None]:
        """Estimate, refuse or spend; execution is skipped when ``result`` is set."""
        context = self.execution_context
        document = context.graphql_document
        operation = get_operation_ast(document, context.operation_name) if document else None
        if document is not None and operation is not None:
            self.cost = operation_cost(
                context.schema._schema, document, operation, context.variables
            )
            context.result = await self._refusal(self.cost, context.context)
        yield

    async def _refusal(self, cost: int, request_context: Any) -> GraphQLExecutionResult | None:
        if cost > self.max_cost:
            message = (
                f"This operation may cost {cost} points; the limit is {self.max_cost}."
                " Ask for smaller pages (`first`) or fewer nested lists."
            )
            extensions = {"code": QUERY_TOO_COMPLEX, "cost": cost, "limit": self.max_cost}
            return GraphQLExecutionResult(None, [GraphQLError(message, extensions=extensions)])
        # A repeat answered from its plan (graphql.prepared) spent this cost before it
        # handed the operation here: not twice.
        prepaid = getattr(request_context, "prepaid", None) is not None
        spend = getattr(request_context, "spend", None)
        if spend is None or prepaid:
            self.spent = prepaid
            return None
        self.spent = True
        refused = await spend(cost)
        if refused is None:
            return None
        return GraphQLExecutionResult(None, [rate_limited_error(refused)])

    def get_results(self) -> dict[str, Any]:
        """``extensions.cost`` in development."""
        if not self.report or self.cost is None:
            return {}
        return {"cost": {"estimated": self.cost, "limit": self.max_cost}}
