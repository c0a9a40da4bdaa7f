"""``<Mutation>Payload``: the changed object, ``viewer`` and ``userErrors``.

The object is read by id after the write, inside the operation's transaction
(:mod:`.transaction`), through the request's DataLoaders; null when the write
was refused.
"""

from __future__ import annotations

from typing import Any

import strawberry

from tribe_service.data_access.relations import Relation
from tribe_service.data_access.shapes import (
    COLLABORATOR,
    OPEN_ROLE,
    PROJECT,
    TRIBE,
    TRIBE_MEMBER,
    USER,
    RowShape,
)
from tribe_service.graphql.context import Info
from tribe_service.graphql.mutations.user_errors import UserError
from tribe_service.graphql.resolvers import from_row
from tribe_service.graphql.types.project import CollaboratorType, ProjectType
from tribe_service.graphql.types.tribe import OpenRoleType, TribeMemberType, TribeType
from tribe_service.graphql.types.user import UserType


async def _row(info: Info, shape: RowShape, relation: Relation, row_id: str | None) -> Any:
    if row_id is None:
        return None
    return await info.context.loaders.rows(shape, relation).load(row_id)


def written_row(shape: RowShape, cls: type, description: str) -> Any:
    """The payload's field holding the row the mutation wrote (null if it wrote none)."""

    async def resolve(root: Payload, info: Info) -> Any:
        row = await _row(info, shape, Relation.WRITTEN_ROW, root.written_id)
        return from_row(cls, row) if row else None

    resolve.__annotations__["return"] = cls | None
    return strawberry.field(resolver=resolve, description=description)


@strawberry.type
class Payload:
    """What every payload has: ``viewer`` and ``userErrors``."""

    written_id: strawberry.Private[str | None]
    viewer_id: strawberry.Private[str | None]
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was written; empty when the write took effect."
    )

    @strawberry.field(description="The signed-in builder, after the write.")
    async def viewer(self, info: Info) -> UserType | None:
        """The viewer's row, read in the write's transaction."""
        row = await _row(info, USER, Relation.PAYLOAD_VIEWER, self.viewer_id)
        return from_row(UserType, row) if row else None


@strawberry.type(description="What `updateProfile` did.")
class UpdateProfilePayload(Payload):
    """The payload of ``updateProfile``."""

    user: UserType | None = written_row(USER, UserType, "The viewer, after the write.")


@strawberry.type(description="What `setSkills` did.")
class SetSkillsPayload(Payload):
    """The payload of ``setSkills``."""

    user: UserType | None = written_row(USER, UserType, "The viewer, after the write.")


@strawberry.type(description="What `completeOnboarding` did.")
class CompleteOnboardingPayload(Payload):
    """The payload of ``completeOnboarding``."""

    user: UserType | None = written_row(USER, UserType, "The viewer, after the write.")


@strawberry.type(description="What `createProject` did.")
class CreateProjectPayload(Payload):
    """The payload of ``createProject``."""

    project: ProjectType | None = written_row(PROJECT, ProjectType, "The project, after the write.")


@strawberry.type(description="What `updateProject` did.")
class UpdateProjectPayload(Payload):
    """The payload of ``updateProject``."""

    project: ProjectType | None = written_row(PROJECT, ProjectType, "The project, after the write.")


@strawberry.type(description="What `archiveProject` did.")
class ArchiveProjectPayload(Payload):
    """The payload of ``archiveProject``."""

    project: ProjectType | None = written_row(PROJECT, ProjectType, "The project, after the write.")


@strawberry.type(description="What `inviteCollaborator` did.")
class InviteCollaboratorPayload(Payload):
    """The payload of ``inviteCollaborator``."""

    collaborator: CollaboratorType | None = written_row(
        COLLABORATOR, CollaboratorType, "The collaboration, after the write."
    )


@strawberry.type(description="What `respondToCollaboration` did.")
class RespondToCollaborationPayload(Payload):
    """The payload of ``respondToCollaboration``."""

    collaborator: CollaboratorType | None = written_row(
        COLLABORATOR, CollaboratorType, "The collaboration, after the write."
    )


@strawberry.type(description="What `removeCollaborator` did.")
class RemoveCollaboratorPayload(Payload):
    """The payload of ``removeCollaborator``."""

    project: ProjectType | None = written_row(PROJECT, ProjectType, "The project, after the write.")


@strawberry.type(description="What `leaveProject` did.")
class LeaveProjectPayload(Payload):
    """The payload of ``leaveProject``."""

    project: ProjectType | None = written_row(PROJECT, ProjectType, "The project, after the write.")


@strawberry.type(description="What `createTribe` did.")
class CreateTribePayload(Payload):
    """The payload of ``createTribe``."""

    tribe: TribeType | None = written_row(TRIBE, TribeType, "The tribe, after the write.")


@strawberry.type(description="What `updateTribe` did.")
class UpdateTribePayload(Payload):
    """The payload of ``updateTribe``."""

    tribe: TribeType | None = written_row(TRIBE, TribeType, "The tribe, after the write.")


@strawberry.type(description="What `requestToJoinTribe` did.")
class RequestToJoinTribePayload(Payload):
    """The payload of ``requestToJoinTribe``."""

    member: TribeMemberType | None = written_row(
        TRIBE_MEMBER, TribeMemberType, "The membership, after the write."
    )


@strawberry.type(description="What `respondToJoinRequest` did.")
class RespondToJoinRequestPayload(Payload):
    """The payload of ``respondToJoinRequest``."""

    member: TribeMemberType | None = written_row(
        TRIBE_MEMBER, TribeMemberType, "The membership, after the write."
    )


@strawberry.type(description="What `leaveTribe` did.")
class LeaveTribePayload(Payload):
    """The payload of ``leaveTribe``."""

    tribe: TribeType | None = written_row(TRIBE, TribeType, "The tribe, after the write.")


@strawberry.type(description="What `removeMember` did.")
class RemoveMemberPayload(Payload):
    """The payload of ``removeMember``."""

    member: TribeMemberType | None = written_row(
        TRIBE_MEMBER, TribeMemberType, "The membership, after the write."
    )


@strawberry.type(description="What `addOpenRole` did.")
class AddOpenRolePayload(Payload):
    """The payload of ``addOpenRole``."""

    open_role: OpenRoleType | None = written_row(
        OPEN_ROLE, OpenRoleType, "The open role, after the write."
    )


@strawberry.type(description="What `updateOpenRole` did.")
class UpdateOpenRolePayload(Payload):
    """The payload of ``updateOpenRole``."""

    open_role: OpenRoleType | None = written_row(
        OPEN_ROLE, OpenRoleType, "The open role, after the write."
    )


@strawberry.type(description="What `fillOpenRole` did.")
class FillOpenRolePayload(Payload):
    """The payload of ``fillOpenRole``."""

    open_role: OpenRoleType | None = written_row(
        OPEN_ROLE, OpenRoleType, "The open role, after the write."
    )


@strawberry.type(description="What `closeOpenRole` did.")
class CloseOpenRolePayload(Payload):
    """The payload of ``closeOpenRole``."""

    tribe: TribeType | None = written_row(TRIBE, TribeType, "The tribe, after the write.")
