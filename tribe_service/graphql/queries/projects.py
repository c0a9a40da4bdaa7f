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
from tribe_service.graphql.resolvers import root_lookup, root_page
from tribe_service.graphql.types.enums import ProjectStatus
from tribe_service.graphql.types.project import ProjectType

PROJECT_BY_ID = LookedUp(PROJECT, argument="id", column="id", batch=Relation.QUERY_PROJECT)
PROJECTS = ListedAtRoot(pages.PROJECTS, filters={"status": "status"})


@strawberry.type
class ProjectQuery:
    """Projects."""

    @strawberry.field(
        description="The project with this id, if any.",
        metadata=declare(PROJECT_BY_ID),
    )
    async def project(self, info: Info, id: strawberry.ID) -> ProjectType | None:
        """One project by id."""
        return await root_lookup(info, PROJECT_BY_ID, ProjectType, str(id))

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
