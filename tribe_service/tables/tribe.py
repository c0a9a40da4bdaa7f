"""Tribes: small teams, their members and the roles they are looking for."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    M2M,
    Boolean,
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

from tribe_service.columns import TSVector
from tribe_service.enums import MemberRole, MemberStatus, TribeStatus
from tribe_service.tables.mixins import Timestamps, ULIDPrimaryKey, enum_check, enum_column
from tribe_service.tables.user import User


class Tribe(Timestamps, ULIDPrimaryKey, Table, tablename="tribes"):
    """A small team; ``search_vector`` is filled by a database trigger."""

    owner_id = ForeignKey(User, on_delete=OnDelete.cascade, null=False, index=True)
    name = Varchar(length=100, default=None)
    mission = Text(null=True, default=None)
    status = enum_column(TribeStatus, default=TribeStatus.OPEN)
    max_members = Integer(default=8)
    search_vector = TSVector()

    members = M2M(LazyTableReference("TribeMember", module_path=__name__))

    status_allowed = enum_check("status", TribeStatus)


class TribeMember(ULIDPrimaryKey, Table, tablename="tribe_members"):
    """Junction: a user's membership of a tribe (one row per pair)."""

    tribe_id = ForeignKey(Tribe, on_delete=OnDelete.cascade, null=False)
    user_id = ForeignKey(User, on_delete=OnDelete.cascade, null=False, index=True)
    role = enum_column(MemberRole, default=MemberRole.MEMBER)
    status = enum_column(MemberStatus, default=MemberStatus.PENDING)
    joined_at = Timestamptz(null=True, default=None)
    requested_at = Timestamptz()

    unique_tribe_member = Unique([tribe_id, user_id])
    role_allowed = enum_check("role", MemberRole)
    status_allowed = enum_check("status", MemberStatus)


class TribeOpenRole(ULIDPrimaryKey, Table, tablename="tribe_open_roles"):
    """A role a tribe wants to fill, with the skills it needs."""

    tribe_id = ForeignKey(Tribe, on_delete=OnDelete.cascade, null=False, index=True)
    title = Varchar(length=100, default=None)
    skills_needed = JSONB(default=[])
    filled = Boolean(default=False)
    filled_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, index=True)
