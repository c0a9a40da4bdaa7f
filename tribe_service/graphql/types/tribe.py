"""GraphQL types for ``tribes``, ``tribe_members`` and ``tribe_open_roles``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

import strawberry

from tribe_service.data_access.discovery import CANDIDATE
from tribe_service.data_access.relations import Relation
from tribe_service.data_access.shapes import OPEN_ROLE, TRIBE, TRIBE_MEMBER
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import Follows, declare, row_type
from tribe_service.graphql.pagination import DEFAULT_PAGE_SIZE, check_page_size
from tribe_service.graphql.types.enums import MemberRole, MemberStatus, TribeStatus
from tribe_service.graphql.types.skill import SkillType
from tribe_service.graphql.types.user import NESTED_FIRST, UserType, load_user


@row_type(TRIBE_MEMBER)
@strawberry.type(name="TribeMember", description="A builder's membership of a tribe.")
class TribeMemberType:
    """A row of ``tribe_members``."""

    role: MemberRole
    status: MemberStatus
    joined_at: datetime | None
    user_id: strawberry.Private[str]

    @strawberry.field(
        description="The member.",
        metadata=declare(Follows(Relation.TRIBE_MEMBER_USER)),
    )
    async def user(self, info: Info) -> UserType:
        """Loaded in one batch per request level."""
        return await load_user(info, self.user_id, Relation.TRIBE_MEMBER_USER)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        """Wrap a ``tribe_members`` row."""
        return cls(
            role=MemberRole(row["role"]),
            status=MemberStatus(row["status"]),
            joined_at=row["joined_at"],
            user_id=row["user_id"],
        )


@row_type(CANDIDATE)
@strawberry.type(name="Candidate", description="A builder who could fill an open role.")
class CandidateType:
    """One hit of ``OpenRole.candidates``."""

    user_id: strawberry.Private[str]
    skill_ids: strawberry.Private[list[str]]

    @strawberry.field(
        description="The builder.",
        metadata=declare(Follows(Relation.CANDIDATE_USER)),
    )
    async def user(self, info: Info) -> UserType:
        """Loaded in one batch per request level."""
        return await load_user(info, self.user_id, Relation.CANDIDATE_USER)

    @strawberry.field(
        description="The role's skills this builder holds, in the role's order.",
        # an open role needs a handful of skills
        metadata=declare(Follows(Relation.CANDIDATE_SKILLS, list_size=10)),
    )
    async def matched_skills(self, info: Info) -> list[SkillType]:
        """Loaded in one batch per request level."""
        rows = await info.context.loaders.skills(Relation.CANDIDATE_SKILLS).load_many(
            self.skill_ids
        )
        return [SkillType.from_row(row) for row in rows if row is not None]


@row_type(OPEN_ROLE)
@strawberry.type(name="OpenRole", description="A role a tribe wants to fill.")
class OpenRoleType:
    """A row of ``tribe_open_roles``."""

    id: strawberry.ID
    title: str
    skills_needed: list[str] = strawberry.field(description="Skill names, most important first.")
    filled: bool

    @strawberry.field(
        description="Builders holding at least one of the skills needed (never the tribe's "
        "owner or active members): most skills held first, then availability (open to a "
        "tribe, available for projects, just browsing), builder score, id.",
        metadata=declare(Follows(Relation.OPEN_ROLE_CANDIDATES)),
    )
    async def candidates(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=NESTED_FIRST)] = DEFAULT_PAGE_SIZE,
    ) -> list[CandidateType]:
        """Ranked in SQL, batched per request level."""
        loader = info.context.loaders.candidates_by_role(check_page_size(first))
        rows = await loader.load(str(self.id))
        return [CandidateType(user_id=row["user_id"], skill_ids=row["skill_ids"]) for row in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        """Wrap a ``tribe_open_roles`` row."""
        return cls(
            id=strawberry.ID(row["id"]),
            title=row["title"],
            skills_needed=list(row["skills_needed"] or []),
            filled=row["filled"],
        )


@row_type(TRIBE)
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

    @strawberry.field(
        description="The builder who owns the tribe.",
        metadata=declare(Follows(Relation.TRIBE_OWNER)),
    )
    async def owner(self, info: Info) -> UserType:
        """Loaded in one batch per request level."""
        return await load_user(info, self.owner_id, Relation.TRIBE_OWNER)

    @strawberry.field(
        description=(
            "Memberships, owners first, then by request time. `status` defaults to ACTIVE; "
            "pass null for every status (pending, rejected, left and removed too)."
        ),
        metadata=declare(Follows(Relation.TRIBE_MEMBERS)),
    )
    async def members(
        self,
        info: Info,
        status: MemberStatus | None = MemberStatus.ACTIVE,
        first: Annotated[int, strawberry.argument(description=NESTED_FIRST)] = DEFAULT_PAGE_SIZE,
    ) -> list[TribeMemberType]:
        """Loaded in one batch per request level and status."""
        check_page_size(first)
        rows = await info.context.loaders.members_by_tribe(status).load(str(self.id))
        return [TribeMemberType.from_row(row) for row in rows[:first]]

    @strawberry.field(
        description="Roles the tribe is looking for, by title.",
        metadata=declare(Follows(Relation.TRIBE_OPEN_ROLES)),
    )
    async def open_roles(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=NESTED_FIRST)] = DEFAULT_PAGE_SIZE,
    ) -> list[OpenRoleType]:
        """Loaded in one batch per request level."""
        check_page_size(first)
        rows = await info.context.loaders.open_roles_by_tribe.load(str(self.id))
        return [OpenRoleType.from_row(row) for row in rows[:first]]

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
