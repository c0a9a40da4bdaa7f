"""The executor Strawberry runs operations with: compiled plans first, resolvers as fallback.

Plans are cached per operation (the parser cache hands back the same document
for the same query text) and per values of the variables that ``@skip``/``@include``
read (the document analysis' keyed variables). A fallback is logged at debug level and counted
in :data:`STATS`, which the benchmark prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections import Counter
from collections.abc import Awaitable, Hashable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, GraphQLObjectType, GraphQLOutputType, GraphQLSchema, OperationType
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.values import VariableValues
from graphql.pyutils import Path, gather_with_cancel
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from tribe_service.graphql.compiled.output_types import named
from tribe_service.graphql.compiled.plan import ExecutedOperation, Lookup, Plan, Statement
from tribe_service.graphql.compiled.planner import plan_operation, plan_written
from tribe_service.graphql.compiled.readers import Unsupported
from tribe_service.graphql.declarations import Written, declaration_of
from tribe_service.graphql.document_analysis import operation_analysis
from tribe_service.graphql.document_cache import DOCUMENT_CACHE_SIZE, IdentityCache, hashable
from tribe_service.graphql.errors import client_error_for
from tribe_service.observability import tracing

logger = logging.getLogger(__name__)


@dataclass
class ExecutionStats:
    """How many operations each path answered, and why the resolvers were needed."""

    compiled: int = 0
    # Mutation payloads' written rows read by a compiled lookup.
    compiled_payloads: int = 0
    # Of ``compiled``: repeats answered without Strawberry's pipeline (graphql.prepared).
    repeats: int = 0
    fallbacks: Counter[str] = field(default_factory=Counter)

    @property
    def fallback(self) -> int:
        """Operations answered by the resolvers."""
        return sum(self.fallbacks.values())

    def reset(self) -> None:
        """Start counting again."""
        self.compiled = 0
        self.compiled_payloads = 0
        self.repeats = 0
        self.fallbacks.clear()


STATS = ExecutionStats()

# The query this task's executor just answered from its plan, with no error: the view
# answers the same text again without Strawberry's pipeline (graphql.prepared).
ANSWERED: ContextVar[ExecutedOperation | None] = ContextVar("answered_by_plan", default=None)


class PlanCache:
    """Plans (or the reason there is none) per schema, operation and keyed variables' values.

    The keyed variables are those ``@skip``/``@include`` read (the document's analysis):
    every argument is a parameter of the plan's SQL, read per request.
    """

    def __init__(self, size: int) -> None:
        self._plans: IdentityCache[Plan | str] = IdentityCache(size)
        self._written: IdentityCache[Lookup | str] = IdentityCache(size)

    def get(self, operation: ExecutedOperation, variables: VariableValues) -> Plan | str:
        """The plan of ``operation`` for these variables, or why it has none."""
        values = _keyed_values(operation, variables)
        if isinstance(values, str):
            return values
        key = (operation.schema, operation.operation)
        return self._plans.get(key, values, lambda: _plan(operation, variables))

    def written(
        self,
        executor: CompiledExecutor,
        declaration: Written,
        details: FieldDetailsList,
        node_type: GraphQLObjectType,
    ) -> Lookup | str:
        """The lookup of a payload's written row selected by ``details``, or why it has none."""
        values = _keyed_values(executor.executed(), executor.variable_values)
        if isinstance(values, str):
            return values
        field = (executor.schema, executor.operation, details[0].node)

        def plan() -> Lookup | str:
            try:
                return plan_written(
                    executor.schema,
                    executor.fragments,
                    executor.variable_values,
                    executor.operation,
                    declaration,
                    details,
                    node_type,
                )
            except Unsupported as reason:
                return str(reason)

        return self._written.get(field, values, plan)

    @property
    def misses(self) -> int:
        """How many lookups planned (or found unplannable) instead of reusing: for tracing."""
        return self._plans.misses + self._written.misses


def _keyed_values(
    operation: ExecutedOperation, variables: VariableValues
) -> tuple[Hashable, ...] | str:
    """The values of the variables the operation's plans depend on, or why there are none."""
    analysis = operation_analysis(
        operation.schema, operation.operation, operation.fragment_definitions
    )
    coerced = variables.coerced
    try:
        return tuple(hashable(coerced.get(name)) for name in analysis.keyed_variables)
    except TypeError:
        return "unhashable variables"


def _plan(operation: ExecutedOperation, variables: VariableValues) -> Plan | str:
    try:
        return plan_operation(operation.schema, operation.fragments, variables, operation.operation)
    except Unsupported as reason:
        return str(reason)


PLANS = PlanCache(DOCUMENT_CACHE_SIZE)


class CompiledExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, answering from a compiled plan when there is one."""

    document: DocumentNode

    @classmethod
    def build(cls, schema: GraphQLSchema, document: DocumentNode, *args: Any, **kwargs: Any) -> Any:
        """graphql-core's executor, keeping the document (what a repeat is answered from)."""
        built = super().build(schema, document, *args, **kwargs)
        if isinstance(built, CompiledExecutor):
            built.document = document
        return built

    def executed(self) -> ExecutedOperation:
        """The operation as this executor runs it."""
        return ExecutedOperation(
            self.schema, self.document, self.operation, self.fragments, self.fragment_definitions
        )

    def execute_operation(self, serially: bool | None = None) -> Any:
        """Run the plan of the operation, or Strawberry's resolvers if it has none.

        A mutation's fields run their writes one after another, as graphql-core runs
        them; the rows their payloads show are read by :meth:`execute_field`.
        """
        reason = self._cannot_compile()
        if reason is None and self.operation.operation is OperationType.MUTATION:
            return super().execute_operation(serially)
        with tracing.span("graphql.plan") as span:
            misses = PLANS.misses
            plan = PLANS.get(self.executed(), self.variable_values) if reason is None else reason
            if span is not None:
                span.set_attribute("graphql.plan.cached", PLANS.misses == misses)
                span.set_attribute("graphql.plan.compiled", not isinstance(plan, str))
        if isinstance(plan, str):
            return self._fall_back(plan, serially)
        return self._run(plan, serially)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        """A payload's written row by its compiled lookup; any other field as graphql-core does."""
        field = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
        declaration = declaration_of(field) if field is not None else None
        if not isinstance(declaration, Written) or self._cannot_compile() is not None:
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        assert field is not None
        node_type = named(field.type)
        lookup = PLANS.written(self, declaration, field_details_list, node_type)
        if isinstance(lookup, str):
            STATS.fallbacks[lookup] += 1
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        row_id = getattr(source, declaration.source)
        if row_id is None:
            return None
        try:
            statement = lookup.statement(self.variable_values, row_id)
        except Exception as error:  # an invalid argument below the row: the resolvers word it
            if client_error_for(error) is None:
                raise
            STATS.fallbacks[f"client error: {type(error).__name__}"] += 1
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        return self._read_written(lookup, statement, field.type, field_details_list, path)

    async def _read_written(
        self,
        lookup: Lookup,
        statement: Statement,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> Any:
        """The row's answer (null if it is gone), read on the write's transaction."""
        context = self.context_value
        try:
            (rows,) = await context.engine.fetch_all([statement], setup=lookup.setup)
        except Exception as error:  # located on this field, as a resolver's error is
            self.handle_field_error(error, return_type, field_details_list, path)
            return None
        STATS.compiled_payloads += 1
        return lookup.read(rows[0], context) if rows else None

    def _cannot_compile(self) -> str | None:
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            return "field middleware"
        if self.abort_signal is not None:
            return "abort signal"
        if not hasattr(self.context_value, "engine"):
            return "no database context"
        return None

    def _fall_back(self, reason: str, serially: bool | None) -> Any:
        STATS.fallbacks[reason] += 1
        logger.debug("resolvers answer this operation: %s", reason)
        return super().execute_operation(serially)

    async def _run(self, plan: Plan, serially: bool | None) -> Any:
        try:
            data = await run_plan(plan, self.variable_values, self.context_value)
        except Exception as error:  # any failure: the resolvers answer, with their errors
            logger.debug("compiled plan failed: %r", error)
            # A client error (a bad cursor, a NUL in a text, a timeout, an outage) is
            # expected; anything else is a bug, and reads "error:" in the bench and tests.
            kind = "client error" if client_error_for(error) is not None else "error"
            result = self._fall_back(f"{kind}: {type(error).__name__}", serially)
            return await result if isinstance(result, Awaitable) else result
        _detach_resolver_helpers(self)
        STATS.compiled += 1
        if self.operation.operation is OperationType.QUERY:
            ANSWERED.set(self.executed())
        return self.build_response(data)


async def run_plan(plan: Plan, variables: VariableValues, context: Any) -> dict[str, Any]:
    """The answer's ``data``: every root field's statements on one connection, then readers.

    One connection, in order: sharing the roots out among idle pooled connections was
    measured for issue 20 and bought nothing on two CPUs (docs/performance.md).
    """
    prepared = [(root.key, *root.statements(variables, context)) for root in plan.roots]
    # One connection for the whole plan (a replica's inside engine.reading()).
    statements = [s for _, root, _ in prepared for s in root]
    rows = iter(await context.engine.fetch_all(statements, setup=plan.setup))
    results = [[next(rows) for _ in statements] for _, statements, _ in prepared]
    data = {
        key: finish(result, context)
        for (key, _, finish), result in zip(prepared, results, strict=True)
    }
    return data


async def _settle(awaitable: Awaitable[Any]) -> None:
    with contextlib.suppress(Exception):
        await awaitable


_SETTLING: set[asyncio.Future[None]] = set()


def _track(values: Sequence[Any]) -> None:
    for value in values:
        if inspect.isawaitable(value):
            settling = asyncio.ensure_future(_settle(value))
            _SETTLING.add(settling)
            settling.add_done_callback(_SETTLING.discard)


# What resolvers would use to gather and track their async work, without the executor.
_DETACHED_HELPERS = GraphQLResolveInfoHelpers(
    gather=lambda values: gather_with_cancel(*values), track=_track
)


def _detach_resolver_helpers(executor: CompiledExecutor) -> None:
    """Drop graphql-core's helpers, which hold the executor's own bound methods.

    That reference cycle keeps the whole request (context, Starlette request and
    response, scope) alive until the garbage collector's next pass: about 40 objects
    per request, collected in one pause every few hundred requests (issue 20). A
    compiled answer calls no resolver, so nothing needs the executor's own helpers.
    """
    executor.async_helpers = _DETACHED_HELPERS
