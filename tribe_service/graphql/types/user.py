"""GraphQL type for the ``users`` table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from tribe_service.data_access import pages
from tribe_service.data_access.discovery.lists import SIMILAR
from tribe_service.data_access.refresh_tokens import SESSIONS_OF_USER, SessionRow
from tribe_service.data_access.relations import Relation
from tribe_service.data_access.shapes import USER
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import HandWritten, declare, row_type
from tribe_service.graphql.pagination import Connection
from tribe_service.graphql.resolvers import follows, later, owner_only, paged_below
from tribe_service.graphql.types.enums import AvailabilityStatus, CollaboratorStatus, UserRole
from tribe_service.graphql.types.json_objects import ContactLinks
from tribe_service.graphql.types.session import SessionType
from tribe_service.graphql.types.skill import SkillType

# The types of modules above this one (they import User), named without an import.
PROJECT_MODULE = "tribe_service.graphql.types.project"
TRIBE_MODULE = "tribe_service.graphql.types.tribe"
FEED_EVENT_MODULE = "tribe_service.graphql.types.feed_event"


async def _viewer_sessions(root: Any, info: Info) -> list[SessionType] | None:
    """The viewer's live sessions (one statement; no other builder's row asks)."""
    if info.context.current_user_id != root.id:
        return None
    rows = await info.context.engine.fetch(SESSIONS_OF_USER, root.id)
    current = info.context.current_session_id
    return [SessionType.from_row(SessionRow(**dict(row)), current) for row in rows]


@row_type(USER)
@strawberry.type(name="User", description="A builder.")
class UserType:
    """A row of ``users``; ``email`` is private to its owner."""

    id: strawberry.ID
    username: str
    display_name: str
    avatar_url: str | None
    headline: str | None
    primary_role: UserRole | None
    timezone: str | None
    availability_status: AvailabilityStatus
    builder_score: float
    bio: str | None
    contact_links: ContactLinks
    github_username: str | None
    onboarding_completed: bool
    created_at: datetime
    updated_at: datetime = strawberry.field(
        description="When the profile last changed: the `expectedUpdatedAt` of the next edit."
    )
    email: str | None = owner_only(
        "email", owner="id", description="Only the viewer's own email; null for everyone else."
    )

    sessions: list[SessionType] | None = strawberry.field(
        resolver=_viewer_sessions,
        description="Where the builder is signed in, most recently used first: only the "
        "viewer's own; null for everyone else.",
        metadata=declare(HandWritten("one statement, for the viewer's own row only")),
    )
    # a builder lists a handful of skills
    skills: list[SkillType] = follows(
        Relation.USER_SKILLS,
        description="The builder's skills, in the order they were added.",
        list_size=20,
    )
    projects: list[Any] = follows(
        Relation.USER_PROJECTS,
        graphql_type=later("ProjectType", PROJECT_MODULE, of=list),
        description="Projects this builder owns, newest first (see `collaborations` for the rest).",
    )
    collaborations: list[Any] = follows(
        Relation.USER_COLLABORATIONS,
        graphql_type=later("CollaborationType", PROJECT_MODULE, of=list),
        description=(
            "Projects this builder collaborates on but does not own, newest invitation first. "
            "`status` defaults to CONFIRMED; pass null for every status."
        ),
        status=CollaboratorStatus.CONFIRMED,
    )
    tribes: list[Any] = follows(
        Relation.USER_TRIBES,
        graphql_type=later("TribeType", TRIBE_MODULE, of=list),
        description="Tribes this builder is an active member of, by name.",
    )
    activity: Connection[Any] = paged_below(
        Relation.USER_ACTIVITY,
        pages.ACTIVITY,
        graphql_type=later("FeedEventType", FEED_EVENT_MODULE, of=Connection),
        description="What this builder did, newest first: their feed events.",
    )
    similar_builders: list[SimilarBuilderType] = follows(
        Relation.USER_SIMILAR_BUILDERS,
        description="The builders most like this one (skills, role, headline and bio), "
        "nearest first; empty until the builder's embedding is computed.",
    )


@row_type(SIMILAR)
@strawberry.type(name="SimilarBuilder", description="A builder like another, and how alike.")
class SimilarBuilderType:
    """One hit of ``User.similarBuilders``."""

    similarity: float = strawberry.field(
        description="Cosine similarity of the two builders' embeddings, at most 1."
    )
    user: UserType = follows(Relation.SIMILAR_BUILDER_USER, description="The similar builder.")
