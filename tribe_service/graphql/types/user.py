"""GraphQL type for the ``users`` table."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry.scalars import JSON

from tribe_service.graphql.context import Context
from tribe_service.graphql.pagination import DEFAULT_PAGE_SIZE, check_page_size
from tribe_service.graphql.types.enums import AvailabilityStatus, UserRole
from tribe_service.graphql.types.skill import SkillType

if TYPE_CHECKING:
    from tribe_service.graphql.types.project import ProjectType
    from tribe_service.graphql.types.tribe import TribeType

Info = strawberry.Info[Context, None]


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
    contact_links: JSON
    github_username: str | None
    onboarding_completed: bool
    created_at: datetime
    private_email: strawberry.Private[str]

    @strawberry.field(description="Only the viewer's own email; null for everyone else.")
    def email(self, info: Info) -> str | None:
        """The email, if the viewer is this user."""
        return self.private_email if info.context.current_user_id == self.id else None

    @strawberry.field(description="The builder's skills, in the order they were added.")
    async def skills(self, info: Info) -> list[SkillType]:
        """Loaded in one batch per request level."""
        rows = await info.context.loaders.skills_by_user.load(self.id)
        return [SkillType.from_row(row) for row in rows]

    @strawberry.field(description="Projects this builder owns, newest first.")
    async def projects(
        self, info: Info
    ) -> list[Annotated[ProjectType, strawberry.lazy("tribe_service.graphql.types.project")]]:
        """Loaded in one batch per request level."""
        from tribe_service.graphql.types.project import ProjectType

        rows = await info.context.loaders.projects_by_owner.load(self.id)
        return [ProjectType.from_row(row) for row in rows]

    @strawberry.field(description="Tribes this builder is an active member of, by name.")
    async def tribes(
        self, info: Info
    ) -> list[Annotated[TribeType, strawberry.lazy("tribe_service.graphql.types.tribe")]]:
        """Loaded in one batch per request level."""
        from tribe_service.graphql.types.tribe import TribeType

        rows = await info.context.loaders.tribes_by_member.load(self.id)
        return [TribeType.from_row(row) for row in rows]

    @strawberry.field(
        description="The builders most like this one (skills, role, headline and bio), "
        "nearest first; empty until the builder's embedding is computed."
    )
    async def similar_builders(
        self, info: Info, first: int = DEFAULT_PAGE_SIZE
    ) -> list[SimilarBuilderType]:
        """Nearest by cosine distance over the HNSW index, batched per request level."""
        rows = await info.context.loaders.similar_builders(check_page_size(first)).load(self.id)
        return [SimilarBuilderType(user_id=row["id"], similarity=row["similarity"]) for row in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        """Wrap a ``users`` row (see ``loaders.USER_COLUMNS``)."""
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
            contact_links=row["contact_links"],
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
        return await load_user(info, self.user_id, "similar_builder.user")


async def load_user(info: Info, user_id: str, relation: str) -> UserType:
    """The user ``user_id`` (a foreign key, so it exists), batched with ``relation``'s loads."""
    row = await info.context.loaders.users(relation).load(user_id)
    if row is None:  # only if the row vanished mid-request
        raise LookupError(f"user {user_id} not found")
    return UserType.from_row(row)
