"""Root fields for projects: ``project(id)`` and the ``projects`` list."""

from __future__ import annotations

from functools import partial

import strawberry

from tribe_service.data_access import pages
from tribe_service.data_access.relations import Relation
from tribe_service.data_access.shapes import PROJECT
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import ListedAtRoot, LookedUp, declare
from tribe_service.graphql.pagination import (
    DEFAULT_PAGE_SIZE,
    Connection,
    enum_filters,
    fetch_connection,
)
from tribe_service.graphql.resolvers import from_row
from tribe_service.graphql.types.enums import ProjectStatus
from tribe_service.graphql.types.project import ProjectType


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
        metadata=declare(ListedAtRoot(pages.PROJECTS, filters={"status": "status"})),
    )
    async def projects(
        self,
        info: Info,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        status: ProjectStatus | None = None,
    ) -> Connection[ProjectType] | None:
        """A page of projects, optionally filtered by status."""
        filters = enum_filters(status=status)
        return await fetch_connection(
            info.context.engine,
            pages.PROJECTS,
            partial(from_row, ProjectType),
            first,
            after,
            filters,
        )
