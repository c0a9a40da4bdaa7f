"""Repeated queries answered from their plan, without Strawberry's per-request pipeline.

A query text (with the operation name sent) that once ran to a compiled answer with
no error has passed everything that depends on its text alone: the token, depth,
alias and expansion limits, parsing, validation (introspection too, in production)
and the one-operation rule. Sent again, only what depends on the request is left, and
:class:`PreparedQueries` does just that with the functions the schema's extensions
use: coerce the variables (graphql-core's own), estimate the cost and spend it
(:mod:`~tribe_service.graphql.cost`), find the plan for the variables' values, route
the reads (:mod:`~tribe_service.graphql.replica_reads`), run the plan, and record
the operation's metrics and log line (:mod:`~tribe_service.observability.operations`).

Everything else goes to Strawberry's pipeline, which answers as it always did: a
variable that does not coerce, a cost above the limit, a plan the planner refuses,
any error while running (a bad cursor, an outage), and every traced request (its
spans come from the extensions). Budget spent here is not spent there again
(``Context.prepaid``). Measured for issue 20: the pipeline skipped was a third of a
small page's CPU (``docs/performance.md``).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from graphql import GraphQLError
from graphql.execution.values import VariableValues, get_variable_values
from strawberry.types import ExecutionResult

from tribe_service.graphql.compiled.executor import PLANS, STATS, run_plan
from tribe_service.graphql.compiled.plan import ExecutedOperation, Plan
from tribe_service.graphql.context import Context
from tribe_service.graphql.cost import operation_cost
from tribe_service.graphql.errors import RATE_LIMITED, rate_limited_error
from tribe_service.graphql.replica_reads import query_reads
from tribe_service.observability import tracing
from tribe_service.observability.operations import (
    OperationFacts,
    operation_label,
    operation_status,
    record_operation,
)
from tribe_service.statement_counting import StatementCounter, count_statements

# graphql-core's executor stops coercing variables after this many errors (its default).
MAX_COERCION_ERRORS = 50


@dataclass(frozen=True, slots=True)
class PreparedQuery:
    """A query answered from its plan once, and what its log line says of it."""

    operation: ExecutedOperation
    facts: OperationFacts  # without the cost, which depends on the variables


@dataclass(frozen=True, slots=True)
class Recording:
    """How operations are recorded (the ``OperationObserver``'s settings)."""

    slow_seconds: float
    metrics: bool


class PreparedQueries:
    """Query texts answered from their plan, by text and operation name (the ``size`` most
    recently used)."""

    def __init__(
        self, *, size: int, max_cost: int, report_cost: bool, recording: Recording, trusted: Any
    ) -> None:
        self._queries: OrderedDict[tuple[str, str | None], PreparedQuery] = OrderedDict()
        self._size = size
        self.max_cost = max_cost
        self.report_cost = report_cost  # extensions.cost, as CostLimit reports it
        self.recording = recording
        self.trusted = trusted

    def get(self, query: str, operation_name: str | None) -> PreparedQuery | None:
        """The prepared query of this text and name, if it was answered from its plan."""
        key = (query, operation_name)
        prepared = self._queries.get(key)
        if prepared is not None:
            self._queries.move_to_end(key)
        return prepared

    def remember(self, query: str, operation_name: str | None, executed: ExecutedOperation) -> None:
        """Remember a text the pipeline answered from its plan with no error."""
        key = (query, operation_name)
        if key in self._queries:
            return
        operation = executed.operation
        facts = OperationFacts(
            name=operation.name.value if operation.name else None,
            kind=operation.operation.value,
            label=operation_label(operation, self.trusted, query),
            cost=None,
        )
        self._queries[key] = PreparedQuery(executed, facts)
        if len(self._queries) > self._size:
            self._queries.popitem(last=False)

    async def answer(
        self, query: PreparedQuery, context: Context, variables: dict[str, Any] | None
    ) -> ExecutionResult | None:
        """The answer from the plan, or None: the pipeline answers this request instead."""
        if tracing.recording():
            return None
        operation = query.operation
        coerced = get_variable_values(
            operation.schema,
            operation.operation.variable_definitions or (),
            variables or {},
            max_errors=MAX_COERCION_ERRORS,
        )
        if isinstance(coerced, list):  # the pipeline words the errors
            return None
        cost = operation_cost(operation.schema, operation.document, operation.operation, variables)
        if cost > self.max_cost:
            return None
        plan = PLANS.get(operation, coerced)
        if isinstance(plan, str):  # the resolvers answer it, and count the fallback
            return None
        return await self._run(query, plan, coerced, cost, context)

    async def _run(
        self,
        query: PreparedQuery,
        plan: Plan,
        variables: VariableValues,
        cost: int,
        context: Context,
    ) -> ExecutionResult | None:
        started = time.perf_counter()
        status: str | None = "cancelled"  # the deadline or a client that left stopped it
        codes: list[str] = []
        with count_statements() as statements:
            try:
                refused = await context.spend(cost)
                if refused is not None:
                    codes = [RATE_LIMITED]
                    status = operation_status(codes)
                    return self._result(None, [rate_limited_error(refused)], cost)
                try:
                    with tracing.quiet_unless_recording(), await query_reads(context):
                        data = await run_plan(plan, variables, context)
                except Exception:  # the pipeline answers, with its errors and log line
                    status, context.prepaid = None, cost
                    return None
                status = "ok"
                STATS.compiled += 1
                STATS.repeats += 1
                return self._result(data, None, cost)
            finally:
                if status is not None:
                    self._record(
                        query, time.perf_counter() - started, status, codes, cost, statements
                    )

    def _result(
        self, data: dict[str, Any] | None, errors: list[GraphQLError] | None, cost: int
    ) -> ExecutionResult:
        extensions = (
            {"cost": {"estimated": cost, "limit": self.max_cost}} if self.report_cost else None
        )
        return ExecutionResult(data=data, errors=errors, extensions=extensions)

    def _record(
        self,
        query: PreparedQuery,
        seconds: float,
        status: str,
        codes: list[str],
        cost: int,
        statements: StatementCounter,
    ) -> None:
        facts = replace(query.facts, cost=None if status == "cancelled" else cost)
        record_operation(
            facts,
            seconds,
            status,
            codes,
            statements,
            slow_seconds=self.recording.slow_seconds,
            record_metrics=self.recording.metrics,
        )
