"""Lists paged by keyset: their orders, filters, cursors and counts.

A page is ``first + 1`` rows (the extra one only says "more") after a cursor's
sort key, fetched with a keyset condition on an index, never OFFSET. Statements
are built here for both the resolvers and the compiled executor; the executor
passes its own select list (with correlated subqueries).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tribe_service.data_access.parameters import Parameters
from tribe_service.data_access.shapes import FEED_EVENT, PROJECT, SKILL, TRIBE, USER, RowShape
from tribe_service.data_access.skill_filter import HOLDING_ALL_SKILLS_SQL, skill_terms

ROOT_ALIAS = "t"


@dataclass(frozen=True)
class Condition:
    """A filter other than ``column = value``: ``sql`` over ``{t}`` with one parameter ``{0}``.

    ``parameter`` turns the filter's value into that parameter (None: no filter).
    """

    sql: str
    parameter: Callable[[Any], Any]


@dataclass(frozen=True)
class ListOrder:
    """A list: its rows' shape, order, cursor kind and keyset condition.

    SQL templates name the table ``{t}``; ``after`` is the keyset condition over
    the sort key ``key_columns``, with ``{0}``, ``{1}``, ... for the cursor's values.
    """

    shape: RowShape
    order_by: str
    cursor_kind: str = ""
    key_columns: tuple[str, ...] = ()
    key_types: tuple[type, ...] = ()
    after: str = ""
    # Filters by name that are not column equality.
    conditions: Mapping[str, Condition] = field(default_factory=dict)

    def sort_key(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        """The sort key of a row (what its cursor holds)."""
        return tuple(row[column] for column in self.key_columns)

    def _where(
        self,
        filters: Mapping[str, Any],
        after: Sequence[Any] | None,
        parameters: Parameters[Any],
    ) -> str:
        conditions = []
        for column, value in filters.items():
            condition = self.conditions.get(column)
            parameter = value if condition is None else condition.parameter(value)
            if parameter is None:
                continue
            placeholder = parameters.add(parameter)
            if condition is None:
                conditions.append(f"{ROOT_ALIAS}.{column} = {placeholder}")
            else:
                conditions.append(condition.sql.format(placeholder, t=ROOT_ALIAS))
        if after is not None:
            conditions.append(self.keyset(ROOT_ALIAS, *map(parameters.add, after)))
        return " WHERE " + " AND ".join(conditions) if conditions else ""

    def keyset(self, t: str, *placeholders: str) -> str:
        """The keyset condition over alias ``t``: rows after the cursor's ``placeholders``."""
        return self.after.format(*placeholders, t=t)

    def statement(
        self,
        select: str,
        filters: Mapping[str, Any],
        after: Sequence[Any] | None,
        limit: int | None,
        parameters: Parameters[Any] | None = None,
    ) -> tuple[str, list[Any]]:
        """``SELECT select FROM table t WHERE filters AND keyset ORDER BY ... LIMIT``.

        ``parameters`` holds those ``select`` already uses (a compiled plan's nested
        arguments); the statement's own are numbered after them.
        """
        parameters = Parameters() if parameters is None else parameters
        sql = f"SELECT {select} FROM {self.shape.table} {ROOT_ALIAS}"
        sql += self._where(filters, after, parameters)
        sql += f" ORDER BY {self.order_by.format(t=ROOT_ALIAS)}"
        if limit is not None:
            sql += f" LIMIT {parameters.add(limit)}"
        return sql, parameters.values

    def count_statement(self, filters: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """``SELECT count(*)`` of the whole list with ``filters`` (what ``totalCount`` says)."""
        parameters: Parameters[Any] = Parameters()
        where = self._where(filters, None, parameters)
        return f"SELECT count(*) FROM {self.shape.table} {ROOT_ALIAS}{where}", parameters.values


def newest_first(shape: RowShape, cursor_kind: str) -> ListOrder:
    """``(created_at, id)`` descending: ids are time-ordered ULIDs."""
    return ListOrder(
        shape,
        order_by="{t}.created_at DESC, {t}.id DESC",
        cursor_kind=cursor_kind,
        key_columns=("created_at", "id"),
        key_types=(datetime, str),
        after="({t}.created_at, {t}.id) < ({0}, {1})",
    )


FEED = newest_first(FEED_EVENT, "feed")
# A builder's own events (``User.activity``), in this order everywhere: the relation, its
# batched statement (relations.ACTIVITY_SQL) and its cursors.
ACTIVITY = newest_first(FEED_EVENT, "activity")
PROJECTS = newest_first(PROJECT, "projects")
TRIBES = newest_first(TRIBE, "tribes")
BUILDERS = ListOrder(
    USER,
    order_by="{t}.builder_score DESC, {t}.id",
    cursor_kind="builders",
    key_columns=("builder_score", "id"),
    key_types=(float, str),
    # `score <=` bounds the index range; the rest breaks ties on id.
    after="{t}.builder_score <= {0} AND ({t}.builder_score < {0} OR {t}.id > {1})",
    conditions={"skills": Condition(HOLDING_ALL_SKILLS_SQL, skill_terms)},
)
SKILLS = ListOrder(SKILL, order_by="{t}.category, {t}.name")


def lookup_statement(shape: RowShape, column: str, select: str, placeholder: str = "$1") -> str:
    """``SELECT select FROM table t WHERE t.column = $n``: a row by a unique column.

    ``placeholder`` is the value's (from the statement's :class:`Parameters` when
    ``select`` takes parameters of its own).
    """
    return f"SELECT {select} FROM {shape.table} {ROOT_ALIAS} WHERE {ROOT_ALIAS}.{column} = {placeholder}"
