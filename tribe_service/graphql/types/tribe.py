"""GraphQL types for ``tribes``, ``tribe_members`` and ``tribe_open_roles``."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tribe_service.data_access.discovery.lists import CANDIDATE
from tribe_service.data_access.relations import Relation
from tribe_service.data_access.shapes import OPEN_ROLE, TRIBE, TRIBE_MEMBER
from tribe_service.graphql.declarations import row_type
from tribe_service.graphql.resolvers import follows
from tribe_service.graphql.types.enums import MemberRole, MemberStatus, TribeStatus
from tribe_service.graphql.types.skill import SkillType
from tribe_service.graphql.types.user import UserType


@row_type(TRIBE_MEMBER)
@strawberry.type(name="TribeMember", description="A builder's membership of a tribe.")
class TribeMemberType:
    """A row of ``tribe_members``."""

    role: MemberRole
    status: MemberStatus
    joined_at: datetime | None
    user: UserType = follows(Relation.TRIBE_MEMBER_USER, description="The member.")


@row_type(CANDIDATE)
@strawberry.type(name="Candidate", description="A builder who could fill an open role.")
class CandidateType:
    """One hit of ``OpenRole.candidates``."""

    user: UserType = follows(Relation.CANDIDATE_USER, description="The builder.")
    # an open role needs a handful of skills
    matched_skills: list[SkillType] = follows(
        Relation.CANDIDATE_SKILLS,
        description="The role's skills this builder holds, in the role's order.",
        list_size=10,
    )


@row_type(OPEN_ROLE)
@strawberry.type(name="OpenRole", description="A role a tribe wants to fill.")
class OpenRoleType:
    """A row of ``tribe_open_roles``."""

    id: strawberry.ID
    title: str
    skills_needed: list[str] = strawberry.field(description="Skill names, most important first.")
    filled: bool
    candidates: list[CandidateType] = follows(
        Relation.OPEN_ROLE_CANDIDATES,
        description="Builders holding at least one of the skills needed (never the tribe's "
        "owner or active members): most skills held first, then availability (open to a "
        "tribe, available for projects, just browsing), builder score, id.",
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
    owner: UserType = follows(Relation.TRIBE_OWNER, description="The builder who owns the tribe.")
    members: list[TribeMemberType] = follows(
        Relation.TRIBE_MEMBERS,
        description=(
            "Memberships, owners first, then by request time. `status` defaults to ACTIVE; "
            "pass null for every status (pending, rejected, left and removed too)."
        ),
        status=MemberStatus.ACTIVE,
    )
    open_roles: list[OpenRoleType] = follows(
        Relation.TRIBE_OPEN_ROLES, description="Roles the tribe is looking for, by title."
    )
