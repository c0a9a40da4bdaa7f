"""How every mutation runs: signed in, values checked, one guarded write, a payload.

1. No viewer: a top-level ``UNAUTHENTICATED`` error (not a ``userErrors`` entry).
2. The values are checked (:mod:`tribe_service.validation`); any problem is a
   ``userErrors`` entry and nothing is written.
3. The write runs on the operation's transaction (:mod:`.transaction`) inside a
   savepoint, so a constraint the database enforces (a duplicate GitHub repository,
   say) becomes a ``CONFLICT`` entry and the operation goes on.
4. A refusal of the statement (:class:`~tribe_service.authorization.Refusal`) is a
   ``userErrors`` entry worded with the rule of
   :data:`~tribe_service.authorization.RULES`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import asyncpg

from tribe_service.authorization import RULES, Action, Refusal
from tribe_service.data_access.writes.outcome import Written
from tribe_service.graphql.context import Info
from tribe_service.graphql.errors import ClientError
from tribe_service.graphql.mutations.payloads import Payload
from tribe_service.graphql.mutations.user_errors import from_problem, from_refusal
from tribe_service.validation import problems

Write = Callable[[asyncpg.Connection, str, datetime], Awaitable[Written]]

# Which input field a refusal is about, when it is about one.
REFUSAL_FIELDS: Mapping[Refusal, list[str]] = {
    Refusal.STALE: ["input", "expectedUpdatedAt"],
    Refusal.IDEMPOTENCY_KEY_REUSED: ["input", "idempotencyKey"],
}


class NotSignedInError(ClientError):
    """A write without a signed-in builder."""

    code = "UNAUTHENTICATED"

    def __init__(self) -> None:
        super().__init__("Sign in to do this.")


async def perform[P: Payload](
    info: Info,
    action: Action,
    payload: type[P],
    write: Write,
    *,
    table: str | None = None,
    values: Mapping[str, Any] | None = None,
    payload_id: str | None = None,
) -> P:
    """Run ``write`` as the viewer and answer ``payload``.

    ``table`` and ``values``: what is checked before writing. ``payload_id``: the
    object the payload shows when it is not the written row (it is then shown only
    when the write took effect).
    """
    viewer = info.context.current_user_id
    if viewer is None:
        raise NotSignedInError
    found = problems(table, values or {}) if table else []
    if found:
        return payload(
            written_id=None, viewer_id=viewer, user_errors=[from_problem(p) for p in found]
        )
    async with info.context.engine.transaction_connection() as connection:
        try:
            async with connection.transaction():  # a savepoint: a refused constraint keeps the rest
                written = await write(connection, viewer, info.context.clock())
        except asyncpg.IntegrityConstraintViolationError:
            written = Written(None, Refusal.CONFLICT)
    if written.refusal is not None:
        rule = RULES[action]
        error = from_refusal(
            written.refusal,
            target=rule.target,
            who=str(rule.who),
            field=REFUSAL_FIELDS.get(written.refusal),
        )
        return payload(written_id=None, viewer_id=viewer, user_errors=[error])
    return payload(written_id=payload_id or written.id, viewer_id=viewer, user_errors=[])
