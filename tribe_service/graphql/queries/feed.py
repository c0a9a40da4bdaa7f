"""Root field for the activity feed."""

from __future__ import annotations

import strawberry

from tribe_service.graphql.pagination import DEFAULT_PAGE_SIZE, Connection
from tribe_service.graphql.queries.newest_first import newest_first_key, newest_first_page
from tribe_service.graphql.types.feed_event import FeedEventType
from tribe_service.tables import FeedEvent

CURSOR_KIND = "feed"


@strawberry.type
class FeedQuery:
    """The activity feed."""

    @strawberry.field(description="What builders did, newest first.")
    async def feed(
        self, first: int = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[FeedEventType]:
        """A page of feed events."""
        rows = await newest_first_page(
            FeedEvent, FeedEvent.all_columns(), first=first, after=after, kind=CURSOR_KIND
        )
        return Connection[FeedEventType].from_rows(
            rows, first, CURSOR_KIND, newest_first_key, FeedEventType.from_row
        )
