"""The executor Strawberry runs operations with: compiled plans first, resolvers as fallback.

Plans are cached per operation (the parser cache hands back the same document
for the same query text) and per values of the Boolean variables that
``@skip``/``@include`` may read. A fallback is logged at debug level and counted
in :data:`STATS`, which the benchmark prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections import Counter
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql.pyutils import gather_with_cancel
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from tribe_service.graphql.compiled.plan import Plan
from tribe_service.graphql.compiled.planner import plan_operation
from tribe_service.graphql.compiled.readers import Unsupported
from tribe_service.graphql.compiled.variables import keyed_variables
from tribe_service.graphql.document_cache import DOCUMENT_CACHE_SIZE, IdentityCache, hashable
from tribe_service.graphql.errors import client_error_for
from tribe_service.observability import tracing

logger = logging.getLogger(__name__)


@dataclass
class ExecutionStats:
    """How many operations each path answered, and why the resolvers were needed."""

    compiled: int = 0
    fallbacks: Counter[str] = field(default_factory=Counter)

    @property
    def fallback(self) -> int:
        """Operations answered by the resolvers."""
        return sum(self.fallbacks.values())

    def reset(self) -> None:
        """Start counting again."""
        self.compiled = 0
        self.fallbacks.clear()


STATS = ExecutionStats()


class PlanCache:
    """Plans (or the reason there is none) per schema, operation and keyed variables' values."""

    def __init__(self, size: int) -> None:
        self._keyed: IdentityCache[frozenset[str] | str] = IdentityCache(size)
        self._plans: IdentityCache[Plan | str] = IdentityCache(size)

    def get(self, executor: StrawberryGraphQLCoreExecutionContext) -> Plan | str:
        """The plan of the executor's operation, or why it has none."""
        operation = (executor.schema, executor.operation)
        keyed = self._keyed.get(operation, None, lambda: _keyed_variables(executor))
        if isinstance(keyed, str):
            return keyed
        variables = executor.variable_values.coerced
        try:
            values = tuple(hashable(variables.get(name)) for name in sorted(keyed))
        except TypeError:
            return "unhashable variables"
        return self._plans.get(operation, values, lambda: _plan(executor))

    @property
    def misses(self) -> int:
        """How many lookups planned (or found unplannable) instead of reusing: for tracing."""
        return self._keyed.misses + self._plans.misses


def _keyed_variables(executor: StrawberryGraphQLCoreExecutionContext) -> frozenset[str] | str:
    try:
        return keyed_variables(executor.operation, executor.fragment_definitions)
    except Unsupported as reason:
        return str(reason)


def _plan(executor: StrawberryGraphQLCoreExecutionContext) -> Plan | str:
    try:
        return plan_operation(
            executor.schema, executor.fragments, executor.variable_values, executor.operation
        )
    except Unsupported as reason:
        return str(reason)


PLANS = PlanCache(DOCUMENT_CACHE_SIZE)


class CompiledExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, answering from a compiled plan when there is one."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        """Run the plan of the operation, or Strawberry's resolvers if it has none."""
        reason = self._cannot_compile()
        with tracing.span("graphql.plan") as span:
            misses = PLANS.misses
            plan = PLANS.get(self) if reason is None else reason
            if span is not None:
                span.set_attribute("graphql.plan.cached", PLANS.misses == misses)
                span.set_attribute("graphql.plan.compiled", not isinstance(plan, str))
        if isinstance(plan, str):
            return self._fall_back(plan, serially)
        return self._run(plan, serially)

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
            data = await run_plan(plan, self)
        except Exception as error:  # any failure: the resolvers answer, with their errors
            logger.debug("compiled plan failed: %r", error)
            # A client error (a bad cursor, a NUL in a text, a timeout, an outage) is
            # expected; anything else is a bug, and reads "error:" in the bench and tests.
            kind = "client error" if client_error_for(error) is not None else "error"
            result = self._fall_back(f"{kind}: {type(error).__name__}", serially)
            return await result if isinstance(result, Awaitable) else result
        STATS.compiled += 1
        return self.build_response(data)


async def run_plan(plan: Plan, executor: CompiledExecutor) -> dict[str, Any]:
    """The answer's ``data``: every root field's statements on one connection, then readers.

    One connection, in order: sharing the roots out among idle pooled connections was
    measured for issue 20 and bought nothing on two CPUs (docs/performance.md).
    """
    context = executor.context_value
    prepared = [
        (root.key, *root.statements(executor.variable_values, context)) for root in plan.roots
    ]
    # One connection for the whole plan (a replica's inside engine.reading()).
    statements = [s for _, root, _ in prepared for s in root]
    rows = iter(await context.engine.fetch_all(statements, setup=plan.setup))
    results = [[next(rows) for _ in statements] for _, statements, _ in prepared]
    data = {
        key: finish(result, context)
        for (key, _, finish), result in zip(prepared, results, strict=True)
    }
    _detach_resolver_helpers(executor)
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
