"""GraphQL types for the ``projects`` and ``project_collaborators`` tables."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

import strawberry

from tribe_service.data_access.discovery import SIMILAR
from tribe_service.data_access.relations import Relation
from tribe_service.data_access.shapes import COLLABORATOR, PROJECT
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import Follows, declare, row_type
from tribe_service.graphql.pagination import DEFAULT_PAGE_SIZE, check_page_size
from tribe_service.graphql.types.enums import CollaboratorStatus, ProjectStatus
from tribe_service.graphql.types.json_objects import ImpactMetrics, ProjectLinks, from_json
from tribe_service.graphql.types.user import NESTED_FIRST, UserType, load_user


@row_type(COLLABORATOR)
@strawberry.type(name="Collaborator", description="A builder collaborating on a project.")
class CollaboratorType:
    """A row of ``project_collaborators``, seen from the project."""

    role: str | None
    status: CollaboratorStatus
    invited_at: datetime
    confirmed_at: datetime | None
    user_id: strawberry.Private[str]

    @strawberry.field(
        description="The collaborating builder.",
        metadata=declare(Follows(Relation.COLLABORATOR_USER)),
    )
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


@row_type(COLLABORATOR)
@strawberry.type(
    name="Collaboration", description="A project a builder works on without owning it."
)
class CollaborationType:
    """A row of ``project_collaborators``, seen from the builder."""

    role: str | None
    status: CollaboratorStatus
    invited_at: datetime
    confirmed_at: datetime | None
    project_id: strawberry.Private[str]

    @strawberry.field(
        description="The project.",
        metadata=declare(Follows(Relation.COLLABORATION_PROJECT)),
    )
    async def project(self, info: Info) -> ProjectType:
        """Loaded in one batch per request level."""
        return await load_project(info, self.project_id, Relation.COLLABORATION_PROJECT)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        """Wrap a ``project_collaborators`` row."""
        return cls(
            role=row["role"],
            status=CollaboratorStatus(row["status"]),
            invited_at=row["invited_at"],
            confirmed_at=row["confirmed_at"],
            project_id=row["project_id"],
        )


@row_type(PROJECT)
@strawberry.type(name="Project", description="Something a builder shipped or is building.")
class ProjectType:
    """A row of ``projects``."""

    id: strawberry.ID
    title: str
    description: str | None
    status: ProjectStatus
    role: str | None
    thumbnail_url: str | None
    links: ProjectLinks
    tech_stack: list[str] = strawberry.field(description="Technologies, in the owner's order.")
    impact_metrics: ImpactMetrics
    github_repo_full_name: str | None
    github_stars: int | None
    created_at: datetime
    updated_at: datetime
    owner_id: strawberry.Private[str]

    @strawberry.field(
        description="The builder who owns the project.",
        metadata=declare(Follows(Relation.PROJECT_OWNER)),
    )
    async def owner(self, info: Info) -> UserType:
        """Loaded in one batch per request level."""
        return await load_user(info, self.owner_id, Relation.PROJECT_OWNER)

    @strawberry.field(
        description=(
            "Builders invited to collaborate, in invitation order. `status` defaults to "
            "CONFIRMED; pass null for every status."
        ),
        metadata=declare(Follows(Relation.PROJECT_COLLABORATORS)),
    )
    async def collaborators(
        self,
        info: Info,
        status: CollaboratorStatus | None = CollaboratorStatus.CONFIRMED,
        first: Annotated[int, strawberry.argument(description=NESTED_FIRST)] = DEFAULT_PAGE_SIZE,
    ) -> list[CollaboratorType]:
        """Loaded in one batch per request level and status."""
        check_page_size(first)
        rows = await info.context.loaders.collaborators_by_project(status).load(str(self.id))
        return [CollaboratorType.from_row(row) for row in rows[:first]]

    @strawberry.field(
        description="The projects most like this one (tech stack, title and description), "
        "nearest first; empty until the project's embedding is computed.",
        metadata=declare(Follows(Relation.PROJECT_SIMILAR_PROJECTS)),
    )
    async def similar_projects(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=NESTED_FIRST)] = DEFAULT_PAGE_SIZE,
    ) -> list[SimilarProjectType]:
        """Nearest by cosine distance over the HNSW index, batched per request level."""
        loader = info.context.loaders.similar_projects(check_page_size(first))
        rows = await loader.load(str(self.id))
        return [
            SimilarProjectType(project_id=row["id"], similarity=row["similarity"]) for row in rows
        ]

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
            links=from_json(ProjectLinks, row["links"]),
            tech_stack=list(row["tech_stack"] or []),
            impact_metrics=from_json(ImpactMetrics, row["impact_metrics"]),
            github_repo_full_name=row["github_repo_full_name"],
            github_stars=row["github_stars"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            owner_id=row["owner_id"],
        )


@row_type(SIMILAR)
@strawberry.type(name="SimilarProject", description="A project like another, and how alike.")
class SimilarProjectType:
    """One hit of ``Project.similarProjects``."""

    similarity: float = strawberry.field(
        description="Cosine similarity of the two projects' embeddings, at most 1."
    )
    project_id: strawberry.Private[str]

    @strawberry.field(
        description="The similar project.",
        metadata=declare(Follows(Relation.SIMILAR_PROJECT_PROJECT)),
    )
    async def project(self, info: Info) -> ProjectType:
        """Loaded in one batch per request level."""
        return await load_project(info, self.project_id, Relation.SIMILAR_PROJECT_PROJECT)


async def load_project(info: Info, project_id: str, relation: Relation) -> ProjectType:
    """The project ``project_id`` (a foreign key, so it exists), batched with ``relation``'s loads."""
    row = await info.context.loaders.projects(relation).load(project_id)
    if row is None:  # only if the row vanished mid-request
        raise LookupError(f"project {project_id} not found")
    return ProjectType.from_row(row)
