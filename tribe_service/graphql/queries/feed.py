"""The activity feed: the root ``feed`` and each builder's ``activity``."""

from __future__ import annotations

from typing import Any

import strawberry

from tribe_service.data_access import pages
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import ListedAtRoot, declare
from tribe_service.graphql.pagination import (
    DEFAULT_PAGE_SIZE,
    Connection,
    fetch_connection,
    page_position,
)
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
            info.context.engine, pages.FEED, FeedEventType.from_row, first, after, {}
        )


async def activity_page(
    info: Info, user_id: str, first: int, after: str | None
) -> Connection[FeedEventType]:
    """A page of one builder's events, batched with the other builders of the request."""
    position = page_position(pages.ACTIVITY, first, after)
    key: Any = None if position is None else tuple(position)
    loaders = info.context.loaders
    rows = await loaders.activity_by_actor(key, first + 1).load(user_id)
    return Connection[FeedEventType].from_rows(
        rows,
        first,
        pages.ACTIVITY,
        FeedEventType.from_row,
        lambda: loaders.activity_count_by_actor.load(user_id),
    )
