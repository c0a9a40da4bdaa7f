"""The activity feed: the root ``feed`` and each builder's ``activity``."""

from __future__ import annotations

import strawberry

from tribe_service.graphql.context import Info
from tribe_service.graphql.loaders import FEED_EVENT_COLUMNS
from tribe_service.graphql.pagination import DEFAULT_PAGE_SIZE, Connection, check_page_size
from tribe_service.graphql.queries.newest_first import (
    decode_newest_first_cursor,
    newest_first_connection,
    newest_first_key,
)
from tribe_service.graphql.types.feed_event import FeedEventType
from tribe_service.tables import FeedEvent

CURSOR_KIND = "feed"
ACTIVITY_CURSOR_KIND = "activity"


@strawberry.type
class FeedQuery:
    """The activity feed."""

    @strawberry.field(description="What builders did, newest first.")
    async def feed(
        self, first: int = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[FeedEventType] | None:
        """A page of feed events."""
        return await newest_first_connection(
            FeedEvent,
            FEED_EVENT_COLUMNS,
            first=first,
            after=after,
            kind=CURSOR_KIND,
            to_node=FeedEventType.from_row,
        )


async def activity_page(
    info: Info, user_id: str, first: int, after: str | None
) -> Connection[FeedEventType]:
    """A page of one builder's events, batched with the other builders of the request."""
    check_page_size(first)
    position = decode_newest_first_cursor(after, ACTIVITY_CURSOR_KIND)
    loaders = info.context.loaders
    rows = await loaders.activity_by_actor(position, first + 1).load(user_id)
    return Connection[FeedEventType].from_rows(
        rows,
        first,
        ACTIVITY_CURSOR_KIND,
        newest_first_key,
        FeedEventType.from_row,
        lambda: loaders.activity_count_by_actor.load(user_id),
    )
