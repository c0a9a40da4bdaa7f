"""Keyset paging for lists ordered newest first: ``(created_at, id)`` descending."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from piccolo.columns.combination import WhereRaw
from piccolo.table import Table

from tribe_service.graphql.loaders import Row, count_rows, desc, select_rows
from tribe_service.graphql.pagination import (
    Connection,
    NodeType,
    check_page_size,
    decode_cursor,
)


def decode_newest_first_cursor(after: str | None, kind: str) -> tuple[datetime, str] | None:
    """The ``(created_at, id)`` position of a newest-first cursor, or None without one."""
    if after is None:
        return None
    created_at, row_id = decode_cursor(after, kind, (datetime, str))
    return created_at, row_id


async def newest_first_page(
    table: type[Table],
    columns: list[Any],
    *where: Any,
    first: int,
    after: str | None,
    kind: str,
) -> list[Row]:
    """Up to ``first + 1`` rows after the ``after`` cursor, newest first."""
    check_page_size(first)
    conditions = list(where)
    position = decode_newest_first_cursor(after, kind)
    if position is not None:
        conditions.append(WhereRaw("(created_at, id) < ({}, {})", *position))
    return await select_rows(
        table,
        columns,
        *conditions,
        order_by=[desc(table.created_at), desc(table.id)],  # type: ignore[attr-defined]
        limit=first + 1,
    )


async def newest_first_connection(
    table: type[Table],
    columns: list[Any],
    *where: Any,
    first: int,
    after: str | None,
    kind: str,
    to_node: Callable[[Row], NodeType],
) -> Connection[NodeType]:
    """A page of ``table`` newest first, whose ``totalCount`` counts the rows ``where`` keeps."""
    rows = await newest_first_page(table, columns, *where, first=first, after=after, kind=kind)
    return Connection[NodeType].from_rows(
        rows, first, kind, newest_first_key, to_node, partial(count_rows, table, *where)
    )


def newest_first_key(row: Row) -> tuple[datetime, str]:
    """The sort key of a row in a newest-first list."""
    return (row["created_at"], row["id"])
