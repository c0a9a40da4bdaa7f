"""The ``Mutation`` type: every write of the product's core loop, one field each."""

from __future__ import annotations

import strawberry

from tribe_service.authorization import Action
from tribe_service.data_access.writes import collaborators, open_roles, profile, projects, tribes
from tribe_service.graphql.context import Info
from tribe_service.graphql.mutations import inputs as i
from tribe_service.graphql.mutations import payloads as p
from tribe_service.graphql.mutations.perform import perform
from tribe_service.graphql.mutations.sessions import SessionMutation
from tribe_service.validation import MAX_LIST_ITEMS


@strawberry.type
class ProfileMutation:
    """The viewer's own profile."""

    @strawberry.mutation(description="Edit the viewer's profile (fields left out stay).")
    async def update_profile(
        self, info: Info, input: i.UpdateProfileInput
    ) -> p.UpdateProfilePayload:
        """``users`` row of the viewer, refused as STALE if it changed since."""
        values = i.column_values(input)
        return await perform(
            info,
            Action.UPDATE_PROFILE,
            p.UpdateProfilePayload,
            lambda c, viewer, now: profile.update_profile(
                c, viewer, values, expected_updated_at=input.expected_updated_at, moment=now
            ),
            table="users",
            values=values,
        )

    @strawberry.mutation(
        description=f"Set the viewer's whole skill list (at most {MAX_LIST_ITEMS}), in order."
    )
    async def set_skills(self, info: Info, input: i.SetSkillsInput) -> p.SetSkillsPayload:
        """Skills by id or slug; an unknown one changes nothing (NOT_FOUND)."""
        return await perform(
            info,
            Action.SET_SKILLS,
            p.SetSkillsPayload,
            lambda c, viewer, now: profile.set_skills(c, viewer, input.skills, moment=now),
            table="user_skills",
            values={"skills": input.skills},
        )

    @strawberry.mutation(description="Mark the viewer's onboarding as completed.")
    async def complete_onboarding(self, info: Info) -> p.CompleteOnboardingPayload:
        """Idempotent."""
        return await perform(
            info,
            Action.COMPLETE_ONBOARDING,
            p.CompleteOnboardingPayload,
            lambda c, viewer, now: profile.complete_onboarding(c, viewer, moment=now),
        )


@strawberry.type
class ProjectMutation:
    """Projects and their collaborators."""

    @strawberry.mutation(description="Create a project owned by the viewer (and its feed event).")
    async def create_project(
        self, info: Info, input: i.CreateProjectInput
    ) -> p.CreateProjectPayload:
        """Idempotent with ``idempotencyKey``."""
        values = i.column_values(input)
        return await perform(
            info,
            Action.CREATE_PROJECT,
            p.CreateProjectPayload,
            lambda c, viewer, now: projects.create_project(
                c, viewer, values, idempotency_key=input.idempotency_key, moment=now
            ),
            table="projects",
            values=values,
        )

    @strawberry.mutation(description="Edit one of the viewer's projects.")
    async def update_project(
        self, info: Info, input: i.UpdateProjectInput
    ) -> p.UpdateProjectPayload:
        """Moving it to SHIPPED announces it in the feed."""
        values = i.column_values(input)
        return await perform(
            info,
            Action.UPDATE_PROJECT,
            p.UpdateProjectPayload,
            lambda c, viewer, now: projects.update_project(
                c,
                viewer,
                str(input.project_id),
                values,
                expected_updated_at=input.expected_updated_at,
                moment=now,
            ),
            table="projects",
            values=values,
        )

    @strawberry.mutation(description="Archive one of the viewer's projects.")
    async def archive_project(self, info: Info, input: i.ProjectInput) -> p.ArchiveProjectPayload:
        """Status ARCHIVED."""
        return await perform(
            info,
            Action.ARCHIVE_PROJECT,
            p.ArchiveProjectPayload,
            lambda c, viewer, now: projects.archive_project(
                c, viewer, str(input.project_id), moment=now
            ),
        )

    @strawberry.mutation(
        description="Invite a builder to collaborate on one of the viewer's projects."
    )
    async def invite_collaborator(
        self, info: Info, input: i.InviteCollaboratorInput
    ) -> p.InviteCollaboratorPayload:
        """A pending invitation (again, after a decline)."""
        return await perform(
            info,
            Action.INVITE_COLLABORATOR,
            p.InviteCollaboratorPayload,
            lambda c, viewer, now: collaborators.invite_collaborator(
                c, viewer, str(input.project_id), str(input.user_id), input.role, moment=now
            ),
            table="project_collaborators",
            values={"role": input.role},
        )

    @strawberry.mutation(description="Accept or decline the viewer's invitation to a project.")
    async def respond_to_collaboration(
        self, info: Info, input: i.RespondToCollaborationInput
    ) -> p.RespondToCollaborationPayload:
        """Accepting announces the collaboration in the feed."""
        return await perform(
            info,
            Action.RESPOND_TO_COLLABORATION,
            p.RespondToCollaborationPayload,
            lambda c, viewer, now: collaborators.respond_to_collaboration(
                c, viewer, str(input.project_id), accept=input.accept, moment=now
            ),
        )

    @strawberry.mutation(
        description="Remove a collaborator (or an invitation) from the viewer's project."
    )
    async def remove_collaborator(
        self, info: Info, input: i.ProjectMemberInput
    ) -> p.RemoveCollaboratorPayload:
        """The payload shows the project."""
        return await perform(
            info,
            Action.REMOVE_COLLABORATOR,
            p.RemoveCollaboratorPayload,
            lambda c, viewer, now: collaborators.remove_collaborator(
                c, viewer, str(input.project_id), str(input.user_id)
            ),
        )

    @strawberry.mutation(description="Stop collaborating on a project.")
    async def leave_project(self, info: Info, input: i.ProjectInput) -> p.LeaveProjectPayload:
        """The payload shows the project."""
        return await perform(
            info,
            Action.LEAVE_PROJECT,
            p.LeaveProjectPayload,
            lambda c, viewer, now: collaborators.leave_project(c, viewer, str(input.project_id)),
        )


@strawberry.type
class TribeMutation:
    """Tribes, their members and open roles."""

    @strawberry.mutation(description="Form a tribe: the viewer owns it and is its first member.")
    async def create_tribe(self, info: Info, input: i.CreateTribeInput) -> p.CreateTribePayload:
        """Idempotent with ``idempotencyKey``."""
        values = i.column_values(input)
        return await perform(
            info,
            Action.CREATE_TRIBE,
            p.CreateTribePayload,
            lambda c, viewer, now: tribes.create_tribe(
                c, viewer, values, idempotency_key=input.idempotency_key, moment=now
            ),
            table="tribes",
            values=values,
        )

    @strawberry.mutation(description="Edit one of the viewer's tribes.")
    async def update_tribe(self, info: Info, input: i.UpdateTribeInput) -> p.UpdateTribePayload:
        """``maxMembers`` never below the active members (CONFLICT)."""
        values = i.column_values(input)
        return await perform(
            info,
            Action.UPDATE_TRIBE,
            p.UpdateTribePayload,
            lambda c, viewer, now: tribes.update_tribe(
                c,
                viewer,
                str(input.tribe_id),
                values,
                expected_updated_at=input.expected_updated_at,
                moment=now,
            ),
            table="tribes",
            values=values,
        )

    @strawberry.mutation(description="Ask to join an open tribe.")
    async def request_to_join_tribe(
        self, info: Info, input: i.TribeInput
    ) -> p.RequestToJoinTribePayload:
        """A pending membership for its owner to answer."""
        return await perform(
            info,
            Action.REQUEST_TO_JOIN_TRIBE,
            p.RequestToJoinTribePayload,
            lambda c, viewer, now: tribes.request_to_join(
                c, viewer, str(input.tribe_id), moment=now
            ),
        )

    @strawberry.mutation(description="Approve or reject a request to join the viewer's tribe.")
    async def respond_to_join_request(
        self, info: Info, input: i.RespondToJoinRequestInput
    ) -> p.RespondToJoinRequestPayload:
        """Approving past ``maxMembers`` is FULL; an approval is announced in the feed."""
        return await perform(
            info,
            Action.RESPOND_TO_JOIN_REQUEST,
            p.RespondToJoinRequestPayload,
            lambda c, viewer, now: tribes.respond_to_join_request(
                c,
                viewer,
                str(input.tribe_id),
                str(input.user_id),
                approve=input.approve,
                moment=now,
            ),
        )

    @strawberry.mutation(description="Leave a tribe (its owner cannot).")
    async def leave_tribe(self, info: Info, input: i.TribeInput) -> p.LeaveTribePayload:
        """The payload shows the tribe."""
        return await perform(
            info,
            Action.LEAVE_TRIBE,
            p.LeaveTribePayload,
            lambda c, viewer, now: tribes.leave_tribe(c, viewer, str(input.tribe_id)),
        )

    @strawberry.mutation(description="Remove a member (or a request) from the viewer's tribe.")
    async def remove_member(self, info: Info, input: i.TribeMemberInput) -> p.RemoveMemberPayload:
        """The membership, now REMOVED."""
        return await perform(
            info,
            Action.REMOVE_MEMBER,
            p.RemoveMemberPayload,
            lambda c, viewer, now: tribes.remove_member(
                c, viewer, str(input.tribe_id), str(input.user_id)
            ),
        )

    @strawberry.mutation(description="Add an open role to the viewer's tribe.")
    async def add_open_role(self, info: Info, input: i.AddOpenRoleInput) -> p.AddOpenRolePayload:
        """Unfilled."""
        values = i.column_values(input)
        return await perform(
            info,
            Action.ADD_OPEN_ROLE,
            p.AddOpenRolePayload,
            lambda c, viewer, now: open_roles.add_open_role(
                c, viewer, str(input.tribe_id), values, moment=now
            ),
            table="tribe_open_roles",
            values=values,
        )

    @strawberry.mutation(description="Edit an open role that is not filled yet.")
    async def update_open_role(
        self, info: Info, input: i.UpdateOpenRoleInput
    ) -> p.UpdateOpenRolePayload:
        """A filled role is CONFLICT."""
        values = i.column_values(input)
        return await perform(
            info,
            Action.UPDATE_OPEN_ROLE,
            p.UpdateOpenRolePayload,
            lambda c, viewer, now: open_roles.update_open_role(
                c, viewer, str(input.role_id), values
            ),
            table="tribe_open_roles",
            values=values,
        )

    @strawberry.mutation(description="Mark an open role filled by an active member of the tribe.")
    async def fill_open_role(self, info: Info, input: i.FillOpenRoleInput) -> p.FillOpenRolePayload:
        """Filled once."""
        return await perform(
            info,
            Action.FILL_OPEN_ROLE,
            p.FillOpenRolePayload,
            lambda c, viewer, now: open_roles.fill_open_role(
                c, viewer, str(input.role_id), str(input.user_id)
            ),
        )

    @strawberry.mutation(description="Close (remove) an open role of the viewer's tribe.")
    async def close_open_role(self, info: Info, input: i.OpenRoleInput) -> p.CloseOpenRolePayload:
        """The payload shows the tribe."""
        return await perform(
            info,
            Action.CLOSE_OPEN_ROLE,
            p.CloseOpenRolePayload,
            lambda c, viewer, now: open_roles.close_open_role(c, viewer, str(input.role_id)),
        )


@strawberry.type
class Mutation(ProfileMutation, ProjectMutation, TribeMutation, SessionMutation):
    """Every write the API offers (see `userErrors` on each payload)."""
