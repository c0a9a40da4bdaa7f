"""API row shapes: the columns of each table that the API reads, from its Piccolo table.

A table's columns are declared once, in :mod:`tribe_service.tables`; its shape is
every column not marked ``secret`` (search vectors, embeddings, password and token
hashes are, and stay in the database), its JSONB columns decoded. The GraphQL types
wrap rows of these shapes (``graphql.resolvers.from_row``); the loaders select
these columns and the compiled executor the ones a document asks for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from piccolo.columns import JSONB
from piccolo.table import Table

from tribe_service.tables import (
    FeedEvent,
    Project,
    ProjectCollaborator,
    Skill,
    Tribe,
    TribeMember,
    TribeOpenRole,
    User,
)

Row = dict[str, Any]

_decode_json = msgspec.json.decode


@dataclass(frozen=True)
class RowShape:
    """The columns of ``table`` the API reads; ``json_columns`` arrive as text and are decoded."""

    table: str
    columns: tuple[str, ...]
    json_columns: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, table: type[Table]) -> RowShape:
        """The shape of ``table``: its columns but the secret ones, in the table's order."""
        columns = [column for column in table._meta.columns if not column._meta.secret]
        return cls(
            table._meta.tablename,
            tuple(column._meta.db_column_name for column in columns),
            frozenset(
                column._meta.db_column_name for column in columns if isinstance(column, JSONB)
            ),
        )

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


USER = RowShape.of(User)
SKILL = RowShape.of(Skill)
PROJECT = RowShape.of(Project)
COLLABORATOR = RowShape.of(ProjectCollaborator)
TRIBE = RowShape.of(Tribe)
TRIBE_MEMBER = RowShape.of(TribeMember)
OPEN_ROLE = RowShape.of(TribeOpenRole)
FEED_EVENT = RowShape.of(FeedEvent)
