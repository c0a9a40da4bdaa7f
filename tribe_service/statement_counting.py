"""Counting the SQL statements sent in one asyncio context, when asked.

Tests and the benchmark use :func:`count_statements` to prove that both GraphQL
executors batch their queries; the engine calls :func:`record_statement` for every
statement it sends.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator


class StatementCounter:
    """The SQL statements sent in one asyncio context (and its child tasks).

    Counters nest: a statement counts in the innermost one and every one around it
    (each GraphQL operation counts its own, inside a test's count of a request).
    """

    def __init__(self, outer: StatementCounter | None = None) -> None:
        self.statements: list[str] = []
        self.outer = outer

    @property
    def count(self) -> int:
        """How many statements were sent."""
        return len(self.statements)


_statement_counter: contextvars.ContextVar[StatementCounter | None] = contextvars.ContextVar(
    "statement_counter", default=None
)


@contextlib.contextmanager
def count_statements() -> Iterator[StatementCounter]:
    """Count the statements the engine sends inside this block (and its child tasks)."""
    counter = StatementCounter(_statement_counter.get())
    token = _statement_counter.set(counter)
    try:
        yield counter
    finally:
        _statement_counter.reset(token)


def record_statement(sql: str) -> None:
    """Note ``sql`` in the counter of the current context, if one is counting."""
    counter = _statement_counter.get()
    while counter is not None:
        counter.statements.append(sql)
        counter = counter.outer
