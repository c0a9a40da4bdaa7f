"""The root lists and lookups: their orders, filters and keyset conditions.

A page is ``first + 1`` rows (the extra one only says "more") after a cursor's
sort key, fetched with a keyset condition on an index, never OFFSET. The
statement is built here for both the resolvers and the compiled executor; the
executor passes its own select list (with correlated subqueries).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tribe_service.data_access.shapes import FEED_EVENT, PROJECT, SKILL, TRIBE, USER, RowShape

ROOT_ALIAS = "t"


@dataclass(frozen=True)
class ListOrder:
    """A root list: its rows' shape, order, cursor kind and keyset condition.

    ``after`` is the keyset condition over the sort key ``key_columns``, with
    ``{0}``, ``{1}``, ... for the cursor's values (each a parameter).
    """

    shape: RowShape
    order_by: str
    cursor_kind: str = ""
    key_columns: tuple[str, ...] = ()
    key_types: tuple[type, ...] = ()
    after: str = ""

    def sort_key(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        """The sort key of a row (what its cursor holds)."""
        return tuple(row[column] for column in self.key_columns)

    def statement(
        self,
        select: str,
        filters: Mapping[str, Any],
        after: Sequence[Any] | None,
        limit: int | None,
    ) -> tuple[str, list[Any]]:
        """``SELECT select FROM table t WHERE filters AND keyset ORDER BY ... LIMIT``."""
        args: list[Any] = []
        conditions = []
        for column, value in filters.items():
            args.append(value)
            conditions.append(f"{ROOT_ALIAS}.{column} = ${len(args)}")
        if after is not None:
            numbers = []
            for value in after:
                args.append(value)
                numbers.append(f"${len(args)}")
            conditions.append(self.after.format(*numbers))
        sql = f"SELECT {select} FROM {self.shape.table} {ROOT_ALIAS}"
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        sql += f" ORDER BY {self.order_by}"
        if limit is not None:
            args.append(limit)
            sql += f" LIMIT ${len(args)}"
        return sql, args


def newest_first(shape: RowShape, cursor_kind: str) -> ListOrder:
    """``(created_at, id)`` descending: ids are time-ordered ULIDs."""
    return ListOrder(
        shape,
        order_by="t.created_at DESC, t.id DESC",
        cursor_kind=cursor_kind,
        key_columns=("created_at", "id"),
        key_types=(datetime, str),
        after="(t.created_at, t.id) < ({0}, {1})",
    )


FEED = newest_first(FEED_EVENT, "feed")
PROJECTS = newest_first(PROJECT, "projects")
TRIBES = newest_first(TRIBE, "tribes")
BUILDERS = ListOrder(
    USER,
    order_by="t.builder_score DESC, t.id",
    cursor_kind="builders",
    key_columns=("builder_score", "id"),
    key_types=(float, str),
    # `score <=` bounds the index range; the rest breaks ties on id.
    after="t.builder_score <= {0} AND (t.builder_score < {0} OR t.id > {1})",
)
SKILLS = ListOrder(SKILL, order_by="t.category, t.name")
# Lookups by a unique column: at most one row, no order needed.
USER_BY_USERNAME = ListOrder(USER, order_by="t.id")
