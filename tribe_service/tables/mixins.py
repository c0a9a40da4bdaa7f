"""Columns shared by the tables: ULID ids, timestamps, enum columns with CHECKs.

Piccolo copies a mixin's columns into every table that inherits it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from piccolo.columns import Timestamptz, Varchar
from piccolo.constraints import Check

from tribe_service.ids import ULID_LENGTH, new_ulid

ENUM_LENGTH = 32


def utc_now() -> datetime:
    """The current time, timezone-aware (``updated_at`` moves to it on every ORM update)."""
    return datetime.now(tz=UTC)


def ulid_primary_key() -> Varchar:
    """A ``VARCHAR(26)`` primary key filled with a new ULID by Python."""
    return Varchar(length=ULID_LENGTH, primary_key=True, default=new_ulid)


def ulid_reference(null: bool = False) -> Varchar:
    """A ``VARCHAR(26)`` holding another row's ULID (a polymorphic target, say)."""
    return Varchar(length=ULID_LENGTH, null=null, default=None)


def enum_column(enum: type[StrEnum], default: StrEnum | None = None, null: bool = False) -> Varchar:
    """A varchar storing ``enum``'s lower-case values (pair it with :func:`enum_check`)."""
    return Varchar(length=ENUM_LENGTH, choices=enum, default=default, null=null)


def enum_check(column_name: str, enum: type[StrEnum]) -> Check:
    """A CHECK constraint that refuses any value of ``column_name`` outside ``enum``.

    (A plain SQL condition: Piccolo renders ``column.is_in(...)`` wrongly in DDL.)
    """
    values = ", ".join(f"'{member.value}'" for member in enum)
    return Check(f"{column_name} IN ({values})")


class ULIDPrimaryKey:
    """Mixin: ``id VARCHAR(26) PRIMARY KEY``, a time-ordered ULID made in Python."""

    id = ulid_primary_key()


class Timestamps:
    """Mixin: ``created_at`` defaults to now; ``updated_at`` too, and moves on every ORM update."""

    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=utc_now)
