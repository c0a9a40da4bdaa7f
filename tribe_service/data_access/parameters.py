"""The parameters of one statement: every value a ``$n`` placeholder, never an SQL literal.

Statements built piece by piece (a compiled plan's correlated subqueries, then its
root's filters and keyset) share one :class:`Parameters`: each piece asks it for a
placeholder per value, so numbers never clash and the SQL text depends on which
values a statement takes, not on what they are. PostgreSQL (and asyncpg's statement
cache) then see one statement per shape of request.

What a value is, is the caller's business: the compiled planner adds *how to read*
a nested argument of a request, and turns those into the request's values before
the statement runs (:meth:`Parameters.read`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from string import Formatter
from typing import Any


class Parameters[V]:
    """Hands out ``$1``, ``$2``... in order and keeps the value each stands for."""

    def __init__(self, values: Sequence[V] = ()) -> None:
        self.values: list[V] = list(values)

    def add(self, value: V) -> str:
        """The placeholder of ``value`` (the next number)."""
        self.values.append(value)
        return f"${len(self.values)}"

    def read[R](self, reader: Callable[[V], R]) -> Parameters[R]:
        """Parameters holding ``reader(value)`` for each value, numbered alike."""
        return Parameters([reader(value) for value in self.values])


def unless_null(condition: str, placeholder: str) -> str:
    """``condition``, or true when the value of ``placeholder`` is null.

    One text for both cases: a filter a request may leave out (a nested
    ``status: null``, no ``after``) does not change the statement. ``placeholder``
    must appear in ``condition`` too, which gives PostgreSQL its type.
    """
    return f"({condition} OR {placeholder} IS NULL)"


def numbered(
    statement: tuple[str, Sequence[Any]], parameters: Parameters[Any] | None = None
) -> tuple[str, list[Any]]:
    """A ``{}``-style statement (Piccolo's) with ``$n`` placeholders from ``parameters``.

    Numbering continues after what ``parameters`` already holds (a fresh one by
    default); returns the SQL and every value in order.
    """
    template, values = statement
    parameters = Parameters() if parameters is None else parameters
    given = iter(values)
    parts = []
    for literal, field, _, _ in Formatter().parse(template):
        parts.append(literal)
        if field is not None:
            parts.append(parameters.add(next(given)))
    return "".join(parts), parameters.values
