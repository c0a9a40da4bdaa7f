"""``<Mutation>Payload``: the changed object, ``viewer`` and ``userErrors``.

The object is read by id after the write, inside the operation's transaction
(:mod:`.transaction`): each such field is declared :class:`~tribe_service.graphql.declarations.Written`,
which the compiled executor answers with one lookup statement per field and the
resolvers through the request's DataLoaders; null when the write was refused.
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
from tribe_service.graphql.declarations import Written
from tribe_service.graphql.mutations.user_errors import UserError
from tribe_service.graphql.resolvers import written
from tribe_service.graphql.types.project import CollaboratorType, ProjectType
from tribe_service.graphql.types.tribe import OpenRoleType, TribeMemberType, TribeType
from tribe_service.graphql.types.user import UserType


def written_row(shape: RowShape, description: str) -> Any:
    """The payload's field holding the row the mutation wrote (null if it wrote none)."""
    return written(Written(shape, "written_id", Relation.WRITTEN_ROW), description=description)


@strawberry.type
class Payload:
    """What every payload has: ``viewer`` and ``userErrors``."""

    written_id: strawberry.Private[str | None]
    viewer_id: strawberry.Private[str | None]
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was written; empty when the write took effect."
    )

    viewer: UserType | None = written(
        Written(USER, "viewer_id", Relation.PAYLOAD_VIEWER),
        description="The signed-in builder, after the write.",
    )


@strawberry.type(description="What `updateProfile` did.")
class UpdateProfilePayload(Payload):
    """The payload of ``updateProfile``."""

    user: UserType | None = written_row(USER, "The viewer, after the write.")


@strawberry.type(description="What `setSkills` did.")
class SetSkillsPayload(Payload):
    """The payload of ``setSkills``."""

    user: UserType | None = written_row(USER, "The viewer, after the write.")


@strawberry.type(description="What `completeOnboarding` did.")
class CompleteOnboardingPayload(Payload):
    """The payload of ``completeOnboarding``."""

    user: UserType | None = written_row(USER, "The viewer, after the write.")


@strawberry.type(description="What `createProject` did.")
class CreateProjectPayload(Payload):
    """The payload of ``createProject``."""

    project: ProjectType | None = written_row(PROJECT, "The project, after the write.")


@strawberry.type(description="What `updateProject` did.")
class UpdateProjectPayload(Payload):
    """The payload of ``updateProject``."""

    project: ProjectType | None = written_row(PROJECT, "The project, after the write.")


@strawberry.type(description="What `archiveProject` did.")
class ArchiveProjectPayload(Payload):
    """The payload of ``archiveProject``."""

    project: ProjectType | None = written_row(PROJECT, "The project, after the write.")


@strawberry.type(description="What `inviteCollaborator` did.")
class InviteCollaboratorPayload(Payload):
    """The payload of ``inviteCollaborator``."""

    collaborator: CollaboratorType | None = written_row(
        COLLABORATOR, "The collaboration, after the write."
    )


@strawberry.type(description="What `respondToCollaboration` did.")
class RespondToCollaborationPayload(Payload):
    """The payload of ``respondToCollaboration``."""

    collaborator: CollaboratorType | None = written_row(
        COLLABORATOR, "The collaboration, after the write."
    )


@strawberry.type(description="What `removeCollaborator` did.")
class RemoveCollaboratorPayload(Payload):
    """The payload of ``removeCollaborator``."""

    project: ProjectType | None = written_row(PROJECT, "The project, after the write.")


@strawberry.type(description="What `leaveProject` did.")
class LeaveProjectPayload(Payload):
    """The payload of ``leaveProject``."""

    project: ProjectType | None = written_row(PROJECT, "The project, after the write.")


@strawberry.type(description="What `createTribe` did.")
class CreateTribePayload(Payload):
    """The payload of ``createTribe``."""

    tribe: TribeType | None = written_row(TRIBE, "The tribe, after the write.")


@strawberry.type(description="What `updateTribe` did.")
class UpdateTribePayload(Payload):
    """The payload of ``updateTribe``."""

    tribe: TribeType | None = written_row(TRIBE, "The tribe, after the write.")


@strawberry.type(description="What `requestToJoinTribe` did.")
class RequestToJoinTribePayload(Payload):
    """The payload of ``requestToJoinTribe``."""

    member: TribeMemberType | None = written_row(TRIBE_MEMBER, "The membership, after the write.")


@strawberry.type(description="What `respondToJoinRequest` did.")
class RespondToJoinRequestPayload(Payload):
    """The payload of ``respondToJoinRequest``."""

    member: TribeMemberType | None = written_row(TRIBE_MEMBER, "The membership, after the write.")


@strawberry.type(description="What `leaveTribe` did.")
class LeaveTribePayload(Payload):
    """The payload of ``leaveTribe``."""

    tribe: TribeType | None = written_row(TRIBE, "The tribe, after the write.")


@strawberry.type(description="What `removeMember` did.")
class RemoveMemberPayload(Payload):
    """The payload of ``removeMember``."""

    member: TribeMemberType | None = written_row(TRIBE_MEMBER, "The membership, after the write.")


@strawberry.type(description="What `addOpenRole` did.")
class AddOpenRolePayload(Payload):
    """The payload of ``addOpenRole``."""

    open_role: OpenRoleType | None = written_row(OPEN_ROLE, "The open role, after the write.")


@strawberry.type(description="What `updateOpenRole` did.")
class UpdateOpenRolePayload(Payload):
    """The payload of ``updateOpenRole``."""

    open_role: OpenRoleType | None = written_row(OPEN_ROLE, "The open role, after the write.")


@strawberry.type(description="What `fillOpenRole` did.")
class FillOpenRolePayload(Payload):
    """The payload of ``fillOpenRole``."""

    open_role: OpenRoleType | None = written_row(OPEN_ROLE, "The open role, after the write.")


@strawberry.type(description="What `closeOpenRole` did.")
class CloseOpenRolePayload(Payload):
    """The payload of ``closeOpenRole``."""

    tribe: TribeType | None = written_row(TRIBE, "The tribe, after the write.")
