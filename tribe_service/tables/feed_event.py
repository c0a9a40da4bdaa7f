"""The activity feed."""

from __future__ import annotations

from piccolo.columns import JSONB, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from tribe_service.enums import EventType
from tribe_service.tables.mixins import ULIDPrimaryKey, enum_check, enum_column, ulid_reference
from tribe_service.tables.user import User


class FeedEvent(ULIDPrimaryKey, Table, tablename="feed_events"):
    """Something a builder did; ``target_type``/``target_id`` name the row it was done to.

    Ids are ULIDs made from ``created_at``, so id order is time order.
    """

    event_type = enum_column(EventType)
    actor_id = ForeignKey(User, on_delete=OnDelete.cascade, null=False, index=True)
    target_type = Varchar(length=20, default=None)
    target_id = ulid_reference()
    metadata = JSONB(default={})
    created_at = Timestamptz()

    event_type_allowed = enum_check("event_type", EventType)
