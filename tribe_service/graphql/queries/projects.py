"""Root fields for projects: ``project(id)`` and the ``projects`` list."""

from __future__ import annotations

import strawberry

from tribe_service.data_access import pages
from tribe_service.data_access.relations import Relation
from tribe_service.data_access.shapes import PROJECT
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import ListedAtRoot, LookedUp, declare
from tribe_service.graphql.pagination import Connection
from tribe_service.graphql.paging import DEFAULT_PAGE_SIZE
from tribe_service.graphql.resolvers import from_row, root_page
from tribe_service.graphql.types.enums import ProjectStatus
from tribe_service.graphql.types.project import ProjectType

PROJECTS = ListedAtRoot(pages.PROJECTS, filters={"status": "status"})


@strawberry.type
class ProjectQuery:
    """Projects."""

    @strawberry.field(
        description="The project with this id, if any.",
        metadata=declare(LookedUp(PROJECT, argument="id", column="id")),
    )
    async def project(self, info: Info, id: strawberry.ID) -> ProjectType | None:
        """One project by id."""
        row = await info.context.loaders.rows(PROJECT, Relation.QUERY_PROJECT).load(str(id))
        return from_row(ProjectType, row) if row else None

    @strawberry.field(
        description="Projects, newest first.",
        metadata=declare(PROJECTS),
    )
    async def projects(
        self,
        info: Info,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        status: ProjectStatus | None = None,
    ) -> Connection[ProjectType] | None:
        """A page of projects, optionally filtered by status."""
        return await root_page(info, PROJECTS, ProjectType, first, after, {"status": status})
