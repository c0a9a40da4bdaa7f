"""The rules of lists, shared by both executors: arguments, cursors and pages.

The compiled planner and the resolvers check ``first``, ``after``, the search
text and kinds here, with the same errors; each list order has its own cursor
codec (:func:`codec`: the kind ties a cursor to one list, so a feed cursor handed
to ``builders`` is refused with a clear message rather than silently paging
wrong), search hits theirs (:data:`SEARCH_CURSORS`); and a page of ``first`` is
cut from ``first + 1`` rows in one place (:func:`split_page`).

A cursor is opaque to clients: base64 of ``[kind, sort key values...]``. Pages are
fetched with ``WHERE (sort key) after (cursor)`` on an index, never OFFSET, so
page 500 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tribe_service.data_access.discovery.search import SearchCursor, SearchText
from tribe_service.data_access.pages import ListOrder
from tribe_service.enums import SearchKind
from tribe_service.graphql.errors import ClientError

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200


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


class InvalidSearchError(ClientError):
    """A search text that is empty, blank or too long."""

    code = "INVALID_SEARCH"


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
    return codec(order).decode(after)


def split_page[R](rows: Sequence[R], first: int) -> tuple[Sequence[R], bool]:
    """The page of ``first`` rows out of up to ``first + 1``, and whether more follow."""
    return rows[:first], len(rows) > first


@dataclass(frozen=True)
class CursorCodec:
    """The cursors of one list: its ``kind`` and the types of its sort key values."""

    kind: str
    types: tuple[type, ...]

    def encode(self, values: Sequence[Any]) -> str:
        """The cursor of a row whose sort key is ``values``."""
        return encode_cursor(self.kind, values)

    def decode(self, cursor: str) -> list[Any]:
        """The sort key in ``cursor`` (:class:`InvalidCursorError` unless this list made it)."""
        return decode_cursor(cursor, self.kind, self.types)


def codec(order: ListOrder) -> CursorCodec:
    """The cursor codec of a list order (its kind and sort key types)."""
    return CursorCodec(order.cursor_kind, order.key_types)


SEARCH_CURSORS = CursorCodec("search", (float, str, str))


def check_search_text(query: str) -> SearchText:
    """The parsed search text, or :class:`InvalidSearchError`."""
    if not query.strip():
        raise InvalidSearchError("`query` must contain something to search for.")
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidSearchError(
            f"`query` must be at most {MAX_QUERY_LENGTH} characters (got {len(query)})."
        )
    return SearchText.parse(query)


def wanted_kinds(kinds: Sequence[Any] | None) -> list[SearchKind]:
    """The kinds a search looks for: every kind when ``kinds`` is null."""
    if kinds is None:
        return list(SearchKind)
    return [SearchKind(getattr(kind, "value", kind)) for kind in kinds]


def search_cursor(after: str | None) -> SearchCursor | None:
    """The position ``after`` holds (:class:`InvalidCursorError` unless a search made it)."""
    if after is None:
        return None
    rank, hit_id, kind = SEARCH_CURSORS.decode(after)
    if kind not in SearchKind.__members__.values():
        raise InvalidCursorError()
    return SearchCursor(rank=rank, id=hit_id, kind=SearchKind(kind))


def hit_cursor(rank: float, hit_id: str, kind: str) -> str:
    """The cursor of a hit (what :func:`search_cursor` reads)."""
    return SEARCH_CURSORS.encode((rank, hit_id, kind))
