"""The executor Strawberry runs operations with: compiled plans first, resolvers as fallback.

Plans are cached per operation (the parser cache hands back the same document
for the same query text) and per values of the Boolean variables that
``@skip``/``@include`` may read. A fallback is logged at debug level and counted
in :data:`STATS`, which the benchmark prints.
"""

from __future__ import annotations

import logging
from collections import Counter, OrderedDict
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from tribe_service.graphql.compiled.planner import Plan, plan_operation
from tribe_service.graphql.compiled.readers import Unsupported

logger = logging.getLogger(__name__)

PLAN_CACHE_SIZE = 256


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
    """Plans (or the reason there is none) per schema, operation and Boolean variables."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[Any, ...], tuple[Any, Any, Plan | str]] = OrderedDict()

    def get(self, executor: StrawberryGraphQLCoreExecutionContext) -> Plan | str:
        """The plan of the executor's operation, or why it has none."""
        variables = executor.variable_values.coerced
        flags = tuple(sorted((k, v) for k, v in variables.items() if isinstance(v, bool)))
        key = (id(executor.schema), id(executor.operation), flags)
        entry = self._entries.get(key)
        # The entry keeps schema and operation alive, so their ids cannot be reused.
        if entry is not None and entry[0] is executor.schema and entry[1] is executor.operation:
            self._entries.move_to_end(key)
            return entry[2]
        try:
            plan: Plan | str = plan_operation(
                executor.schema, executor.fragments, executor.variable_values, executor.operation
            )
        except Unsupported as reason:
            plan = str(reason)
        self._entries[key] = (executor.schema, executor.operation, plan)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return plan


PLANS = PlanCache(PLAN_CACHE_SIZE)


class CompiledExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, answering from a compiled plan when there is one."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        """Run the plan of the operation, or Strawberry's resolvers if it has none."""
        reason = self._cannot_compile()
        plan = PLANS.get(self) if reason is None else reason
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
            result = self._fall_back(f"error: {type(error).__name__}", serially)
            return await result if isinstance(result, Awaitable) else result
        STATS.compiled += 1
        return self.build_response(data)


async def run_plan(plan: Plan, executor: CompiledExecutor) -> dict[str, Any]:
    """The answer's ``data``: each root field's statement on one connection, then its readers."""
    context = executor.context_value
    variables = executor.variable_values
    prepared = [
        (root, root.prepare(root.arguments(variables)) if root.prepare else None)
        for root in plan.roots
    ]
    data: dict[str, Any] = {}
    async with context.engine.connection() as connection:
        for root, statement in prepared:
            if statement is None:
                data[root.key] = root.value
                continue
            sql, args, finish = statement
            data[root.key] = finish(await connection.fetch(sql, *args), context)
    return data
