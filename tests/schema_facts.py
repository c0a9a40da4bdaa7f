"""What the spec and STACK.md say the schema holds, shared by the schema tests."""

from __future__ import annotations

from tribe_service import enums

# STACK.md's table names.
APP_TABLES = (
    "users",
    "refresh_tokens",
    "user_skills",
    "skills",
    "projects",
    "project_collaborators",
    "tribes",
    "tribe_members",
    "tribe_open_roles",
    "feed_events",
)

# Every enum column: (table, column, enum).
ENUM_COLUMNS = (
    ("users", "primary_role", enums.UserRole),
    ("users", "availability_status", enums.AvailabilityStatus),
    ("skills", "category", enums.SkillCategory),
    ("projects", "status", enums.ProjectStatus),
    ("project_collaborators", "status", enums.CollaboratorStatus),
    ("tribes", "status", enums.TribeStatus),
    ("tribe_members", "role", enums.MemberRole),
    ("tribe_members", "status", enums.MemberStatus),
    ("feed_events", "event_type", enums.EventType),
)
