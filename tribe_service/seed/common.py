"""What the seed modules share: the seeding clock and the ids of the rows made so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from piccolo.table import Table

from tribe_service.ids import ulid_at


@dataclass(slots=True)
class SeedContext:
    """One seeding run: its clock and the ids of the rows made so far, by natural key.

    ``now`` is the seeding instant; every seeded time is ``now`` minus an age, so the
    feed always looks recent. The maps are filled in order: skills (by name), users
    (by username), projects (by title), tribes (by name).
    """

    now: datetime
    skill_ids: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)
    project_ids: dict[str, str] = field(default_factory=dict)
    tribe_ids: dict[str, str] = field(default_factory=dict)

    def ago(self, age: timedelta) -> datetime:
        """The instant ``age`` before the seeding instant."""
        return self.now - age


def row_id(moment: datetime) -> str:
    """A ULID made from ``moment``: seeded ids sort like their timestamps."""
    return ulid_at(moment)


async def insert_rows(table: type[Table], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (column name -> value) into ``table`` in one statement."""
    if rows:
        await table.insert(*(table(**row) for row in rows))
