"""The activity feed: the root ``feed``."""

from __future__ import annotations

import strawberry

from tribe_service.data_access import pages
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import ListedAtRoot, declare
from tribe_service.graphql.pagination import Connection
from tribe_service.graphql.paging import DEFAULT_PAGE_SIZE
from tribe_service.graphql.resolvers import root_page
from tribe_service.graphql.types.feed_event import FeedEventType

FEED = ListedAtRoot(pages.FEED)


@strawberry.type
class FeedQuery:
    """The activity feed."""

    @strawberry.field(description="What builders did, newest first.", metadata=declare(FEED))
    async def feed(
        self, info: Info, first: int = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[FeedEventType] | None:
        """A page of feed events."""
        return await root_page(info, FEED, FeedEventType, first, after, {})
