"""GraphQL type for the ``feed_events`` table."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from tribe_service.data_access.relations import FEED_TARGETS, Relation
from tribe_service.data_access.shapes import FEED_EVENT
from tribe_service.graphql.declarations import Member, row_type
from tribe_service.graphql.resolvers import chosen, follows
from tribe_service.graphql.types.enums import EventType
from tribe_service.graphql.types.json_objects import FeedEventMetadata
from tribe_service.graphql.types.project import ProjectType
from tribe_service.graphql.types.tribe import TribeType
from tribe_service.graphql.types.user import UserType

FeedTarget = Annotated[
    ProjectType | TribeType | UserType,
    strawberry.union("FeedTarget", description="What a feed event was done to."),
]


@row_type(FEED_EVENT)
@strawberry.type(name="FeedEvent", description="Something a builder did.")
class FeedEventType:
    """A row of ``feed_events``."""

    id: strawberry.ID
    event_type: EventType
    target_type: str
    target_id: str
    metadata: FeedEventMetadata
    created_at: datetime
    actor: UserType = follows(Relation.FEED_PEOPLE, description="The builder who did it.")
    target: FeedTarget | None = chosen(
        "target_type",
        {
            "project": Member(ProjectType, FEED_TARGETS["project"], Relation.FEED_TARGET),
            "tribe": Member(TribeType, FEED_TARGETS["tribe"], Relation.FEED_TARGET),
            # Actors and user targets are siblings: one batch serves both.
            "user": Member(UserType, FEED_TARGETS["user"], Relation.FEED_PEOPLE),
        },
        description="The project, tribe or builder it was done to (null if gone).",
    )
