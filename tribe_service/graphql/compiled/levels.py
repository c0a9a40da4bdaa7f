"""One row level of a compiled statement: the expressions it selects, and its subqueries.

A relation below a row becomes a correlated subquery of its parent's level
(``(SELECT ROW(...))`` for one row, ``ARRAY(SELECT ROW(...) ... ORDER BY)`` for
many), so the records asyncpg decodes already have the answer's shape.
"""

from __future__ import annotations

from collections.abc import Callable

from tribe_service.data_access.relations import ToMany, ToOne


class Level:
    """The expressions one row level of a statement selects, in record order."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self._expressions: list[str | Callable[[], str]] = []
        self._columns: dict[str, int] = {}

    def column(self, name: str) -> int:
        """The record index of column ``name`` (selected once however often asked)."""
        if name not in self._columns:
            self._columns[name] = self.nested(f"{self.alias}.{name}")
        return self._columns[name]

    def nested(self, expression: str | Callable[[], str]) -> int:
        """The record index of an expression (a subquery is rendered with the statement)."""
        self._expressions.append(expression)
        return len(self._expressions) - 1

    def ensure_selects(self, key: str = "id") -> None:
        """Select ``key`` if nothing else (``ROW()`` of nothing cannot tell a row from none)."""
        if not self._expressions:
            self.column(key)

    def select_list(self) -> str:
        """The SQL select list, subqueries rendered."""
        return ", ".join(e if isinstance(e, str) else e() for e in self._expressions)

    def row(self) -> str:
        """The level as one record, ``ROW(select list)``, for a subquery of its parent."""
        return f"ROW({self.select_list()})"


def row_subquery(spec: ToOne, child: Level, parent: str, condition: str = "") -> Callable[[], str]:
    """The parent's one row of ``spec``, as ``(SELECT ROW(...))``, rendered with the statement."""
    return lambda: f"({spec.correlated(child.row(), child.alias, parent)}{condition})"


def array_subquery(
    spec: ToMany, child: Level, parent: str, status: str | None, limit: str | None
) -> Callable[[], str]:
    """The parent's rows of ``spec``, as ``ARRAY(SELECT ROW(...) ...)``.

    ``status`` and ``limit`` are placeholders of the statement's parameters.
    """
    return lambda: f"ARRAY({spec.correlated(child.row(), child.alias, parent, status, limit)})"
