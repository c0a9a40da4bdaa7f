"""The ``input`` of every mutation. A field left out is left as it is; ``null`` clears it.

Field names are the columns' (camelCased by Strawberry), so :func:`column_values`
turns an input into the values of its row; ids and ``expectedUpdatedAt`` are not
columns and are read by the mutation itself.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from enum import Enum
from typing import Any

import msgspec
import strawberry

from tribe_service.graphql.types.enums import (
    AvailabilityStatus,
    ProjectStatus,
    TribeStatus,
    UserRole,
)

UNSET: Any = strawberry.UNSET
NOT_COLUMNS = frozenset(
    {"id", "project_id", "tribe_id", "user_id", "role_id", "expected_updated_at", "idempotency_key"}
)
EXPECTED_UPDATED_AT = (
    "The `updatedAt` this edit is based on: if the row changed since, nothing is written "
    "and `userErrors` says STALE."
)
IDEMPOTENCY_KEY = (
    "Any string up to 100 characters, new for each create: a retry with the same key and "
    "input returns the first result instead of creating twice."
)


@strawberry.input(description="Where to reach a builder; each an http(s) URL.")
class ContactLinksInput:
    """``users.contact_links``."""

    twitter: str | None = None
    github: str | None = None
    linkedin: str | None = None
    website: str | None = None


@strawberry.input(description="Where a project lives; each an http(s) URL.")
class ProjectLinksInput:
    """``projects.links``."""

    github: str | None = None
    demo: str | None = None
    website: str | None = None


@strawberry.input(description="What a project card shows as numbers.")
class ImpactMetricsInput:
    """``projects.impact_metrics``."""

    users: int | None = None
    stars: int | None = None


@strawberry.input(description="The viewer's profile; fields left out stay as they are.")
class UpdateProfileInput:
    """``updateProfile``."""

    expected_updated_at: datetime = strawberry.field(description=EXPECTED_UPDATED_AT)
    display_name: str | None = UNSET
    headline: str | None = UNSET
    bio: str | None = UNSET
    primary_role: UserRole | None = UNSET
    timezone: str | None = UNSET
    availability_status: AvailabilityStatus | None = UNSET
    contact_links: ContactLinksInput | None = UNSET
    avatar_url: str | None = UNSET


@strawberry.input(description="The viewer's whole skill list, in order (at most 20).")
class SetSkillsInput:
    """``setSkills``."""

    skills: list[str] = strawberry.field(description="Skill ids or slugs.")


@strawberry.input(description="A new project, owned by the viewer.")
class CreateProjectInput:
    """``createProject``."""

    title: str
    description: str | None = UNSET
    status: ProjectStatus | None = UNSET
    role: str | None = UNSET
    thumbnail_url: str | None = UNSET
    links: ProjectLinksInput | None = UNSET
    tech_stack: list[str] | None = UNSET
    impact_metrics: ImpactMetricsInput | None = UNSET
    github_repo_full_name: str | None = UNSET
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="An edit of one of the viewer's projects.")
class UpdateProjectInput:
    """``updateProject``."""

    project_id: strawberry.ID
    expected_updated_at: datetime = strawberry.field(description=EXPECTED_UPDATED_AT)
    title: str | None = UNSET
    description: str | None = UNSET
    status: ProjectStatus | None = UNSET
    role: str | None = UNSET
    thumbnail_url: str | None = UNSET
    links: ProjectLinksInput | None = UNSET
    tech_stack: list[str] | None = UNSET
    impact_metrics: ImpactMetricsInput | None = UNSET
    github_repo_full_name: str | None = UNSET


@strawberry.input(description="A project of the viewer's.")
class ProjectInput:
    """``archiveProject``, ``leaveProject``."""

    project_id: strawberry.ID


@strawberry.input(description="A builder to invite to one of the viewer's projects.")
class InviteCollaboratorInput:
    """``inviteCollaborator``."""

    project_id: strawberry.ID
    user_id: strawberry.ID
    role: str | None = None


@strawberry.input(description="The viewer's answer to an invitation to a project.")
class RespondToCollaborationInput:
    """``respondToCollaboration``."""

    project_id: strawberry.ID
    accept: bool


@strawberry.input(description="A builder on one of the viewer's projects.")
class ProjectMemberInput:
    """``removeCollaborator``."""

    project_id: strawberry.ID
    user_id: strawberry.ID


@strawberry.input(description="A new tribe, owned by the viewer (its first active member).")
class CreateTribeInput:
    """``createTribe``."""

    name: str
    mission: str | None = UNSET
    status: TribeStatus | None = UNSET
    max_members: int | None = UNSET
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="An edit of one of the viewer's tribes.")
class UpdateTribeInput:
    """``updateTribe``."""

    tribe_id: strawberry.ID
    expected_updated_at: datetime = strawberry.field(description=EXPECTED_UPDATED_AT)
    name: str | None = UNSET
    mission: str | None = UNSET
    status: TribeStatus | None = UNSET
    max_members: int | None = UNSET


@strawberry.input(description="A tribe.")
class TribeInput:
    """``requestToJoinTribe``, ``leaveTribe``."""

    tribe_id: strawberry.ID


@strawberry.input(description="The owner's answer to a request to join their tribe.")
class RespondToJoinRequestInput:
    """``respondToJoinRequest``."""

    tribe_id: strawberry.ID
    user_id: strawberry.ID
    approve: bool


@strawberry.input(description="A member of one of the viewer's tribes.")
class TribeMemberInput:
    """``removeMember``."""

    tribe_id: strawberry.ID
    user_id: strawberry.ID


@strawberry.input(description="A new open role of one of the viewer's tribes.")
class AddOpenRoleInput:
    """``addOpenRole``."""

    tribe_id: strawberry.ID
    title: str
    skills_needed: list[str] | None = UNSET


@strawberry.input(description="An edit of an open role that is not filled yet.")
class UpdateOpenRoleInput:
    """``updateOpenRole``."""

    role_id: strawberry.ID
    title: str | None = UNSET
    skills_needed: list[str] | None = UNSET


@strawberry.input(description="An open role, filled by an active member of its tribe.")
class FillOpenRoleInput:
    """``fillOpenRole``."""

    role_id: strawberry.ID
    user_id: strawberry.ID


@strawberry.input(description="An open role of one of the viewer's tribes.")
class OpenRoleInput:
    """``closeOpenRole``."""

    role_id: strawberry.ID


def column_values(data: object) -> dict[str, Any]:
    """The input's columns that were given, as the database takes them.

    Enums by value; objects and lists (JSONB columns) as JSON text, an object's
    fields left out or null dropped.
    """
    return {
        field.name: _column_value(getattr(data, field.name))
        for field in dataclasses.fields(data)  # type: ignore[arg-type]
        if field.name not in NOT_COLUMNS and getattr(data, field.name) is not UNSET
    }


def _column_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return msgspec.json.encode({k: v for k, v in fields.items() if v is not None}).decode()
    if isinstance(value, list):
        return msgspec.json.encode(value).decode()
    return value
