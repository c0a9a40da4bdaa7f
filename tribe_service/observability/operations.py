"""The schema extension that measures, traces and logs every GraphQL operation.

Listed first among the schema's extensions, it wraps all the others: it sees the
operation from parsing to the finished result, after the errors got their codes.
Per operation it records:

* metrics: count by outcome, duration and cost histograms, errors by code and
  refusals by limit, labelled by the operation's name only when its text is a
  trusted document's (else ``anonymous``), so the label sets stay bounded;
* spans (when tracing is on): parse and validation, each marked cached or not,
  and execution (planning and SQL statements nest in it);
* one log line: name, type, duration, cost, statements, status (and the
  request id, bound by :mod:`.request_id`); past ``SLOW_OPERATION_MS`` a warning
  with the SQL of its statements (texts with ``$n`` placeholders, never values).

Never logged: variables, the query text, tokens, cookies.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import structlog
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, OperationDefinitionNode, get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.types.execution import ExecutionResult, PreExecutionError

from tribe_service.graphql.cost import operation_cost
from tribe_service.graphql.document_cache import DOCUMENT_CACHE_SIZE
from tribe_service.graphql.errors import (
    QUERY_TOO_COMPLEX,
    QUERY_TOO_DEEP,
    QUERY_TOO_LARGE,
    RATE_LIMITED,
    TOO_MANY_ALIASES,
    TOO_MANY_TOKENS,
)
from tribe_service.graphql.validation_cache import validation_cache
from tribe_service.observability import metrics, tracing
from tribe_service.statement_counting import StatementCounter, count_statements

# Codes of the limits that refuse an operation before it runs (README: "Limits").
LIMIT_CODES = frozenset(
    {
        QUERY_TOO_DEEP,
        TOO_MANY_ALIASES,
        TOO_MANY_TOKENS,
        QUERY_TOO_COMPLEX,
        QUERY_TOO_LARGE,
        RATE_LIMITED,
    }
)
UNKNOWN_TYPE = "unknown"  # no operation to run: a syntax error, an unknown operation name

logger = structlog.get_logger("tribe_service.graphql.operations")


def _error_codes(errors: list[GraphQLError] | None) -> list[str]:
    return [str((error.extensions or {}).get("code", "UNKNOWN")) for error in errors or ()]


def operation_status(codes: list[str]) -> str:
    """``ok``, ``refused`` (a limit's code among ``codes``) or ``error``."""
    if not codes:
        return "ok"
    return "refused" if any(code in LIMIT_CODES for code in codes) else "error"


class OperationObserver(SchemaExtension):
    """Metrics, spans and one log line per operation (see the module docstring)."""

    def __init__(self, *, slow_operation_ms: int, record_metrics: bool = True) -> None:
        super().__init__()
        self.slow_seconds = slow_operation_ms / 1000
        self.record_metrics = record_metrics
        self.codes: list[str] = []

    def on_operation(self) -> Iterator[None]:
        """Time the whole operation, count its statements, then record it."""
        started = time.perf_counter()
        status = "cancelled"  # the deadline or a client that left stopped it
        with count_statements() as statements:
            try:
                yield
                self.codes = _error_codes(self._result_errors())
                status = operation_status(self.codes)
            except GraphQLError as error:  # a syntax error leaves the operation like this
                self.codes = _error_codes([error])
                status = operation_status(self.codes)
                raise
            finally:
                self._record(time.perf_counter() - started, status, statements)

    def on_parse(self) -> Iterator[None]:
        """A span for parsing, marked cached when the parser cache had the document."""
        if not tracing.recording():
            yield
            return
        cache: Any = _get_parse_cache(DOCUMENT_CACHE_SIZE)  # functools.lru_cache
        with tracing.span("graphql.parse") as span:
            hits = cache.cache_info().hits
            yield
            span.set_attribute("graphql.document.cached", cache.cache_info().hits > hits)

    def on_validate(self) -> Iterator[None]:
        """A span for validation, marked cached when this document was validated before."""
        if not tracing.recording():
            yield
            return
        cache = validation_cache(DOCUMENT_CACHE_SIZE)
        with tracing.span("graphql.validate") as span:
            misses = cache.misses
            yield
            span.set_attribute("graphql.validation.cached", cache.misses == misses)

    def on_execute(self) -> Iterator[None]:
        """A span around execution: planning and each SQL statement are its children."""
        if not tracing.recording():
            with tracing.quiet_unless_recording():  # no SQL spans for a sampled-out request
                yield
            return
        with tracing.span("graphql.execute", **{"graphql.operation.type": self._type()}):
            yield

    def _result_errors(self) -> list[GraphQLError] | None:
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | ExecutionResult):
            return result.errors
        return self.execution_context.pre_execution_errors

    def _operation(self) -> OperationDefinitionNode | None:
        context = self.execution_context
        if context.graphql_document is None:
            return None
        try:
            return get_operation_ast(context.graphql_document, context.operation_name)
        except GraphQLError:
            return None

    def _type(self) -> str:
        operation = self._operation()
        return operation.operation.value if operation is not None else UNKNOWN_TYPE

    def _label(self, operation: OperationDefinitionNode | None) -> str:
        """The name when the text is a trusted document's, else ``anonymous``."""
        context = self.execution_context
        trusted = getattr(context.schema, "trusted_documents", None)
        return operation_label(operation, trusted, context.query)

    def _cost(self, operation: OperationDefinitionNode | None) -> int | None:
        """The estimate the cost limit made (cached), when the operation got that far."""
        context = self.execution_context
        invalid = isinstance(context.result, PreExecutionError)  # validation refused it
        if operation is None or invalid or context.graphql_document is None:
            return None
        return operation_cost(
            context.schema._schema, context.graphql_document, operation, context.variables
        )

    def _record(self, seconds: float, status: str, statements: StatementCounter) -> None:
        operation = self._operation()
        record_operation(
            OperationFacts(
                name=operation.name.value if operation is not None and operation.name else None,
                kind=operation.operation.value if operation is not None else UNKNOWN_TYPE,
                label=self._label(operation),
                cost=self._cost(operation) if status != "cancelled" else None,
            ),
            seconds,
            status,
            self.codes,
            statements,
            slow_seconds=self.slow_seconds,
            record_metrics=self.record_metrics,
        )


def operation_label(
    operation: OperationDefinitionNode | None, trusted: Any, query: str | None
) -> str:
    """An operation's metrics label: its name when ``query`` is one of the ``trusted``
    documents' texts, else ``anonymous`` (so the label sets stay bounded)."""
    if operation is None or operation.name is None or trusted is None or not query:
        return metrics.ANONYMOUS
    return operation.name.value if trusted.contains_text(query) else metrics.ANONYMOUS


@dataclass(frozen=True, slots=True)
class OperationFacts:
    """What an operation's metrics and log line say about it besides how it went."""

    name: str | None
    kind: str
    label: str
    cost: int | None


@functools.cache
def _series(label: str, kind: str, status: str) -> tuple[Any, Any, Any]:
    """The labelled series an operation adds to, looked up once per label set (bounded:
    trusted operations' names or ``anonymous``, three kinds, three outcomes)."""
    return (
        metrics.OPERATIONS.labels(label, kind, status),
        metrics.OPERATION_DURATION.labels(label, kind),
        metrics.OPERATION_COST.labels(label, kind),
    )


def record_operation(
    facts: OperationFacts,
    seconds: float,
    status: str,
    codes: list[str],
    statements: StatementCounter,
    *,
    slow_seconds: float,
    record_metrics: bool,
) -> None:
    """The operation's metrics and its one log line (a warning with its SQL when slow).

    Called when an operation ends: by :class:`OperationObserver`, and for a repeated
    query answered from its plan directly (:mod:`tribe_service.graphql.prepared`).
    """
    label, kind, cost = facts.label, facts.kind, facts.cost
    if record_metrics:
        count, duration, cost_histogram = _series(label, kind, status)
        count.inc()
        duration.observe(seconds)
        if cost is not None:
            cost_histogram.observe(cost)
        for code in codes:
            metrics.ERRORS.labels(label, code).inc()
            if code in LIMIT_CODES:
                metrics.REFUSALS.labels(code).inc()
    fields: dict[str, Any] = {
        "operation": facts.name,
        "operation_type": kind,
        "duration_ms": round(seconds * 1000, 2),
        "cost": cost,
        "statements": statements.count,
        "status": status,
    }
    if codes:
        fields["error_codes"] = codes
    if seconds >= slow_seconds:
        logger.warning("slow graphql operation", **fields, sql=statements.statements)
    else:
        logger.info("graphql operation", **fields)
