"""Building one write statement: its parameters, and the feed event it may insert.

Values are always parameters (``$n``); the only text put into SQL is column and
table names from code, and constants of the domain's enums.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tribe_service.enums import EventType
from tribe_service.ids import ulid_at


@dataclass
class Parameters:
    """The statement's values; calling it with a value gives that value's ``$n``."""

    values: list[Any] = field(default_factory=list)

    def __call__(self, value: Any) -> str:
        """The placeholder of ``value`` (a new one for every call)."""
        self.values.append(value)
        return f"${len(self.values)}"


def feed_event(
    p: Parameters,
    moment: datetime,
    *,
    source: str,
    event_type: EventType | str,
    actor: str,
    target_type: str,
    target_id: str,
    metadata: str,
    where: str = "TRUE",
) -> str:
    """``INSERT INTO feed_events ... SELECT ... FROM source``: the event of a write, if it wrote.

    ``source`` is the CTE of the written row, so no row written means no event.
    ``event_type`` is an enum member or an SQL expression choosing one; ``actor``,
    ``target_id`` and ``metadata`` are SQL expressions (placeholders or columns of
    ``source``). The id is a ULID of ``moment``, which is also ``created_at``, so id
    order is time order in the feed as in the seed.
    """
    kind = f"'{event_type.value}'" if isinstance(event_type, EventType) else event_type
    return (
        "INSERT INTO feed_events (id, event_type, actor_id, target_type, target_id, metadata,"
        f" created_at) SELECT {p(ulid_at(moment))}, {kind}, {actor}, '{target_type}',"
        f" {target_id}, {metadata}, {p(moment)} FROM {source} WHERE {where}"
    )
