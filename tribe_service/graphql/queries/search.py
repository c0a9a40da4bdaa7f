"""Root field ``search``: full-text search over builders, projects and tribes."""

from __future__ import annotations

import asyncio
from functools import partial

import strawberry

from tribe_service.data_access import discovery
from tribe_service.data_access.discovery import SEARCH_TARGETS, SearchText
from tribe_service.data_access.relations import Relation
from tribe_service.engine import TribeEngine
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import Chosen, Member, Searched, declare
from tribe_service.graphql.pagination import PageInfo
from tribe_service.graphql.paging import (
    DEFAULT_PAGE_SIZE,
    check_page_size,
    check_search_text,
    hit_cursor,
    search_cursor,
    split_page,
    wanted_kinds,
)
from tribe_service.graphql.resolvers import from_row
from tribe_service.graphql.types.enums import SearchKind
from tribe_service.graphql.types.project import ProjectType
from tribe_service.graphql.types.search import SearchConnection, SearchHit
from tribe_service.graphql.types.tribe import TribeType
from tribe_service.graphql.types.user import UserType

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


async def _count(engine: TribeEngine, text: SearchText, kinds: list[SearchKind]) -> int:
    return await discovery.count_search_hits(engine, text, kinds) if kinds else 0


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
        wanted = wanted_kinds(kinds)
        engine = info.context.engine
        rows = await discovery.search(engine, text, wanted, first + 1, cursor) if wanted else []
        page, more = split_page(rows, first)
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
            count_all=partial(_count, engine, text, wanted),
            edges=edges,
            page_info=PageInfo(
                has_next_page=more,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
