"""Idempotent creates: the key is claimed in the statement that creates.

The create statement inserts ``(viewer, key)`` into ``idempotency_keys`` with
``ON CONFLICT DO NOTHING`` and creates only if that insert did: a retry finds the
key taken and creates nothing. A concurrent duplicate waits on the key's unique
index until the first commits (then does nothing) or rolls back (then creates).
Either way the retry then reads the first result with :func:`replay`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import asyncpg
import msgspec

from tribe_service.authorization import Action, Refusal
from tribe_service.data_access.writes.outcome import Written
from tribe_service.data_access.writes.statement import Parameters

KEY_MAX_LENGTH = 100

REPLAY_SQL = """
SELECT result_id, request_hash, action FROM idempotency_keys WHERE user_id = $1 AND key = $2
"""


def request_hash(action: Action, request: object) -> str:
    """The digest of a create's input, to tell a retry from another request with the same key."""
    encoded = msgspec.json.encode({"action": action.value, "input": request}, order="sorted")
    return hashlib.sha256(encoded).hexdigest()


def claim(
    p: Parameters,
    *,
    viewer: str,
    key: str | None,
    action: Action,
    digest: str,
    result_id: str,
    moment: datetime,
) -> str:
    """The ``claim`` and ``proceed`` CTEs: ``proceed`` has a row when the create may run.

    Without a key, it always may; with one, only if this statement claimed it.
    """
    key_placeholder = p(key)
    return (
        "claim AS (INSERT INTO idempotency_keys (id, user_id, key, action, request_hash,"
        f" result_id, created_at) SELECT {p(result_id)}, {p(viewer)}, {key_placeholder},"
        f" {p(action.value)}, {p(digest)}, {p(result_id)}, {p(moment)}"
        f" WHERE {key_placeholder}::varchar IS NOT NULL"
        " ON CONFLICT (user_id, key) DO NOTHING RETURNING result_id),"
        f" proceed AS (SELECT 1 WHERE {key_placeholder}::varchar IS NULL"
        " OR EXISTS (SELECT 1 FROM claim))"
    )


async def replay(
    connection: asyncpg.Connection, *, viewer: str, key: str, action: Action, digest: str
) -> Written:
    """The first result of ``key``, or ``IDEMPOTENCY_KEY_REUSED`` if it was for other input."""
    row = await connection.fetchrow(REPLAY_SQL, viewer, key)
    if row is None:  # cannot happen: the create found the key taken
        raise RuntimeError("an idempotency key was taken and is gone")
    if row["action"] != action.value or row["request_hash"] != digest:
        return Written(None, Refusal.IDEMPOTENCY_KEY_REUSED)
    return Written(row["result_id"], replayed=True)
