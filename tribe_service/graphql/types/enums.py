"""The domain enums as GraphQL enums (values are the stored lower-case strings)."""

from __future__ import annotations

import strawberry

from tribe_service import enums

UserRole = strawberry.enum(enums.UserRole, description="What a builder mainly does.")
AvailabilityStatus = strawberry.enum(
    enums.AvailabilityStatus, description="Whether a builder is looking for a tribe or projects."
)
ProjectStatus = strawberry.enum(enums.ProjectStatus, description="Where a project stands.")
CollaboratorStatus = strawberry.enum(
    enums.CollaboratorStatus, description="The state of an invitation to collaborate."
)
TribeStatus = strawberry.enum(enums.TribeStatus, description="Recruiting, working, or done.")
MemberRole = strawberry.enum(enums.MemberRole, description="A member's role in a tribe.")
MemberStatus = strawberry.enum(enums.MemberStatus, description="The state of a membership.")
EventType = strawberry.enum(enums.EventType, description="What happened, for the feed.")
SkillCategory = strawberry.enum(enums.SkillCategory, description="The skill taxonomy's groups.")
