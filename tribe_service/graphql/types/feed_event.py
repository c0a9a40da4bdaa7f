"""GraphQL type for the ``feed_events`` table."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

import strawberry

from tribe_service.data_access.relations import FEED_TARGETS, Relation
from tribe_service.data_access.shapes import FEED_EVENT
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import Chosen, Follows, declare, row_type
from tribe_service.graphql.types.enums import EventType
from tribe_service.graphql.types.json_objects import FeedEventMetadata, from_json
from tribe_service.graphql.types.project import ProjectType
from tribe_service.graphql.types.tribe import TribeType
from tribe_service.graphql.types.user import UserType, load_user

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
    actor_id: strawberry.Private[str]

    @strawberry.field(
        description="The builder who did it.",
        metadata=declare(Follows(Relation.FEED_PEOPLE)),
    )
    async def actor(self, info: Info) -> UserType:
        """Loaded in one batch per request level."""
        return await load_user(info, self.actor_id, Relation.FEED_PEOPLE)

    @strawberry.field(
        description="The project, tribe or builder it was done to (null if gone).",
        metadata=declare(
            Chosen(
                "target_type",
                {
                    "project": (ProjectType, FEED_TARGETS["project"]),
                    "tribe": (TribeType, FEED_TARGETS["tribe"]),
                    "user": (UserType, FEED_TARGETS["user"]),
                },
            )
        ),
    )
    async def target(self, info: Info) -> FeedTarget | None:
        """Loaded through the same per-request loaders as every other relation."""
        loaders = info.context.loaders
        if self.target_type == "project":
            row = await loaders.projects(Relation.FEED_TARGET).load(self.target_id)
            return ProjectType.from_row(row) if row else None
        if self.target_type == "tribe":
            row = await loaders.tribes(Relation.FEED_TARGET).load(self.target_id)
            return TribeType.from_row(row) if row else None
        if self.target_type == "user":
            row = await loaders.users(Relation.FEED_PEOPLE).load(self.target_id)
            return UserType.from_row(row) if row else None
        return None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        """Wrap a ``feed_events`` row."""
        return cls(
            id=strawberry.ID(row["id"]),
            event_type=EventType(row["event_type"]),
            target_type=row["target_type"],
            target_id=row["target_id"],
            metadata=from_json(FeedEventMetadata, row["metadata"]),
            created_at=row["created_at"],
            actor_id=row["actor_id"],
        )
