"""The records the scale loader copies into each table, shaped by its Piccolo table.

A table's columns are declared once, in :mod:`tribe_service.tables`. A
:class:`CopyLayout` derives from the table class the columns a ``COPY`` writes
(every column but those the database fills itself: the ``search_vector``
columns, kept by triggers) and a record maker that takes each of those columns
by keyword and returns the values in the table's column order. So a record
cannot drift from its table: reordering the table's columns reorders the
records with them, and a column the generator does not give (or gives and the
table lacks) fails the first record with the table and the column named::

    TypeError: users_record() missing 1 required keyword-only argument: 'pronouns'
    TypeError: users_record() got an unexpected keyword argument 'nickname'
"""

from __future__ import annotations

import keyword
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from piccolo.columns.base import Column
from piccolo.table import Table

from tribe_service.columns import TSVector, Vector
from tribe_service.tables import (
    FeedEvent,
    Project,
    ProjectCollaborator,
    Skill,
    Tribe,
    TribeMember,
    TribeOpenRole,
    User,
    UserSkill,
)

Record = tuple[object, ...]

# Column types whose values the database computes (triggers): never copied.
DATABASE_FILLED: tuple[type[Column], ...] = (TSVector,)


@dataclass(frozen=True, slots=True)
class CopyLayout:
    """How rows of ``table`` are copied: its columns, and ``record(**values)`` in their order."""

    table: type[Table]
    columns: tuple[Column, ...]
    record: Callable[..., Record]

    @classmethod
    def of(cls, table: type[Table]) -> CopyLayout:
        """The layout of ``table``: all its columns but those the database fills."""
        columns = tuple(
            column for column in table._meta.columns if not isinstance(column, DATABASE_FILLED)
        )
        names = tuple(column._meta.db_column_name for column in columns)
        return cls(table, columns, _record_maker(table._meta.tablename, names))

    @property
    def tablename(self) -> str:
        """The table's name in the database."""
        return self.table._meta.tablename

    @property
    def names(self) -> tuple[str, ...]:
        """The copied columns' names in the database, in record order."""
        return tuple(column._meta.db_column_name for column in self.columns)

    def getter(self, name: str) -> Callable[[Record], Any]:
        """Reads the column ``name`` of a record."""
        return operator.itemgetter(self.names.index(name))

    @property
    def has_vectors(self) -> bool:
        """Whether the table holds pgvector columns (and so, HNSW indexes)."""
        return any(isinstance(column, Vector) for column in self.columns)


def to_json(value: object) -> str:
    """JSON text for a ``jsonb`` column (asyncpg's codec takes text)."""
    return msgspec.json.encode(value).decode()


def _record_maker(tablename: str, names: tuple[str, ...]) -> Callable[..., Record]:
    """``<tablename>_record(*, a, b, ...) -> (a, b, ...)``, compiled like a namedtuple's ``__new__``.

    Keyword-only parameters check the names exactly, at about the cost of a tuple
    display; a namedtuple's keyword constructor costs seven times as much, and the
    loader copies a quarter of a million records.
    """
    for name in names:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"{tablename}.{name}: a column name the scale records cannot take")
    parameters = ", ".join(names)
    namespace: dict[str, Any] = {}
    exec(f"def record(*, {parameters}):\n    return ({parameters},)", namespace)
    maker: Callable[..., Record] = namespace["record"]
    maker.__name__ = maker.__qualname__ = f"{tablename}_record"
    maker.__doc__ = f"A {tablename} record for COPY, from every copied column by keyword."
    return maker


SKILLS = CopyLayout.of(Skill)
USERS = CopyLayout.of(User)
USER_SKILLS = CopyLayout.of(UserSkill)
PROJECTS = CopyLayout.of(Project)
PROJECT_COLLABORATORS = CopyLayout.of(ProjectCollaborator)
TRIBES = CopyLayout.of(Tribe)
TRIBE_MEMBERS = CopyLayout.of(TribeMember)
TRIBE_OPEN_ROLES = CopyLayout.of(TribeOpenRole)
FEED_EVENTS = CopyLayout.of(FeedEvent)
