"""Projects builders have shipped or are building, and their collaborators."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    M2M,
    ForeignKey,
    Integer,
    LazyTableReference,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.constraints import Unique
from piccolo.table import Table

from tribe_service.columns import TSVector, Vector
from tribe_service.enums import CollaboratorStatus, ProjectStatus
from tribe_service.tables.mixins import Timestamps, ULIDPrimaryKey, enum_check, enum_column
from tribe_service.tables.user import EMBEDDING_DIMENSIONS, User


class Project(Timestamps, ULIDPrimaryKey, Table, tablename="projects"):
    """Something a builder made; ``search_vector`` is filled by a database trigger."""

    owner_id = ForeignKey(User, on_delete=OnDelete.cascade, null=False, index=True)
    title = Varchar(length=200, default=None)
    description = Text(null=True, default=None)
    status = enum_column(ProjectStatus, default=ProjectStatus.IN_PROGRESS)
    role = Varchar(length=100, null=True, default=None)
    thumbnail_url = Varchar(length=500, null=True, default=None)
    links = JSONB(default={})
    tech_stack = JSONB(default=[])
    impact_metrics = JSONB(default={})
    github_repo_full_name = Varchar(length=200, null=True, unique=True, default=None)
    github_stars = Integer(null=True, default=None)
    search_vector = TSVector()
    embedding = Vector(dimensions=EMBEDDING_DIMENSIONS)

    collaborators = M2M(LazyTableReference("ProjectCollaborator", module_path=__name__))

    status_allowed = enum_check("status", ProjectStatus)


class ProjectCollaborator(ULIDPrimaryKey, Table, tablename="project_collaborators"):
    """Junction: a user collaborates on a project (one row per pair)."""

    project_id = ForeignKey(Project, on_delete=OnDelete.cascade, null=False)
    user_id = ForeignKey(User, on_delete=OnDelete.cascade, null=False, index=True)
    role = Varchar(length=100, null=True, default=None)
    status = enum_column(CollaboratorStatus, default=CollaboratorStatus.PENDING)
    invited_at = Timestamptz()
    confirmed_at = Timestamptz(null=True, default=None)

    unique_project_collaborator = Unique([project_id, user_id])
    status_allowed = enum_check("status", CollaboratorStatus)
