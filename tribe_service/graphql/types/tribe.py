"""GraphQL types for ``tribes``, ``tribe_members`` and ``tribe_open_roles``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry.scalars import JSON

from tribe_service.data_access.relations import Relation
from tribe_service.graphql.context import Info
from tribe_service.graphql.types.enums import MemberRole, MemberStatus, TribeStatus
from tribe_service.graphql.types.user import UserType, load_user


@strawberry.type(name="TribeMember", description="A builder's membership of a tribe.")
class TribeMemberType:
    """A row of ``tribe_members``."""

    role: MemberRole
    status: MemberStatus
    joined_at: datetime | None
    user_id: strawberry.Private[str]

    @strawberry.field(description="The member.")
    async def user(self, info: Info) -> UserType:
        """Loaded in one batch per request level."""
        return await load_user(info, self.user_id, Relation.MEMBER_USER)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        """Wrap a ``tribe_members`` row."""
        return cls(
            role=MemberRole(row["role"]),
            status=MemberStatus(row["status"]),
            joined_at=row["joined_at"],
            user_id=row["user_id"],
        )


@strawberry.type(name="OpenRole", description="A role a tribe wants to fill.")
class OpenRoleType:
    """A row of ``tribe_open_roles``."""

    id: strawberry.ID
    title: str
    skills_needed: JSON
    filled: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        """Wrap a ``tribe_open_roles`` row."""
        return cls(
            id=strawberry.ID(row["id"]),
            title=row["title"],
            skills_needed=row["skills_needed"],
            filled=row["filled"],
        )


@strawberry.type(name="Tribe", description="A small team of builders.")
class TribeType:
    """A row of ``tribes``."""

    id: strawberry.ID
    name: str
    mission: str | None
    status: TribeStatus
    max_members: int
    created_at: datetime
    updated_at: datetime
    owner_id: strawberry.Private[str]

    @strawberry.field(description="The builder who owns the tribe.")
    async def owner(self, info: Info) -> UserType:
        """Loaded in one batch per request level."""
        return await load_user(info, self.owner_id, Relation.TRIBE_OWNER)

    @strawberry.field(description="Memberships of every status: owners first.")
    async def members(self, info: Info) -> list[TribeMemberType]:
        """Loaded in one batch per request level."""
        rows = await info.context.loaders.related(Relation.TRIBE_MEMBERS).load(self.id)
        return [TribeMemberType.from_row(row) for row in rows]

    @strawberry.field(description="Roles the tribe is looking for, by title.")
    async def open_roles(self, info: Info) -> list[OpenRoleType]:
        """Loaded in one batch per request level."""
        rows = await info.context.loaders.related(Relation.TRIBE_OPEN_ROLES).load(self.id)
        return [OpenRoleType.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        """Wrap a ``tribes`` row (``data_access.shapes.TRIBE``)."""
        return cls(
            id=strawberry.ID(row["id"]),
            name=row["name"],
            mission=row["mission"],
            status=TribeStatus(row["status"]),
            max_members=row["max_members"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            owner_id=row["owner_id"],
        )
