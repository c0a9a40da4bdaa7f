"""Row ids: ULIDs, made in Python, sortable by creation time."""

from __future__ import annotations

from datetime import datetime

from ulid import ULID

ULID_LENGTH = 26


def new_ulid() -> str:
    """A new ULID string for the current instant (the default of every ``id``)."""
    return str(ULID())


def ulid_at(moment: datetime) -> str:
    """A new ULID whose time part is ``moment``, so id order follows that time."""
    return str(ULID.from_datetime(moment))
