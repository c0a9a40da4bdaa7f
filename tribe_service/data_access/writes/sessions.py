"""Ending one of the viewer's own sessions (a refresh-token family) by its id."""

from __future__ import annotations

import asyncpg

from tribe_service.authorization import Refusal
from tribe_service.data_access.writes.outcome import Written, report, written
from tribe_service.data_access.writes.statement import Parameters


async def revoke_session(connection: asyncpg.Connection, viewer: str, session: str) -> Written:
    """Revoke every live token of the viewer's session ``session``; ``NOT_FOUND`` otherwise.

    The owner is part of the ``WHERE``: another builder's session, an unknown id and
    a session already ended are all the same ``NOT_FOUND`` (whether someone else
    holds such a session is none of the viewer's business).
    """
    p = Parameters()
    sql = (
        "WITH revoked AS (UPDATE refresh_tokens SET revoked_at = now()"
        f" WHERE family_id = {p(session)} AND user_id = {p(viewer)}"
        " AND revoked_at IS NULL AND expires_at > now() RETURNING family_id),"
        " ended AS (SELECT DISTINCT family_id FROM revoked)"
        + report("ended", ("TRUE", Refusal.NOT_FOUND), id_column="family_id")
    )
    return written(await connection.fetchrow(sql, *p.values))
