"""Writes to ``projects``: create (with its feed event), edit, archive.

Who may: :data:`tribe_service.authorization.RULES`. The owner condition is part
of each ``UPDATE``'s ``WHERE``; the refusal is computed in the same statement.
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
from tribe_service.enums import EventType, ProjectStatus
from tribe_service.ids import ulid_at

# The columns an owner may set; everything else (stars, vectors, timestamps) is the system's.
EDITABLE_COLUMNS = (
    "title",
    "description",
    "status",
    "role",
    "thumbnail_url",
    "links",
    "tech_stack",
    "impact_metrics",
    "github_repo_full_name",
)

# What a feed card shows of a project event (the seed's keys).
PROJECT_EVENT_METADATA = (
    "jsonb_build_object('project_title', {row}.title, 'tech_stack', {row}.tech_stack)"
)
SHIPPED = ProjectStatus.SHIPPED.value


def _columns(values: Mapping[str, Any]) -> list[str]:
    unknown = set(values) - set(EDITABLE_COLUMNS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    return list(values)


async def create_project(
    connection: asyncpg.Connection,
    viewer: str,
    values: Mapping[str, Any],
    *,
    idempotency_key: str | None,
    moment: datetime,
) -> Written:
    """A new project owned by ``viewer`` and its feed event, in one statement.

    A shipped project announces itself as shipped, any other as created.
    """
    p = Parameters()
    project_id = ulid_at(moment)
    digest = idempotency.request_hash(Action.CREATE_PROJECT, dict(values))
    columns = _columns(values)
    claim = idempotency.claim(
        p,
        viewer=viewer,
        key=idempotency_key,
        action=Action.CREATE_PROJECT,
        digest=digest,
        result_id=project_id,
        moment=moment,
    )
    owner, now, ident = p(viewer), p(moment), p(project_id)
    inserted = ", ".join(p(values[column]) for column in columns)
    event = feed_event(
        p,
        moment,
        source="project",
        event_type=(
            f"CASE WHEN project.status = '{SHIPPED}' THEN '{EventType.PROJECT_SHIPPED.value}'"
            f" ELSE '{EventType.PROJECT_CREATED.value}' END"
        ),
        actor=owner,
        target_type="project",
        target_id="project.id",
        metadata=PROJECT_EVENT_METADATA.format(row="project"),
    )
    sql = (
        f"WITH {claim},"
        f" project AS (INSERT INTO projects (id, owner_id, created_at, updated_at"
        f"{''.join(', ' + c for c in columns)})"
        f" SELECT {ident}, {owner}, {now}, {now}{', ' + inserted if columns else ''} FROM proceed"
        " RETURNING id, title, tech_stack, status),"
        f" event AS ({event})"
        " SELECT (SELECT id FROM project) AS id, NULL AS refusal"
    )
    outcome = written(await connection.fetchrow(sql, *p.values))
    if outcome.id is None and idempotency_key is not None:
        return await idempotency.replay(
            connection,
            viewer=viewer,
            key=idempotency_key,
            action=Action.CREATE_PROJECT,
            digest=digest,
        )
    return outcome


async def update_project(
    connection: asyncpg.Connection,
    viewer: str,
    project_id: str,
    values: Mapping[str, Any],
    *,
    expected_updated_at: datetime | None,
    moment: datetime,
) -> Written:
    """The owner's edit, refused as ``STALE`` if the row changed since ``expected_updated_at``.

    Moving a project to shipped adds a ``project_shipped`` event.
    """
    p = Parameters()
    columns = _columns(values)
    ident, owner = p(project_id), p(viewer)
    assignments = "".join(f", {column} = {p(values[column])}" for column in columns)
    fresh = (
        "TRUE" if expected_updated_at is None else f"projects.updated_at = {p(expected_updated_at)}"
    )
    event = feed_event(
        p,
        moment,
        source="changed, target",
        event_type=EventType.PROJECT_SHIPPED,
        actor=owner,
        target_type="project",
        target_id="changed.id",
        metadata=PROJECT_EVENT_METADATA.format(row="changed"),
        where=f"changed.status = '{SHIPPED}' AND target.status <> '{SHIPPED}'",
    )
    refusals = (
        ("NOT EXISTS (SELECT 1 FROM target)", Refusal.NOT_FOUND),
        (f"(SELECT owner_id FROM target) <> {owner}", Refusal.FORBIDDEN),
        ("TRUE", Refusal.STALE),
    )
    sql = (
        f"WITH target AS (SELECT id, owner_id, status FROM projects WHERE id = {ident}),"
        f" changed AS (UPDATE projects SET updated_at = {p(moment)}{assignments}"
        f" WHERE projects.id = {ident} AND projects.owner_id = {owner} AND {fresh}"
        " RETURNING id, title, tech_stack, status),"
        f" event AS ({event})" + report("changed", *refusals)
    )
    return written(await connection.fetchrow(sql, *p.values))


async def archive_project(
    connection: asyncpg.Connection, viewer: str, project_id: str, *, moment: datetime
) -> Written:
    """The owner archives the project (archiving an archived project changes nothing, and is fine)."""
    return await update_project(
        connection,
        viewer,
        project_id,
        {"status": ProjectStatus.ARCHIVED.value},
        expected_updated_at=None,
        moment=moment,
    )
