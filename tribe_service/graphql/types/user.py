"""GraphQL type for the ``users`` table."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry.scalars import JSON

from tribe_service.data_access.relations import Relation
from tribe_service.graphql.context import Info
from tribe_service.graphql.types.enums import AvailabilityStatus, UserRole
from tribe_service.graphql.types.skill import SkillType

if TYPE_CHECKING:
    from tribe_service.graphql.types.project import ProjectType
    from tribe_service.graphql.types.tribe import TribeType


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
        rows = await info.context.loaders.related(Relation.USER_SKILLS).load(self.id)
        return [SkillType.from_row(row) for row in rows]

    @strawberry.field(description="Projects this builder owns, newest first.")
    async def projects(
        self, info: Info
    ) -> list[Annotated[ProjectType, strawberry.lazy("tribe_service.graphql.types.project")]]:
        """Loaded in one batch per request level."""
        from tribe_service.graphql.types.project import ProjectType

        rows = await info.context.loaders.related(Relation.USER_PROJECTS).load(self.id)
        return [ProjectType.from_row(row) for row in rows]

    @strawberry.field(description="Tribes this builder is an active member of, by name.")
    async def tribes(
        self, info: Info
    ) -> list[Annotated[TribeType, strawberry.lazy("tribe_service.graphql.types.tribe")]]:
        """Loaded in one batch per request level."""
        from tribe_service.graphql.types.tribe import TribeType

        rows = await info.context.loaders.related(Relation.USER_TRIBES).load(self.id)
        return [TribeType.from_row(row) for row in rows]

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
            contact_links=row["contact_links"],
            github_username=row["github_username"],
            onboarding_completed=row["onboarding_completed"],
            created_at=row["created_at"],
            private_email=row["email"],
        )


async def load_user(info: Info, user_id: str, relation: Relation) -> UserType:
    """The user ``user_id`` (a foreign key, so it exists), batched with ``relation``'s loads."""
    row = await info.context.loaders.users(relation).load(user_id)
    if row is None:  # only if the row vanished mid-request
        raise LookupError(f"user {user_id} not found")
    return UserType.from_row(row)
