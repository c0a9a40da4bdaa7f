"""GraphQL types of ``search``: a page of hits over builders, projects and tribes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from tribe_service.data_access.discovery.search import highlighted_html
from tribe_service.graphql.declarations import Decoded, declare
from tribe_service.graphql.pagination import PageInfo
from tribe_service.graphql.types.project import ProjectType
from tribe_service.graphql.types.tribe import TribeType
from tribe_service.graphql.types.user import UserType

SearchResult = Annotated[
    UserType | ProjectType | TribeType,
    strawberry.union("SearchResult", description="What a search found."),
]


@strawberry.type(description="One search hit, with the cursor to continue after it.")
class SearchHit:
    """An edge of :class:`SearchConnection`."""

    cursor: str
    node: SearchResult
    rank: float = strawberry.field(
        description="ts_rank_cd of the hit's search vector: higher is better; names weigh most."
    )
    snippet: str = strawberry.field(
        description="A short extract around the best match, as HTML: the text escaped, the "
        "matched words in <mark>.",
        metadata=declare(Decoded("snippet", highlighted_html)),
    )


@strawberry.type(description="A page of search hits, best first.")
class SearchConnection:
    """``edges`` (hits with cursors), ``nodes`` and ``pageInfo``, like every connection."""

    edges: list[SearchHit]
    page_info: PageInfo
    # Counts every hit; only awaited when a client asks.
    count_all: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(
        description="The page's nodes, when cursors, ranks and snippets are not needed."
    )
    def nodes(self) -> list[SearchResult]:
        """The nodes of ``edges``, in order."""
        return [edge.node for edge in self.edges]

    @strawberry.field(
        description="How many hits the whole search has, on every page alike. Counted only "
        "when asked: it costs a count on the database."
    )
    async def total_count(self) -> int:
        """The number of hits of the whole search."""
        return await self.count_all()
