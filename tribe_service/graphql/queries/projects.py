"""Root fields for projects: ``project(id)`` and the ``projects`` list."""

from __future__ import annotations

from typing import Any

import strawberry

from tribe_service.graphql.context import Info
from tribe_service.graphql.loaders import PROJECT_COLUMNS, Relation
from tribe_service.graphql.pagination import DEFAULT_PAGE_SIZE, Connection
from tribe_service.graphql.queries.newest_first import newest_first_connection
from tribe_service.graphql.types.enums import ProjectStatus
from tribe_service.graphql.types.project import ProjectType
from tribe_service.tables import Project

CURSOR_KIND = "projects"


@strawberry.type
class ProjectQuery:
    """Projects."""

    @strawberry.field(description="The project with this id, if any.")
    async def project(self, info: Info, id: strawberry.ID) -> ProjectType | None:
        """One project by id."""
        row = await info.context.loaders.projects(Relation.QUERY_PROJECT).load(str(id))
        return ProjectType.from_row(row) if row else None

    @strawberry.field(description="Projects, newest first.")
    async def projects(
        self,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        status: ProjectStatus | None = None,
    ) -> Connection[ProjectType] | None:
        """A page of projects, optionally filtered by status."""
        where: list[Any] = [] if status is None else [Project.status == status.value]
        return await newest_first_connection(
            Project,
            PROJECT_COLUMNS,
            *where,
            first=first,
            after=after,
            kind=CURSOR_KIND,
            to_node=ProjectType.from_row,
        )
