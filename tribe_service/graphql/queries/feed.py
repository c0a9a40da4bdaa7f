"""Root field for the activity feed."""

from __future__ import annotations

import strawberry

from tribe_service.data_access import pages
from tribe_service.graphql.context import Info
from tribe_service.graphql.pagination import DEFAULT_PAGE_SIZE, Connection, fetch_page
from tribe_service.graphql.types.feed_event import FeedEventType


@strawberry.type
class FeedQuery:
    """The activity feed."""

    @strawberry.field(description="What builders did, newest first.")
    async def feed(
        self, info: Info, first: int = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[FeedEventType]:
        """A page of feed events."""
        rows = await fetch_page(info.context.engine, pages.FEED, first, after, {})
        return Connection[FeedEventType].from_rows(rows, first, pages.FEED, FeedEventType.from_row)
