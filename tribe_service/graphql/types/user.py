"""GraphQL type for the ``users`` table."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from tribe_service.data_access.refresh_tokens import SESSIONS_OF_USER, SessionRow
from tribe_service.data_access.relations import Relation
from tribe_service.graphql.context import Info
from tribe_service.graphql.pagination import DEFAULT_PAGE_SIZE, Connection, check_page_size
from tribe_service.graphql.types.enums import AvailabilityStatus, CollaboratorStatus, UserRole
from tribe_service.graphql.types.json_objects import ContactLinks, from_json
from tribe_service.graphql.types.session import SessionType
from tribe_service.graphql.types.skill import SkillType

if TYPE_CHECKING:
    from tribe_service.graphql.types.feed_event import FeedEventType
    from tribe_service.graphql.types.project import CollaborationType, ProjectType
    from tribe_service.graphql.types.tribe import TribeType

PROJECT_MODULE = "tribe_service.graphql.types.project"
TRIBE_MODULE = "tribe_service.graphql.types.tribe"
FEED_EVENT_MODULE = "tribe_service.graphql.types.feed_event"
NESTED_FIRST = f"How many to return: 1 to 100, default {DEFAULT_PAGE_SIZE}."


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
    private_email: strawberry.Private[str | None]

    @strawberry.field(description="Only the viewer's own email; null for everyone else.")
    def email(self, info: Info) -> str | None:
        """The email, if the viewer is this user."""
        return self.private_email if info.context.current_user_id == self.id else None

    @strawberry.field(
        description="Where the builder is signed in, most recently used first: only the "
        "viewer's own; null for everyone else."
    )
    async def sessions(self, info: Info) -> list[SessionType] | None:
        """The viewer's live sessions (one statement; no other builder's row asks)."""
        if info.context.current_user_id != self.id:
            return None
        rows = await info.context.engine.fetch(SESSIONS_OF_USER, self.id)
        current = info.context.current_session_id
        return [SessionType.from_row(SessionRow(**dict(row)), current) for row in rows]

    @strawberry.field(description="The builder's skills, in the order they were added.")
    async def skills(self, info: Info) -> list[SkillType]:
        """Loaded in one batch per request level."""
        rows = await info.context.loaders.skills_by_user.load(self.id)
        return [SkillType.from_row(row) for row in rows]

    @strawberry.field(
        description="Projects this builder owns, newest first (see `collaborations` for the rest)."
    )
    async def projects(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=NESTED_FIRST)] = DEFAULT_PAGE_SIZE,
    ) -> list[Annotated[ProjectType, strawberry.lazy(PROJECT_MODULE)]]:
        """Loaded in one batch per request level."""
        from tribe_service.graphql.types.project import ProjectType

        check_page_size(first)
        rows = await info.context.loaders.projects_by_owner.load(self.id)
        return [ProjectType.from_row(row) for row in rows[:first]]

    @strawberry.field(
        description=(
            "Projects this builder collaborates on but does not own, newest invitation first. "
            "`status` defaults to CONFIRMED; pass null for every status."
        )
    )
    async def collaborations(
        self,
        info: Info,
        status: CollaboratorStatus | None = CollaboratorStatus.CONFIRMED,
        first: Annotated[int, strawberry.argument(description=NESTED_FIRST)] = DEFAULT_PAGE_SIZE,
    ) -> list[Annotated[CollaborationType, strawberry.lazy(PROJECT_MODULE)]]:
        """Loaded in one batch per request level and status."""
        from tribe_service.graphql.types.project import CollaborationType

        check_page_size(first)
        rows = await info.context.loaders.collaborations_by_user(status).load(self.id)
        return [CollaborationType.from_row(row) for row in rows[:first]]

    @strawberry.field(description="Tribes this builder is an active member of, by name.")
    async def tribes(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=NESTED_FIRST)] = DEFAULT_PAGE_SIZE,
    ) -> list[Annotated[TribeType, strawberry.lazy(TRIBE_MODULE)]]:
        """Loaded in one batch per request level."""
        from tribe_service.graphql.types.tribe import TribeType

        check_page_size(first)
        rows = await info.context.loaders.tribes_by_member.load(self.id)
        return [TribeType.from_row(row) for row in rows[:first]]

    @strawberry.field(description="What this builder did, newest first: their feed events.")
    async def activity(
        self, info: Info, first: int = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[Annotated[FeedEventType, strawberry.lazy(FEED_EVENT_MODULE)]]:
        """A page of the builder's events; one statement for every builder of a page."""
        from tribe_service.graphql.queries.feed import activity_page

        return await activity_page(info, self.id, first, after)

    @strawberry.field(
        description="The builders most like this one (skills, role, headline and bio), "
        "nearest first; empty until the builder's embedding is computed."
    )
    async def similar_builders(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=NESTED_FIRST)] = DEFAULT_PAGE_SIZE,
    ) -> list[SimilarBuilderType]:
        """Nearest by cosine distance over the HNSW index, batched per request level."""
        loader = info.context.loaders.similar_builders(check_page_size(first))
        rows = await loader.load(self.id)
        return [SimilarBuilderType(user_id=row["id"], similarity=row["similarity"]) for row in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        """Wrap a ``users`` row (``data_access.shapes.USER``)."""
        role = row["primary_role"]
        return cls(
            id=strawberry.ID(row["id"]),
            username=row["username"],
            display_name=row["display_name"],
            avatar_url=row["avatar_url"],
            headline=row["headline"],
            primary_role=UserRole(role) if role else None,
            timezone=row["timezone"],
            availability_status=AvailabilityStatus(row["availability_status"]),
            builder_score=row["builder_score"],
            bio=row["bio"],
            contact_links=from_json(ContactLinks, row["contact_links"]),
            github_username=row["github_username"],
            onboarding_completed=row["onboarding_completed"],
            created_at=row["created_at"],
            private_email=row["email"],
        )


@strawberry.type(name="SimilarBuilder", description="A builder like another, and how alike.")
class SimilarBuilderType:
    """One hit of ``User.similarBuilders``."""

    similarity: float = strawberry.field(
        description="Cosine similarity of the two builders' embeddings, at most 1."
    )
    user_id: strawberry.Private[str]

    @strawberry.field(description="The similar builder.")
    async def user(self, info: Info) -> UserType:
        """Loaded in one batch per request level."""
        return await load_user(info, self.user_id, Relation.SIMILAR_BUILDER_USER)


async def load_user(info: Info, user_id: str, relation: Relation) -> UserType:
    """The user ``user_id`` (a foreign key, so it exists), batched with ``relation``'s loads."""
    row = await info.context.loaders.users(relation).load(user_id)
    if row is None:  # only if the row vanished mid-request
        raise LookupError(f"user {user_id} not found")
    return UserType.from_row(row)
