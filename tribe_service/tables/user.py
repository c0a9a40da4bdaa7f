"""Builders, their refresh tokens and their skills."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    M2M,
    BigInt,
    Boolean,
    DoublePrecision,
    ForeignKey,
    LazyTableReference,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.constraints import Unique
from piccolo.table import Table

from tribe_service.columns import TSVector, Vector
from tribe_service.enums import AvailabilityStatus, UserRole
from tribe_service.ids import ULID_LENGTH
from tribe_service.tables.mixins import Timestamps, ULIDPrimaryKey, enum_check, enum_column
from tribe_service.tables.skill import Skill

EMBEDDING_DIMENSIONS = 1536
USER_AGENT_LENGTH = 300  # longer User-Agent headers are cut to this


class User(Timestamps, ULIDPrimaryKey, Table, tablename="users"):
    """A builder: engineer, designer, PM, marketer, founder, ...

    ``search_vector`` is filled by a database trigger; ``embedding`` is for
    similarity search (HNSW, cosine).
    """

    # Null when GitHub gave no verified email, or another builder already holds it
    # (accounts are never matched or merged by email).
    email = Varchar(length=255, unique=True, null=True, default=None)
    password_hash = Varchar(length=255, null=True, default=None, secret=True)
    username = Varchar(length=50, unique=True, default=None)
    display_name = Varchar(length=100, default=None)
    avatar_url = Varchar(length=500, null=True, default=None)
    headline = Varchar(length=200, null=True, default=None)
    primary_role = enum_column(UserRole, null=True)
    timezone = Varchar(length=50, null=True, default=None)
    availability_status = enum_column(AvailabilityStatus, default=AvailabilityStatus.JUST_BROWSING)
    builder_score = DoublePrecision(default=0.0)
    bio = Text(null=True, default=None)
    contact_links = JSONB(default={})
    github_username = Varchar(length=100, null=True, unique=True, default=None)
    # GitHub's numeric user id: what a sign-in finds the builder by (logins can change).
    github_id = BigInt(null=True, unique=True, default=None)
    github_access_token_encrypted = Varchar(length=500, null=True, default=None, secret=True)
    onboarding_completed = Boolean(default=False)
    search_vector = TSVector()
    embedding = Vector(dimensions=EMBEDDING_DIMENSIONS)

    skills = M2M(LazyTableReference("UserSkill", module_path=__name__))
    tribes = M2M(LazyTableReference("TribeMember", module_path="tribe_service.tables.tribe"))

    primary_role_allowed = enum_check("primary_role", UserRole)
    availability_status_allowed = enum_check("availability_status", AvailabilityStatus)


class RefreshToken(ULIDPrimaryKey, Table, tablename="refresh_tokens"):
    """A refresh token of a builder's session, stored only as its SHA-256.

    A sign-in starts a family (``family_id``, the session); each refresh revokes
    the token it used and points ``replaced_by`` at its successor in the same
    family (``tribe_service.auth.sessions``).
    """

    user_id = ForeignKey(User, on_delete=OnDelete.cascade, null=False, index=True)
    token_hash = Varchar(length=64, unique=True, default=None, secret=True)
    expires_at = Timestamptz(default=None)
    revoked_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    family_id = Varchar(length=ULID_LENGTH, null=True, default=None, index=True)
    replaced_by = Varchar(length=ULID_LENGTH, null=True, default=None)
    user_agent = Varchar(length=USER_AGENT_LENGTH, null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)


class UserSkill(ULIDPrimaryKey, Table, tablename="user_skills"):
    """Junction: a user has a skill (one row per pair)."""

    user_id = ForeignKey(User, on_delete=OnDelete.cascade, null=False)
    skill_id = ForeignKey(Skill, on_delete=OnDelete.cascade, null=False, index=True)
    added_at = Timestamptz()

    unique_user_skill = Unique([user_id, skill_id])
