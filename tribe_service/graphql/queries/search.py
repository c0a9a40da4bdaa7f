"""Root field ``search``: full-text search over builders, projects and tribes."""

from __future__ import annotations

import asyncio
from functools import partial

import strawberry

from tribe_service.data_access import discovery
from tribe_service.data_access.discovery import SEARCH_TARGETS, SearchCursor, SearchText
from tribe_service.data_access.relations import Relation
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import Chosen, Member, Searched, declare
from tribe_service.graphql.errors import ClientError
from tribe_service.graphql.pagination import (
    DEFAULT_PAGE_SIZE,
    InvalidCursorError,
    PageInfo,
    check_page_size,
    decode_cursor,
    encode_cursor,
)
from tribe_service.graphql.resolvers import from_row
from tribe_service.graphql.types.enums import SearchKind
from tribe_service.graphql.types.project import ProjectType
from tribe_service.graphql.types.search import SearchConnection, SearchHit
from tribe_service.graphql.types.tribe import TribeType
from tribe_service.graphql.types.user import UserType

CURSOR_KIND = "search"
MAX_QUERY_LENGTH = 200


class InvalidSearchError(ClientError):
    """A search text that is empty, blank or too long."""

    code = "INVALID_SEARCH"


def check_search_text(query: str) -> SearchText:
    """The parsed search text, or :class:`InvalidSearchError`."""
    if not query.strip():
        raise InvalidSearchError("`query` must contain something to search for.")
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidSearchError(
            f"`query` must be at most {MAX_QUERY_LENGTH} characters (got {len(query)})."
        )
    return SearchText.parse(query)


def search_cursor(after: str | None) -> SearchCursor | None:
    """The position ``after`` holds (:class:`InvalidCursorError` unless a search made it)."""
    if after is None:
        return None
    rank, hit_id, kind = decode_cursor(after, CURSOR_KIND, (float, str, str))
    if kind not in SearchKind.__members__.values():
        raise InvalidCursorError()
    return SearchCursor(rank=rank, id=hit_id, kind=SearchKind(kind))


def hit_cursor(rank: float, hit_id: str, kind: str) -> str:
    """The cursor of a hit (what :func:`search_cursor` reads)."""
    return encode_cursor(CURSOR_KIND, (rank, hit_id, kind))


# What a hit of each kind is; its node is loaded in the search's own batch.
_NODES = Chosen(
    "kind",
    {
        kind.value: Member(node_type, SEARCH_TARGETS[kind], Relation.SEARCH_NODE)
        for kind, node_type in (
            (SearchKind.USER, UserType),
            (SearchKind.PROJECT, ProjectType),
            (SearchKind.TRIBE, TribeType),
        )
    },
)


async def _count(text: SearchText, kinds: list[SearchKind]) -> int:
    return await discovery.count_search_hits(text, kinds) if kinds else 0


@strawberry.type
class SearchQuery:
    """Search."""

    @strawberry.field(
        description="Builders, projects and tribes matching `query` (web-search syntax: "
        '"quoted phrases", -excluded, or; the last word also matches as a prefix), best first.',
        metadata=declare(Searched(_NODES)),
    )
    async def search(
        self,
        info: Info,
        query: str,
        kinds: list[SearchKind] | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> SearchConnection | None:
        """A page of hits; each node is loaded through the per-request loaders."""
        text = check_search_text(query)
        check_page_size(first)
        cursor = search_cursor(after)
        wanted = list(SearchKind) if kinds is None else kinds
        rows = await discovery.search(text, wanted, first + 1, cursor) if wanted else []
        page = rows[:first]
        # Gathered, so that each kind's rows are loaded in one batch.
        members = [_NODES.members[row["kind"].value] for row in page]
        loaders = info.context.loaders
        nodes = await asyncio.gather(
            *(
                loaders.rows(member.relation.shape, member.batch).load(row["id"])
                for member, row in zip(members, page, strict=True)
            )
        )
        edges = [
            SearchHit(
                cursor=hit_cursor(row["rank"], row["id"], row["kind"].value),
                node=from_row(member.type, node),
                rank=row["rank"],
                snippet=row["snippet"],
            )
            for row, member, node in zip(page, members, nodes, strict=True)
            if node is not None
        ]
        return SearchConnection(
            count_all=partial(_count, text, wanted),
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > first,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
