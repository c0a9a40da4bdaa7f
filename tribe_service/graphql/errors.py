"""Errors a client is meant to read, and the extension that shapes every other error.

An expected error (:class:`ClientError`) keeps its message in every
environment. A database outage becomes one clear, stable message. Anything
else is a bug: in production its message is masked, so no stack trace, SQL or
connection string ever reaches a client.

Every error carries ``extensions.code`` (the Apollo ecosystem's names where one
exists), so a client can tell them apart without reading messages; README's
"Error codes" table lists them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import asyncpg
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.types.execution import ExecutionResult, PreExecutionError

from tribe_service.database_errors import is_database_unavailable
from tribe_service.rate_limit import Spending

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
# The limits on one request (README: "Limits"). The rules and extensions that
# enforce them set these codes themselves; the token limit is graphql-core's
# parser option, recognised by its message.
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
RATE_LIMITED = "RATE_LIMITED"
TIMEOUT = "TIMEOUT"
PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"

_LIMIT_MESSAGES = {"Document contains more than": TOO_MANY_TOKENS}

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

    code = TIMEOUT

    def __init__(self, seconds: float | None = None) -> None:
        limit = f" of {seconds:g} s" if seconds else ""
        super().__init__(f"The operation ran past its time limit{limit} and was stopped.")


def rate_limited_error(spending: Spending) -> GraphQLError:
    """The error of a request refused because its client's budget is spent."""
    return GraphQLError(
        f"Too many requests: this client's budget of {spending.limit} points a minute is"
        f" spent; retry in {spending.retry_after} s.",
        extensions={"code": RATE_LIMITED, "retryAfter": spending.retry_after},
    )


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


class ErrorCodes(SchemaExtension):
    """Give every error its code; turn connection failures into :class:`DatabaseUnavailableError`."""

    def on_operation(self) -> Iterator[None]:
        """Rewrite the errors of the finished operation."""
        try:
            yield
        except GraphQLError as error:  # a syntax error leaves the operation as an exception
            _classify(error, PARSE_FAILED)
            raise
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
            phase_code = self._phase_code(result)
            result.errors = [_classify(error, phase_code) for error in result.errors]

    def _phase_code(self, result: GraphQLExecutionResult | ExecutionResult) -> str:
        """The code of an error no resolver raised: parse, validation or variables."""
        if self.execution_context.graphql_document is None:
            return PARSE_FAILED
        if isinstance(result, PreExecutionError):
            return VALIDATION_FAILED
        return BAD_USER_INPUT  # variables that do not fit their types, an unknown operation


def _with_code(error: GraphQLError, code: str) -> GraphQLError:
    error.extensions = {**(error.extensions or {}), "code": code}
    return error


def _classify(error: GraphQLError, phase_code: str) -> GraphQLError:
    if error.extensions and "code" in error.extensions:
        return error
    if error.original_error is None:
        for text, code in _LIMIT_MESSAGES.items():
            if text in error.message:
                return _with_code(error, code)
        return _with_code(error, phase_code)
    if isinstance(error.original_error, GraphQLError):  # a variable graphql-core refused
        return _with_code(error, phase_code)
    original = client_error_for(error.original_error)
    if original is None:
        return _with_code(error, INTERNAL_SERVER_ERROR)
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
    return (
        original is not None
        and not isinstance(original, GraphQLError)
        and client_error_for(original) is None
    )


class MaskUnexpectedErrors(MaskErrors):
    """The production error mask: hide the message of every unexpected error, keep its code."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=UNEXPECTED_ERROR_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        """The error with a fixed message and ``INTERNAL_SERVER_ERROR``, nothing else."""
        return _with_code(super().anonymise_error(error), INTERNAL_SERVER_ERROR)
