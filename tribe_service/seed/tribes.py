"""The three tribes of the prototype, their members and their open roles.

Every member, the owner included, has an ACTIVE ``tribe_members`` row with
``joined_at`` set; the owner's role is OWNER, everyone else's MEMBER. Open roles
list the skills they need by skill name, in the listed order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from tribe_service.enums import MemberRole, MemberStatus, TribeStatus
from tribe_service.seed.common import SeedContext, insert_rows, row_id
from tribe_service.tables import Tribe, TribeMember, TribeOpenRole

# Open roles are "posted" this far apart after the tribe is created, in the listed order.
OPEN_ROLE_STEP: Final = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class MemberSeed:
    """A member (not the owner); ``joined`` is an age at seeding time."""

    username: str
    joined: timedelta


@dataclass(frozen=True, slots=True)
class OpenRoleSeed:
    """A role the tribe is looking for."""

    title: str
    skills_needed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TribeSeed:
    """One seeded tribe; ``created`` is an age at seeding time (the owner joins then)."""

    name: str
    owner: str  # username
    status: TribeStatus
    mission: str
    created: timedelta
    members: tuple[MemberSeed, ...] = ()
    open_roles: tuple[OpenRoleSeed, ...] = ()
    max_members: int = 8


TRIBES: Final[tuple[TribeSeed, ...]] = (
    TribeSeed(
        name="Hospitality OS",
        owner="tomnakamura",
        status=TribeStatus.OPEN,
        mission="Building the operating system for independent hotels.",
        created=timedelta(hours=30),  # feed event 8
        members=(
            MemberSeed(username="mayachen", joined=timedelta(hours=20)),
            MemberSeed(username="jamesokafor", joined=timedelta(hours=8)),  # feed event 4
        ),
        open_roles=(
            OpenRoleSeed(title="Backend Engineer", skills_needed=("Go", "PostgreSQL")),
            OpenRoleSeed(title="Growth Marketer", skills_needed=("SEO", "Partnerships")),
        ),
    ),
    TribeSeed(
        name="AI for Education",
        owner="sarahkim",
        status=TribeStatus.OPEN,
        mission="Making personalized learning accessible to every student.",
        created=timedelta(hours=60),  # feed event 12
        members=(MemberSeed(username="alexrivera", joined=timedelta(hours=48)),),
        open_roles=(
            OpenRoleSeed(title="Product Designer", skills_needed=("Figma", "User Research")),
        ),
    ),
    TribeSeed(
        name="Creator Economy Tools",
        owner="elenavolkov",
        status=TribeStatus.ACTIVE,
        mission="Empowering independent creators with better business tools.",
        created=timedelta(days=20),
        members=(
            MemberSeed(username="marcusjohnson", joined=timedelta(hours=36)),  # feed event 9
        ),
    ),
)

TRIBES_BY_NAME: Final[dict[str, TribeSeed]] = {tribe.name: tribe for tribe in TRIBES}


async def seed_tribes(context: SeedContext) -> None:
    """Insert the tribes, memberships and open roles; fills ``context.tribe_ids`` (name -> id)."""
    tribes = []
    members = []
    open_roles = []
    for tribe in TRIBES:
        created_at = context.ago(tribe.created)
        tribe_id = row_id(created_at)
        context.tribe_ids[tribe.name] = tribe_id
        tribes.append(
            {
                "id": tribe_id,
                "owner_id": context.user_ids[tribe.owner],
                "name": tribe.name,
                "mission": tribe.mission,
                "status": tribe.status,
                "max_members": tribe.max_members,
                "created_at": created_at,
                "updated_at": created_at,
            }
        )
        memberships = [(tribe.owner, MemberRole.OWNER, created_at)] + [
            (member.username, MemberRole.MEMBER, context.ago(member.joined))
            for member in tribe.members
        ]
        for username, role, joined_at in memberships:
            members.append(
                {
                    "id": row_id(joined_at),
                    "tribe_id": tribe_id,
                    "user_id": context.user_ids[username],
                    "role": role,
                    "status": MemberStatus.ACTIVE,
                    "joined_at": joined_at,
                    "requested_at": joined_at,
                }
            )
        for position, open_role in enumerate(tribe.open_roles):
            open_roles.append(
                {
                    "id": row_id(created_at + position * OPEN_ROLE_STEP),
                    "tribe_id": tribe_id,
                    "title": open_role.title,
                    "skills_needed": list(open_role.skills_needed),
                    "filled": False,
                    "filled_by": None,
                }
            )
    await insert_rows(Tribe, tribes)
    await insert_rows(TribeMember, members)
    await insert_rows(TribeOpenRole, open_roles)
