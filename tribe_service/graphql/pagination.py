"""Cursor connections (the GraphQL Cursor Connections convention), as the resolvers build them.

The rules of a page (its size, cursors, where it ends) are :mod:`tribe_service.graphql.paging`'s,
shared with the compiled planner.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Any, Generic, Self, TypeVar

import strawberry

from tribe_service.data_access.pages import ROOT_ALIAS, ListOrder
from tribe_service.data_access.shapes import Row
from tribe_service.engine import TribeEngine

# Named here too for code written before paging.py (benchmarks/ imports them from here).
from tribe_service.graphql.paging import MAX_PAGE_SIZE as MAX_PAGE_SIZE
from tribe_service.graphql.paging import codec, page_position, split_page
from tribe_service.graphql.paging import encode_cursor as encode_cursor

# A module-level TypeVar, not PEP 695 class parameters: Strawberry resolves the
# (postponed) annotations below in this module's namespace.
NodeType = TypeVar("NodeType")


@strawberry.type(description="Where a page ends, and whether another follows.")
class PageInfo:
    """Paging state of a connection."""

    has_next_page: bool
    end_cursor: str | None


@strawberry.type(description="A node and the cursor to continue after it.")
class Edge(Generic[NodeType]):  # noqa: UP046
    """One item of a connection."""

    cursor: str
    node: NodeType


@strawberry.type(description="A page of a list.")
class Connection(Generic[NodeType]):  # noqa: UP046
    """A page: ``edges`` (with cursors), ``nodes`` (without), and ``pageInfo``."""

    edges: list[Edge[NodeType]]
    page_info: PageInfo
    # Counts the whole list, filters applied; only awaited when a client asks.
    count_all: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The page's nodes, when cursors are not needed.")
    def nodes(self) -> list[NodeType]:
        """The nodes of ``edges``, in order."""
        return [edge.node for edge in self.edges]

    @strawberry.field(
        description=(
            "How many items the whole list holds, with its filters, on every page alike. "
            "Counted only when asked: it costs a count on the database."
        )
    )
    async def total_count(self) -> int:
        """The size of the whole (filtered) list."""
        return await self.count_all()

    @classmethod
    def from_rows(
        cls,
        rows: Sequence[Row],
        first: int,
        order: ListOrder,
        to_node: Callable[[Row], NodeType],
        count_all: Callable[[], Awaitable[int]],
    ) -> Self:
        """Build a page from up to ``first + 1`` rows (the extra one only says "more")."""
        page, more = split_page(rows, first)
        cursors = codec(order)
        edges = [
            Edge(cursor=cursors.encode(order.sort_key(row)), node=to_node(row)) for row in page
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=more,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            count_all=count_all,
        )


async def count_rows(engine: TribeEngine, order: ListOrder, filters: Mapping[str, Any]) -> int:
    """How many rows the whole list holds with ``filters``."""
    sql, args = order.count_statement(filters)
    return int((await engine.fetch(sql, *args))[0][0])


async def fetch_connection[Node](
    engine: TribeEngine,
    order: ListOrder,
    to_node: Callable[[Row], Node],
    first: int,
    after: str | None,
    filters: Mapping[str, Any],
) -> Connection[Node]:
    """A page of a root list after the ``after`` cursor; ``totalCount`` counts on demand."""
    position = page_position(order, first, after)
    sql, args = order.statement(order.shape.select_list(ROOT_ALIAS), filters, position, first + 1)
    rows = [order.shape.row(record) for record in await engine.fetch(sql, *args)]
    return Connection[Node].from_rows(
        rows, first, order, to_node, partial(count_rows, engine, order, filters)
    )
