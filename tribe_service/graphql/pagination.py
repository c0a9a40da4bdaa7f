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
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, Self, TypeVar

import strawberry

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
        rows: Sequence[dict[str, Any]],
        first: int,
        kind: str,
        sort_key: Callable[[dict[str, Any]], Sequence[Any]],
        to_node: Callable[[dict[str, Any]], NodeType],
        count_all: Callable[[], Awaitable[int]],
    ) -> Self:
        """Build a page from up to ``first + 1`` rows (the extra one only says "more")."""
        page = rows[:first]
        edges = [Edge(cursor=encode_cursor(kind, sort_key(row)), node=to_node(row)) for row in page]
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
    """An opaque cursor for ``kind`` and the sort key ``values`` of a row."""
    plain = [
        kind,
        *(value.isoformat() if isinstance(value, datetime) else value for value in values),
    ]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


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
