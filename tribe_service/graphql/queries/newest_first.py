"""Keyset paging for lists ordered newest first: ``(created_at, id)`` descending."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.columns.combination import WhereRaw
from piccolo.table import Table

from tribe_service.graphql.loaders import Row, desc, select_rows
from tribe_service.graphql.pagination import check_page_size, decode_cursor


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
    if after is not None:
        created_at, row_id = decode_cursor(after, kind, (datetime, str))
        conditions.append(WhereRaw("(created_at, id) < ({}, {})", created_at, row_id))
    return await select_rows(
        table,
        columns,
        *conditions,
        order_by=[desc(table.created_at), desc(table.id)],  # type: ignore[attr-defined]
        limit=first + 1,
    )


def newest_first_key(row: Row) -> tuple[datetime, str]:
    """The sort key of a row in a newest-first list."""
    return (row["created_at"], row["id"])
