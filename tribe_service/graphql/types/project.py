"""GraphQL types for the ``projects`` and ``project_collaborators`` tables."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tribe_service.data_access.discovery.lists import SIMILAR
from tribe_service.data_access.relations import Relation
from tribe_service.data_access.shapes import COLLABORATOR, PROJECT
from tribe_service.graphql.declarations import row_type
from tribe_service.graphql.resolvers import follows
from tribe_service.graphql.types.enums import CollaboratorStatus, ProjectStatus
from tribe_service.graphql.types.json_objects import ImpactMetrics, ProjectLinks
from tribe_service.graphql.types.user import UserType


@row_type(COLLABORATOR)
@strawberry.type(name="Collaborator", description="A builder collaborating on a project.")
class CollaboratorType:
    """A row of ``project_collaborators``, seen from the project."""

    role: str | None
    status: CollaboratorStatus
    invited_at: datetime
    confirmed_at: datetime | None
    user: UserType = follows(Relation.COLLABORATOR_USER, description="The collaborating builder.")


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
    project: ProjectType = follows(Relation.COLLABORATION_PROJECT, description="The project.")


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
    owner: UserType = follows(
        Relation.PROJECT_OWNER, description="The builder who owns the project."
    )
    collaborators: list[CollaboratorType] = follows(
        Relation.PROJECT_COLLABORATORS,
        description=(
            "Builders invited to collaborate, in invitation order. `status` defaults to "
            "CONFIRMED; pass null for every status."
        ),
        status=CollaboratorStatus.CONFIRMED,
    )
    similar_projects: list[SimilarProjectType] = follows(
        Relation.PROJECT_SIMILAR_PROJECTS,
        description="The projects most like this one (tech stack, title and description), "
        "nearest first; empty until the project's embedding is computed.",
    )


@row_type(SIMILAR)
@strawberry.type(name="SimilarProject", description="A project like another, and how alike.")
class SimilarProjectType:
    """One hit of ``Project.similarProjects``."""

    similarity: float = strawberry.field(
        description="Cosine similarity of the two projects' embeddings, at most 1."
    )
    project: ProjectType = follows(
        Relation.SIMILAR_PROJECT_PROJECT, description="The similar project."
    )
