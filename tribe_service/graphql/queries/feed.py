"""The activity feed: the root ``feed``."""

from __future__ import annotations

from functools import partial

import strawberry

from tribe_service.data_access import pages
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import ListedAtRoot, declare
from tribe_service.graphql.pagination import DEFAULT_PAGE_SIZE, Connection, fetch_connection
from tribe_service.graphql.resolvers import from_row
from tribe_service.graphql.types.feed_event import FeedEventType


@strawberry.type
class FeedQuery:
    """The activity feed."""

    @strawberry.field(
        description="What builders did, newest first.", metadata=declare(ListedAtRoot(pages.FEED))
    )
    async def feed(
        self, info: Info, first: int = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[FeedEventType] | None:
        """A page of feed events."""
        return await fetch_connection(
            info.context.engine, pages.FEED, partial(from_row, FeedEventType), first, after, {}
        )
