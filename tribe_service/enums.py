"""The domain's enumerations, stored as their lower-case values.

PostgreSQL enforces them through CHECK constraints on each column (see the
tables), so a value outside the enum is refused by the database itself.
"""

from __future__ import annotations

from enum import StrEnum


class UserRole(StrEnum):
    """What a builder mainly does."""

    ENGINEER = "engineer"
    DESIGNER = "designer"
    PM = "pm"
    MARKETER = "marketer"
    GROWTH = "growth"
    FOUNDER = "founder"
    OTHER = "other"


class AvailabilityStatus(StrEnum):
    """Whether a builder is looking for a tribe or projects."""

    OPEN_TO_TRIBE = "open_to_tribe"
    AVAILABLE_FOR_PROJECTS = "available_for_projects"
    JUST_BROWSING = "just_browsing"


class ProjectStatus(StrEnum):
    """Where a project stands."""

    SHIPPED = "shipped"
    IN_PROGRESS = "in_progress"
    ARCHIVED = "archived"


class CollaboratorStatus(StrEnum):
    """The state of an invitation to collaborate on a project."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class TribeStatus(StrEnum):
    """Whether a tribe is recruiting, working, or done."""

    OPEN = "open"
    ACTIVE = "active"
    ALUMNI = "alumni"


class MemberRole(StrEnum):
    """A member's role in a tribe."""

    OWNER = "owner"
    MEMBER = "member"


class MemberStatus(StrEnum):
    """The state of a tribe membership."""

    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    LEFT = "left"
    REMOVED = "removed"


class EventType(StrEnum):
    """What happened, for the activity feed."""

    PROJECT_CREATED = "project_created"
    PROJECT_SHIPPED = "project_shipped"
    COLLABORATION_CONFIRMED = "collaboration_confirmed"
    TRIBE_CREATED = "tribe_created"
    MEMBER_JOINED_TRIBE = "member_joined_tribe"
    BUILDER_JOINED = "builder_joined"


class SkillCategory(StrEnum):
    """The eight groups of the skill taxonomy."""

    ENGINEERING = "engineering"
    DESIGN = "design"
    PRODUCT = "product"
    MARKETING = "marketing"
    GROWTH = "growth"
    DATA = "data"
    OPERATIONS = "operations"
    OTHER = "other"


class SearchKind(StrEnum):
    """What a search hit is: a builder, a project or a tribe."""

    USER = "user"
    PROJECT = "project"
    TRIBE = "tribe"
