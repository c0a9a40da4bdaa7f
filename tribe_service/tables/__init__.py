"""Piccolo tables, one module per concept; every table is re-exported here."""

from piccolo.table import Table

from tribe_service.tables.feed_event import FeedEvent
from tribe_service.tables.idempotency import IdempotencyKey
from tribe_service.tables.project import Project, ProjectCollaborator
from tribe_service.tables.skill import Skill
from tribe_service.tables.tribe import Tribe, TribeMember, TribeOpenRole
from tribe_service.tables.user import RefreshToken, User, UserSkill

__all__ = [
    "FeedEvent",
    "IdempotencyKey",
    "Project",
    "ProjectCollaborator",
    "RefreshToken",
    "Skill",
    "Tribe",
    "TribeMember",
    "TribeOpenRole",
    "User",
    "UserSkill",
]

# In dependency order: a table comes after every table it references.
ALL_TABLES: list[type[Table]] = [
    Skill,
    User,
    RefreshToken,
    UserSkill,
    Project,
    ProjectCollaborator,
    Tribe,
    TribeMember,
    TribeOpenRole,
    FeedEvent,
    IdempotencyKey,
]
