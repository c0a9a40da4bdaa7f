"""Writes to ``tribes`` and ``tribe_members``: create, edit, join, approve, leave, remove.

``max_members`` holds under concurrency: every statement that adds an active
member, or lowers the limit, runs after :data:`LOCK_TRIBE_SQL` in the same
transaction. The lock serialises them per tribe, and each statement after it
counts the members from a snapshot taken once the lock is held (a statement's
own ``FOR UPDATE`` would count from a snapshot taken before it waited).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg

from tribe_service.authorization import Action, Refusal
from tribe_service.data_access.writes import idempotency
from tribe_service.data_access.writes.outcome import Written, report, written
from tribe_service.data_access.writes.statement import Parameters, feed_event
from tribe_service.enums import EventType, MemberRole, MemberStatus, TribeStatus
from tribe_service.ids import ulid_at

EDITABLE_COLUMNS = ("name", "mission", "status", "max_members")
LOCK_TRIBE_SQL = "SELECT 1 FROM tribes WHERE id = $1 FOR UPDATE"

ACTIVE = MemberStatus.ACTIVE.value
PENDING = MemberStatus.PENDING.value
OWNER = MemberRole.OWNER.value
ACTIVE_COUNT = "(SELECT count(*) FROM tribe_members WHERE tribe_id = {tribe} AND status = 'active')"


def _tribe(ident: str) -> str:
    return (
        f"tribe AS (SELECT id, owner_id, name, status, max_members FROM tribes WHERE id = {ident})"
    )


def _columns(values: Mapping[str, Any]) -> list[str]:
    unknown = set(values) - set(EDITABLE_COLUMNS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    return list(values)


async def lock_tribe(connection: asyncpg.Connection, tribe_id: str) -> None:
    """Hold the tribe's row until the transaction ends (see the module docstring)."""
    await connection.execute(LOCK_TRIBE_SQL, tribe_id)


async def create_tribe(
    connection: asyncpg.Connection,
    viewer: str,
    values: Mapping[str, Any],
    *,
    idempotency_key: str | None,
    moment: datetime,
) -> Written:
    """A new tribe, its owner as its first active member, and the feed event: one statement."""
    p = Parameters()
    tribe_id = ulid_at(moment)
    digest = idempotency.request_hash(Action.CREATE_TRIBE, dict(values))
    columns = _columns(values)
    claim = idempotency.claim(
        p,
        viewer=viewer,
        key=idempotency_key,
        action=Action.CREATE_TRIBE,
        digest=digest,
        result_id=tribe_id,
        moment=moment,
    )
    owner, now, ident = p(viewer), p(moment), p(tribe_id)
    inserted = "".join(f", {p(values[column])}" for column in columns)
    event = feed_event(
        p,
        moment,
        source="tribe",
        event_type=EventType.TRIBE_CREATED,
        actor=owner,
        target_type="tribe",
        target_id="tribe.id",
        metadata="jsonb_build_object('tribe_name', tribe.name, 'mission', tribe.mission)",
    )
    sql = (
        f"WITH {claim},"
        " tribe AS (INSERT INTO tribes (id, owner_id, created_at, updated_at"
        f"{''.join(', ' + c for c in columns)})"
        f" SELECT {ident}, {owner}, {now}, {now}{inserted} FROM proceed"
        " RETURNING id, name, mission),"
        " member AS (INSERT INTO tribe_members (id, tribe_id, user_id, role, status, joined_at,"
        f" requested_at) SELECT {p(ulid_at(moment))}, tribe.id, {owner}, '{OWNER}', '{ACTIVE}',"
        f" {now}, {now} FROM tribe),"
        f" event AS ({event})"
        " SELECT (SELECT id FROM tribe) AS id, NULL AS refusal"
    )
    outcome = written(await connection.fetchrow(sql, *p.values))
    if outcome.id is None and idempotency_key is not None:
        return await idempotency.replay(
            connection,
            viewer=viewer,
            key=idempotency_key,
            action=Action.CREATE_TRIBE,
            digest=digest,
        )
    return outcome


async def update_tribe(
    connection: asyncpg.Connection,
    viewer: str,
    tribe_id: str,
    values: Mapping[str, Any],
    *,
    expected_updated_at: datetime | None,
    moment: datetime,
) -> Written:
    """The owner's edit; ``max_members`` never below the active members (``CONFLICT``)."""
    await lock_tribe(connection, tribe_id)
    p = Parameters()
    columns = _columns(values)
    ident, owner = p(tribe_id), p(viewer)
    assignments = "".join(f", {column} = {p(values[column])}" for column in columns)
    fresh = "TRUE" if expected_updated_at is None else f"updated_at = {p(expected_updated_at)}"
    limit = p(values.get("max_members"))
    fits = f"({limit}::int IS NULL OR {limit}::int >= {ACTIVE_COUNT.format(tribe=ident)})"
    refusals = (
        ("NOT EXISTS (SELECT 1 FROM tribe)", Refusal.NOT_FOUND),
        (f"(SELECT owner_id FROM tribe) <> {owner}", Refusal.FORBIDDEN),
        (f"NOT {fits}", Refusal.CONFLICT),
        ("TRUE", Refusal.STALE),
    )
    sql = (
        f"WITH {_tribe(ident)},"
        f" changed AS (UPDATE tribes SET updated_at = {p(moment)}{assignments}"
        f" WHERE id = {ident} AND owner_id = {owner} AND {fresh} AND {fits} RETURNING id)"
        + report("changed", *refusals)
    )
    return written(await connection.fetchrow(sql, *p.values))


async def request_to_join(
    connection: asyncpg.Connection, viewer: str, tribe_id: str, *, moment: datetime
) -> Written:
    """A builder asks to join an open tribe (again, after a rejection or leaving)."""
    p = Parameters()
    ident, me = p(tribe_id), p(viewer)
    refusals = (
        ("NOT EXISTS (SELECT 1 FROM tribe)", Refusal.NOT_FOUND),
        ("TRUE", Refusal.CONFLICT),  # not open, or already pending or active
    )
    sql = (
        f"WITH {_tribe(ident)},"
        " requested AS (INSERT INTO tribe_members (id, tribe_id, user_id, role, status,"
        f" requested_at) SELECT {p(ulid_at(moment))}, tribe.id, {me}, 'member', '{PENDING}',"
        f" {p(moment)} FROM tribe WHERE tribe.status = '{TribeStatus.OPEN.value}'"
        " ON CONFLICT (tribe_id, user_id) DO UPDATE SET status = EXCLUDED.status,"
        " requested_at = EXCLUDED.requested_at, joined_at = NULL"
        f" WHERE tribe_members.status NOT IN ('{PENDING}', '{ACTIVE}') RETURNING id)"
        + report("requested", *refusals)
    )
    return written(await connection.fetchrow(sql, *p.values))


async def respond_to_join_request(
    connection: asyncpg.Connection,
    viewer: str,
    tribe_id: str,
    user_id: str,
    *,
    approve: bool,
    moment: datetime,
) -> Written:
    """The owner approves (while the tribe has room: else ``FULL``) or rejects a pending request."""
    await lock_tribe(connection, tribe_id)
    p = Parameters()
    ident, owner, member = p(tribe_id), p(viewer), p(user_id)
    room = f"{ACTIVE_COUNT.format(tribe=ident)} < (SELECT max_members FROM tribe)"
    new_status = ACTIVE if approve else MemberStatus.REJECTED.value
    event = feed_event(
        p,
        moment,
        source="changed JOIN tribe ON tribe.id = changed.tribe_id",
        event_type=EventType.MEMBER_JOINED_TRIBE,
        actor="changed.user_id",
        target_type="tribe",
        target_id="tribe.id",
        metadata="jsonb_build_object('tribe_name', tribe.name)",
        where=f"changed.status = '{ACTIVE}'",
    )
    refusals = (
        ("NOT EXISTS (SELECT 1 FROM tribe)", Refusal.NOT_FOUND),
        (f"(SELECT owner_id FROM tribe) <> {owner}", Refusal.FORBIDDEN),
        ("NOT EXISTS (SELECT 1 FROM request)", Refusal.NOT_FOUND),
        (f"(SELECT status FROM request) <> '{PENDING}'", Refusal.CONFLICT),
        ("TRUE", Refusal.FULL),
    )
    sql = (
        f"WITH {_tribe(ident)},"
        " request AS (SELECT id, status FROM tribe_members"
        f" WHERE tribe_id = {ident} AND user_id = {member}),"
        f" changed AS (UPDATE tribe_members SET status = '{new_status}',"
        f" joined_at = {p(moment if approve else None)}"
        f" WHERE tribe_id = {ident} AND user_id = {member} AND status = '{PENDING}'"
        f" AND EXISTS (SELECT 1 FROM tribe WHERE owner_id = {owner})"
        f" AND {'(' + room + ')' if approve else 'TRUE'}"
        " RETURNING id, tribe_id, user_id, status),"
        f" event AS ({event})" + report("changed", *refusals)
    )
    return written(await connection.fetchrow(sql, *p.values))


async def leave_tribe(connection: asyncpg.Connection, viewer: str, tribe_id: str) -> Written:
    """An active member leaves; the owner cannot (a tribe always has its owner: ``CONFLICT``).

    The id is the tribe's."""
    p = Parameters()
    ident, me = p(tribe_id), p(viewer)
    refusals = (
        ("NOT EXISTS (SELECT 1 FROM tribe)", Refusal.NOT_FOUND),
        (f"(SELECT owner_id FROM tribe) = {me}", Refusal.CONFLICT),
        ("TRUE", Refusal.FORBIDDEN),  # not an active member
    )
    sql = (
        f"WITH {_tribe(ident)},"
        f" changed AS (UPDATE tribe_members SET status = '{MemberStatus.LEFT.value}'"
        f" WHERE tribe_id = {ident} AND user_id = {me} AND status = '{ACTIVE}'"
        f" AND role <> '{OWNER}' RETURNING tribe_id)"
        + report("changed", *refusals, id_column="tribe_id")
    )
    return written(await connection.fetchrow(sql, *p.values))


async def remove_member(
    connection: asyncpg.Connection, viewer: str, tribe_id: str, user_id: str
) -> Written:
    """The owner removes an active member or drops a pending request; never themself."""
    p = Parameters()
    ident, owner, member = p(tribe_id), p(viewer), p(user_id)
    refusals = (
        ("NOT EXISTS (SELECT 1 FROM tribe)", Refusal.NOT_FOUND),
        (f"(SELECT owner_id FROM tribe) <> {owner}", Refusal.FORBIDDEN),
        (f"{member} = {owner}", Refusal.CONFLICT),
        ("TRUE", Refusal.NOT_FOUND),  # no active member or request of that builder
    )
    sql = (
        f"WITH {_tribe(ident)},"
        f" changed AS (UPDATE tribe_members SET status = '{MemberStatus.REMOVED.value}'"
        f" WHERE tribe_id = {ident} AND user_id = {member}"
        f" AND status IN ('{ACTIVE}', '{PENDING}') AND role <> '{OWNER}'"
        f" AND EXISTS (SELECT 1 FROM tribes WHERE id = {ident} AND owner_id = {owner})"
        " RETURNING id)" + report("changed", *refusals)
    )
    return written(await connection.fetchrow(sql, *p.values))
