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
linear in the document. Operations above the budget are refused with
``QUERY_TOO_COMPLEX`` (the cost and the limit in ``extensions``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_operation_ast,
    is_leaf_type,
)
from graphql.language import DocumentNode
from strawberry.extensions import SchemaExtension

from tribe_service.graphql.declarations import declaration_of
from tribe_service.graphql.document_cache import DOCUMENT_CACHE_SIZE, IdentityCache, hashable
from tribe_service.graphql.errors import QUERY_TOO_COMPLEX, rate_limited_error
from tribe_service.graphql.mutations.write_cost import write_cost
from tribe_service.graphql.paging import MAX_PAGE_SIZE

PAGE_SIZE_ARGUMENT = "first"

# Introspection (GraphiQL's schema query) is small and fixed; count it flat.
INTROSPECTION_COST = 1
# What an operation refused before execution spends of its client's budget: the
# parsing and validation it caused (a fragment bomb is refused, not free).
REFUSED_OPERATION_POINTS = 100


class CostEstimator:
    """The cost of one operation, given its variables."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
    ) -> None:
        self.schema = schema
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.variables = variables or {}
        self.variable_defaults: dict[str, Any] = {}
        self.memo: dict[tuple[str, int | None], int] = {}
        self.in_progress: set[str] = set()

    def operation(self, operation: OperationDefinitionNode) -> int:
        """The cost of ``operation`` (a query; other root types cost the same way)."""
        for definition in operation.variable_definitions or ():
            default = definition.default_value
            if isinstance(default, IntValueNode):
                self.variable_defaults[definition.variable.name.value] = int(default.value)
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        return self.selection_set(operation.selection_set, root, None)

    def selection_set(
        self, node: SelectionSetNode | None, parent: GraphQLNamedType, size: int | None
    ) -> int:
        """The cost per object of ``parent`` of the selections in ``node``.

        ``size`` is the ``first`` of the connection ``parent`` is, if any: it
        sizes the connection's list fields.
        """
        total = 0
        for selection in node.selections if node else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, size)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, inner or parent, size)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, size)
        return total

    def fragment(self, name: str, size: int | None) -> int:
        """A named fragment's cost, measured once per size it is spread at."""
        key = (name, size)
        if key in self.memo:
            return self.memo[key]
        definition = self.fragments.get(name)
        if definition is None or name in self.in_progress:
            return 0
        condition = self.schema.get_type(definition.type_condition.name.value)
        if condition is None:
            return 0
        self.in_progress.add(name)
        cost = self.selection_set(definition.selection_set, condition, size)
        self.in_progress.discard(name)
        self.memo[key] = cost
        return cost

    def field(self, node: FieldNode, parent: GraphQLNamedType, size: int | None) -> int:
        """What one field costs per object of ``parent``."""
        name = node.name.value
        if name.startswith("__"):
            return INTROSPECTION_COST if node.selection_set else 0
        definition = _field_definition(parent, name)
        if definition is None:
            return 0  # validation reports unknown fields
        inner_type, is_list = _unwrap(definition.type)
        if is_leaf_type(inner_type):
            return 0
        own_size = self.page_size(node, definition)
        if not is_list:
            count = 1
        elif own_size is not None:
            count = own_size
        elif size is not None:
            count = size  # the edges or nodes of a connection
        else:
            count = unpaged_list_size(definition)
        # A connection's `first` sizes its lists; a list's own `first` is spent here.
        inner_size = None if is_list else own_size
        cost = count * (1 + self.selection_set(node.selection_set, inner_type, inner_size))
        if parent is self.schema.mutation_type:
            cost += write_cost(name)  # the write itself, declared per mutation
        return cost

    def page_size(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """The field's ``first``: given, from a variable, or the schema's default."""
        argument = definition.args.get(PAGE_SIZE_ARGUMENT)
        if argument is None:
            return None
        value: Any = argument.default_value
        for given in node.arguments or ():
            if given.name.value != PAGE_SIZE_ARGUMENT:
                continue
            if isinstance(given.value, IntValueNode):
                value = int(given.value.value)
            elif isinstance(given.value, VariableNode):
                variable = given.value.name.value
                value = self.variables.get(variable, self.variable_defaults.get(variable, value))
            else:
                value = None  # not an Int: validation refuses it
        if not isinstance(value, int) or isinstance(value, bool):
            return MAX_PAGE_SIZE
        return min(max(value, 0), MAX_PAGE_SIZE)


def unpaged_list_size(definition: GraphQLField) -> int:
    """What a list without ``first`` counts as: its declared size, else ``MAX_PAGE_SIZE``.

    Such lists are bounded by the data, not by the request (the skill taxonomy).
    """
    declaration = declaration_of(definition)
    size = None if declaration is None else declaration.list_size
    return MAX_PAGE_SIZE if size is None else size


def _field_definition(parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return parent.fields.get(name)
    return None  # a union has only __typename; its members come through fragments


def _unwrap(type_: GraphQLType) -> tuple[GraphQLNamedType, bool]:
    """The named type inside ``type_``, and whether a list wraps it."""
    is_list = False
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(type_, GraphQLList)
        type_ = type_.of_type
    assert isinstance(type_, GraphQLNamedType)
    return type_, is_list


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None = None,
) -> int:
    """The estimated cost of ``operation`` in ``document`` with these variables.

    Estimated once per parsed document, operation and variables' values.
    """

    def estimate() -> int:
        return CostEstimator(schema, document, variables).operation(operation)

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
        spend = getattr(request_context, "spend", None)
        if spend is None:
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
