"""API row shapes: the columns of each table that the API reads, declared once.

Search vectors, embeddings and secrets stay in the database. The GraphQL types
wrap rows of these shapes (``from_row``); the loaders and the compiled executor
select exactly these columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

Row = dict[str, Any]

_decode_json = msgspec.json.decode


@dataclass(frozen=True)
class RowShape:
    """The columns of ``table`` the API reads; ``json_columns`` arrive as text and are decoded."""

    table: str
    columns: tuple[str, ...]
    json_columns: frozenset[str] = field(default_factory=frozenset)

    def select_list(self, alias: str) -> str:
        """``alias.column, ...`` for every column of the shape."""
        return ", ".join(f"{alias}.{column}" for column in self.columns)

    def row(self, record: Mapping[str, Any]) -> Row:
        """A row dict from a database record, JSON columns decoded."""
        row = dict(record)
        for column in self.json_columns:
            value = row.get(column)
            if isinstance(value, str):
                row[column] = _decode_json(value)
        return row


USER = RowShape(
    "users",
    (
        "id",
        "email",
        "username",
        "display_name",
        "avatar_url",
        "headline",
        "primary_role",
        "timezone",
        "availability_status",
        "builder_score",
        "bio",
        "contact_links",
        "github_username",
        "onboarding_completed",
        "created_at",
    ),
    frozenset({"contact_links"}),
)
SKILL = RowShape("skills", ("id", "name", "slug", "category"))
PROJECT = RowShape(
    "projects",
    (
        "id",
        "owner_id",
        "title",
        "description",
        "status",
        "role",
        "thumbnail_url",
        "links",
        "tech_stack",
        "impact_metrics",
        "github_repo_full_name",
        "github_stars",
        "created_at",
        "updated_at",
    ),
    frozenset({"links", "tech_stack", "impact_metrics"}),
)
COLLABORATOR = RowShape(
    "project_collaborators",
    ("id", "project_id", "user_id", "role", "status", "invited_at", "confirmed_at"),
)
TRIBE = RowShape(
    "tribes",
    ("id", "owner_id", "name", "mission", "status", "max_members", "created_at", "updated_at"),
)
TRIBE_MEMBER = RowShape(
    "tribe_members",
    ("id", "tribe_id", "user_id", "role", "status", "joined_at", "requested_at"),
)
OPEN_ROLE = RowShape(
    "tribe_open_roles",
    ("id", "tribe_id", "title", "skills_needed", "filled", "filled_by"),
    frozenset({"skills_needed"}),
)
FEED_EVENT = RowShape(
    "feed_events",
    ("id", "event_type", "actor_id", "target_type", "target_id", "metadata", "created_at"),
    frozenset({"metadata"}),
)
