"""Errors a client is meant to read, and the extension that shapes every other error.

An expected error (:class:`ClientError`) keeps its message in every
environment. A database outage becomes one clear, stable message. Anything
else is a bug: in production its message is masked, so no stack trace, SQL or
connection string ever reaches a client.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import asyncpg
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.types.execution import ExecutionResult

from tribe_service.engine import is_database_unavailable

DATABASE_UNAVAILABLE_MESSAGE = "Database unavailable: please try again in a few seconds."
UNEXPECTED_ERROR_MESSAGE = "Unexpected error."

logger = logging.getLogger(__name__)


class ClientError(Exception):
    """An error caused by the request, whose message is safe and useful to show."""

    code = "BAD_REQUEST"


class DatabaseUnavailableError(ClientError):
    """The database cannot be reached right now; the request may be retried."""

    code = "DATABASE_UNAVAILABLE"

    def __init__(self) -> None:
        super().__init__(DATABASE_UNAVAILABLE_MESSAGE)


class InvalidTextError(ClientError):
    """A text argument holds NUL, which PostgreSQL cannot store or compare."""

    code = "INVALID_TEXT"

    def __init__(self) -> None:
        super().__init__("Text arguments cannot contain the NUL character (\\u0000).")


class OperationTimeoutError(ClientError):
    """The operation ran past ``OPERATION_TIMEOUT_SECONDS`` and was stopped."""

    code = "TIMEOUT"

    def __init__(self, seconds: float | None = None) -> None:
        limit = f" of {seconds:g} s" if seconds else ""
        super().__init__(f"The operation ran past its time limit{limit} and was stopped.")


def client_error_for(error: BaseException) -> ClientError | None:
    """The client error that ``error`` stands for, or None if it is a bug.

    Besides :class:`ClientError` itself: a database outage, a statement past
    its ``statement_timeout``, and text that PostgreSQL refuses as input (a
    NUL in a username, id or cursor).
    """
    if isinstance(error, ClientError):
        return error
    if isinstance(error, asyncpg.exceptions.QueryCanceledError):  # statement_timeout
        return OperationTimeoutError()
    if is_database_unavailable(error):
        return DatabaseUnavailableError()
    if isinstance(error, asyncpg.exceptions.CharacterNotInRepertoireError):
        return InvalidTextError()
    return None


class DatabaseErrors(SchemaExtension):
    """Turn connection failures into :class:`DatabaseUnavailableError` and tag client errors."""

    def on_operation(self) -> Iterator[None]:
        """Rewrite the errors of the finished operation."""
        yield
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
            result.errors = [_classify(error) for error in result.errors]


def _classify(error: GraphQLError) -> GraphQLError:
    if error.original_error is None:
        return error
    original = client_error_for(error.original_error)
    if original is None:
        return error
    if isinstance(original, DatabaseUnavailableError):
        logger.warning("database unavailable: %s", type(error.original_error).__name__)
    return GraphQLError(
        message=str(original),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original,
        extensions={**(error.extensions or {}), "code": original.code},
    )


def is_unexpected(error: GraphQLError) -> bool:
    """True for errors raised by a bug: not validation, not a client error, not an outage."""
    original = error.original_error
    return original is not None and client_error_for(original) is None


def mask_unexpected_errors() -> MaskErrors:
    """The production error mask: hide the message of every unexpected error."""
    return MaskErrors(should_mask_error=is_unexpected, error_message=UNEXPECTED_ERROR_MESSAGE)
