"""Idempotency keys of creates: a retried create replays its first result."""

from __future__ import annotations

from piccolo.columns import ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table

from tribe_service.tables.mixins import ULIDPrimaryKey, ulid_reference
from tribe_service.tables.user import User


class IdempotencyKey(ULIDPrimaryKey, Table, tablename="idempotency_keys"):
    """A builder's key for one create, claimed in the statement that creates.

    ``request_hash`` is the input's digest: the same key with other input is refused
    instead of replaying an answer to a different question.
    """

    user_id = ForeignKey(User, on_delete=OnDelete.cascade, null=False)
    key = Varchar(length=100, default=None)
    action = Varchar(length=50, default=None)
    request_hash = Varchar(length=64, default=None)
    result_id = ulid_reference()
    created_at = Timestamptz()

    unique_user_key = Unique([user_id, key])
