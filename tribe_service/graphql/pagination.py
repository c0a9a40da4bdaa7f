"""Cursor connections (the GraphQL Cursor Connections convention) with keyset paging.

A cursor is opaque to clients: base64 of ``[kind, sort key values...]``. The
kind ties it to one list, so a feed cursor handed to ``builders`` is refused
with a clear message rather than silently paging wrong. Pages are fetched with
``WHERE (sort key) after (cursor)`` on an index, never OFFSET, so page 500
costs what page 1 costs.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, Generic, Self, TypeVar

import strawberry

from tribe_service.data_access.pages import ROOT_ALIAS, ListOrder
from tribe_service.data_access.shapes import Row
from tribe_service.engine import TribeEngine
from tribe_service.graphql.errors import ClientError

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

# A module-level TypeVar, not PEP 695 class parameters: Strawberry resolves the
# (postponed) annotations below in this module's namespace.
NodeType = TypeVar("NodeType")


class InvalidPageSizeError(ClientError):
    """``first`` is outside 1..100."""

    code = "INVALID_PAGE_SIZE"

    def __init__(self, first: int) -> None:
        super().__init__(f"`first` must be between 1 and {MAX_PAGE_SIZE} (got {first}).")


class InvalidCursorError(ClientError):
    """An ``after`` cursor that this list did not make."""

    code = "INVALID_CURSOR"

    def __init__(self) -> None:
        super().__init__(
            "`after` is not a valid cursor for this list: pass an `endCursor` or `cursor` it returned."
        )


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
        page = rows[:first]
        kind = order.cursor_kind
        edges = [
            Edge(cursor=encode_cursor(kind, order.sort_key(row)), node=to_node(row)) for row in page
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > first,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            count_all=count_all,
        )


def check_page_size(first: int) -> int:
    """``first`` if it is within 1..100, else a clear client error."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise InvalidPageSizeError(first)
    return first


def encode_cursor(kind: str, values: Sequence[Any]) -> str:
    """An opaque cursor for ``kind`` and the sort key ``values`` of a row.

    The text is exactly ``json.dumps([kind, *values])`` (datetimes as ISO 8601), built
    from its parts: a page has a cursor per row, and the general encoder cost twice
    as much. Values of other types take ``json.dumps`` itself.
    """
    parts = [_JSON_STRING(kind)]
    for value in values:
        kind_of = type(value)
        if kind_of is str:
            parts.append(_JSON_STRING(value))
        elif kind_of is datetime:
            parts.append(_JSON_STRING(value.isoformat()))
        elif kind_of is float and math.isfinite(value):
            parts.append(float.__repr__(value))
        elif kind_of is int:
            parts.append(int.__repr__(value))
        else:
            parts.append(json.dumps(value))
    text = "[" + ", ".join(parts) + "]"
    return base64.urlsafe_b64encode(text.encode()).decode()


# json.dumps' own string encoder (ensure_ascii, C-accelerated).
_JSON_STRING = json.encoder.encode_basestring_ascii


def decode_cursor(cursor: str, kind: str, types: Sequence[type]) -> list[Any]:
    """The sort key in ``cursor``; :class:`InvalidCursorError` unless ``kind`` made it."""
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidCursorError() from None
    if not isinstance(plain, list) or len(plain) != len(types) + 1 or plain[0] != kind:
        raise InvalidCursorError()
    try:
        return [_parse(value, expected) for value, expected in zip(plain[1:], types, strict=True)]
    except (TypeError, ValueError, OverflowError):
        raise InvalidCursorError() from None


def _parse(value: Any, expected: type) -> Any:
    if expected is datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive timestamp")
        # In UTC, as PostgreSQL will see it: 9999-12-31 at -23:59 is past year 9999
        # (OverflowError), which must be the client's error, not ours.
        return parsed.astimezone(UTC)
    if expected is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, expected):
        raise TypeError(f"expected {expected.__name__}")
    return value


def page_position(order: ListOrder, first: int, after: str | None) -> list[Any] | None:
    """Check the page size; the sort key of ``after`` (client errors if either is invalid)."""
    check_page_size(first)
    if after is None:
        return None
    return decode_cursor(after, order.cursor_kind, order.key_types)


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
