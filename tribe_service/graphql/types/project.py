"""GraphQL types for the ``projects`` and ``project_collaborators`` tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry.scalars import JSON

from tribe_service.data_access.relations import Relation
from tribe_service.graphql.context import Info
from tribe_service.graphql.types.enums import CollaboratorStatus, ProjectStatus
from tribe_service.graphql.types.user import UserType, load_user


@strawberry.type(name="Collaborator", description="A builder collaborating on a project.")
class CollaboratorType:
    """A row of ``project_collaborators``."""

    role: str | None
    status: CollaboratorStatus
    invited_at: datetime
    confirmed_at: datetime | None
    user_id: strawberry.Private[str]

    @strawberry.field(description="The collaborating builder.")
    async def user(self, info: Info) -> UserType:
        """Loaded in one batch per request level."""
        return await load_user(info, self.user_id, Relation.COLLABORATOR_USER)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        """Wrap a ``project_collaborators`` row."""
        return cls(
            role=row["role"],
            status=CollaboratorStatus(row["status"]),
            invited_at=row["invited_at"],
            confirmed_at=row["confirmed_at"],
            user_id=row["user_id"],
        )


@strawberry.type(name="Project", description="Something a builder shipped or is building.")
class ProjectType:
    """A row of ``projects``."""

    id: strawberry.ID
    title: str
    description: str | None
    status: ProjectStatus
    role: str | None
    thumbnail_url: str | None
    links: JSON
    tech_stack: JSON
    impact_metrics: JSON
    github_repo_full_name: str | None
    github_stars: int | None
    created_at: datetime
    updated_at: datetime
    owner_id: strawberry.Private[str]

    @strawberry.field(description="The builder who owns the project.")
    async def owner(self, info: Info) -> UserType:
        """Loaded in one batch per request level."""
        return await load_user(info, self.owner_id, Relation.PROJECT_OWNER)

    @strawberry.field(description="Everyone invited to collaborate, in invitation order.")
    async def collaborators(self, info: Info) -> list[CollaboratorType]:
        """Loaded in one batch per request level."""
        rows = await info.context.loaders.related(Relation.PROJECT_COLLABORATORS).load(self.id)
        return [CollaboratorType.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        """Wrap a ``projects`` row (``data_access.shapes.PROJECT``)."""
        return cls(
            id=strawberry.ID(row["id"]),
            title=row["title"],
            description=row["description"],
            status=ProjectStatus(row["status"]),
            role=row["role"],
            thumbnail_url=row["thumbnail_url"],
            links=row["links"],
            tech_stack=row["tech_stack"],
            impact_metrics=row["impact_metrics"],
            github_repo_full_name=row["github_repo_full_name"],
            github_stars=row["github_stars"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            owner_id=row["owner_id"],
        )
