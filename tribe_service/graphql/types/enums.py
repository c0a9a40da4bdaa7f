"""The domain enums, registered as GraphQL enums (values are the stored lower-case strings).

``strawberry.enum`` marks the domain classes themselves, so resolvers and types
use ``tribe_service.enums`` directly; import them from here so the marking has
happened.
"""

from __future__ import annotations

import strawberry

from tribe_service.enums import (
    AvailabilityStatus,
    CollaboratorStatus,
    EventType,
    MemberRole,
    MemberStatus,
    ProjectStatus,
    SearchKind,
    SkillCategory,
    TribeStatus,
    UserRole,
)

__all__ = [
    "AvailabilityStatus",
    "CollaboratorStatus",
    "EventType",
    "MemberRole",
    "MemberStatus",
    "ProjectStatus",
    "SearchKind",
    "SkillCategory",
    "TribeStatus",
    "UserRole",
]

strawberry.enum(UserRole, description="What a builder mainly does.")
strawberry.enum(
    AvailabilityStatus, description="Whether a builder is looking for a tribe or projects."
)
strawberry.enum(ProjectStatus, description="Where a project stands.")
strawberry.enum(CollaboratorStatus, description="The state of an invitation to collaborate.")
strawberry.enum(TribeStatus, description="Recruiting, working, or done.")
strawberry.enum(MemberRole, description="A member's role in a tribe.")
strawberry.enum(MemberStatus, description="The state of a membership.")
strawberry.enum(EventType, description="What happened, for the feed.")
strawberry.enum(SkillCategory, description="The skill taxonomy's groups.")
strawberry.enum(SearchKind, description="What a search hit is: a builder, a project or a tribe.")
