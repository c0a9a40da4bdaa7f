"""Writes to ``project_collaborators``: invite, respond, remove, leave.

Each is one statement whose ``WHERE`` holds the rule (the project's owner, the
invitee, a confirmed collaborator) and the state it needs (``status = 'pending'``),
so two responses to one invitation cannot both take effect.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from tribe_service.authorization import Refusal
from tribe_service.data_access.writes.outcome import Written, report, written
from tribe_service.data_access.writes.statement import Parameters, feed_event
from tribe_service.enums import CollaboratorStatus, EventType
from tribe_service.ids import ulid_at

PENDING = CollaboratorStatus.PENDING.value
CONFIRMED = CollaboratorStatus.CONFIRMED.value
DECLINED = CollaboratorStatus.DECLINED.value

COLLABORATION_METADATA = (
    "jsonb_build_object('project_title', project.title, 'collaborator_name',"
    " collaborator.display_name, 'owner_name', owner.display_name)"
)


def _project(ident: str) -> str:
    return f"project AS (SELECT id, owner_id, title FROM projects WHERE id = {ident})"


async def invite_collaborator(
    connection: asyncpg.Connection,
    viewer: str,
    project_id: str,
    user_id: str,
    role: str | None,
    *,
    moment: datetime,
) -> Written:
    """The owner invites a builder (again, if they had declined); never the owner themself."""
    p = Parameters()
    ident, owner, invitee = p(project_id), p(viewer), p(user_id)
    refusals = (
        ("NOT EXISTS (SELECT 1 FROM project)", Refusal.NOT_FOUND),
        (f"(SELECT owner_id FROM project) <> {owner}", Refusal.FORBIDDEN),
        ("NOT EXISTS (SELECT 1 FROM invitee)", Refusal.NOT_FOUND),
        ("TRUE", Refusal.CONFLICT),  # the owner, or already invited or collaborating
    )
    sql = (
        f"WITH {_project(ident)},"
        f" invitee AS (SELECT id FROM users WHERE id = {invitee}),"
        " invited AS (INSERT INTO project_collaborators"
        " (id, project_id, user_id, role, status, invited_at)"
        f" SELECT {p(ulid_at(moment))}, project.id, invitee.id, {p(role)}, '{PENDING}', {p(moment)}"
        f" FROM project, invitee WHERE project.owner_id = {owner} AND invitee.id <> project.owner_id"
        " ON CONFLICT (project_id, user_id) DO UPDATE"
        " SET status = EXCLUDED.status, role = EXCLUDED.role, invited_at = EXCLUDED.invited_at,"
        " confirmed_at = NULL"
        f" WHERE project_collaborators.status = '{DECLINED}'"
        " RETURNING id)" + report("invited", *refusals)
    )
    return written(await connection.fetchrow(sql, *p.values))


async def respond_to_collaboration(
    connection: asyncpg.Connection,
    viewer: str,
    project_id: str,
    *,
    accept: bool,
    moment: datetime,
) -> Written:
    """The invitee accepts or declines a pending invitation; accepting adds the feed event."""
    p = Parameters()
    ident, me = p(project_id), p(viewer)
    new_status = CONFIRMED if accept else DECLINED
    event = feed_event(
        p,
        moment,
        source=(
            "changed JOIN project ON project.id = changed.project_id"
            " JOIN users collaborator ON collaborator.id = changed.user_id"
            " JOIN users owner ON owner.id = project.owner_id"
        ),
        event_type=EventType.COLLABORATION_CONFIRMED,
        actor=me,
        target_type="project",
        target_id="project.id",
        metadata=COLLABORATION_METADATA,
        where=f"changed.status = '{CONFIRMED}'",
    )
    refusals = (
        ("NOT EXISTS (SELECT 1 FROM project)", Refusal.NOT_FOUND),
        ("NOT EXISTS (SELECT 1 FROM invitation)", Refusal.FORBIDDEN),
        ("TRUE", Refusal.CONFLICT),  # answered already
    )
    sql = (
        f"WITH {_project(ident)},"
        " invitation AS (SELECT id FROM project_collaborators"
        f" WHERE project_id = {ident} AND user_id = {me}),"
        f" changed AS (UPDATE project_collaborators SET status = '{new_status}',"
        f" confirmed_at = {p(moment if accept else None)}"
        f" WHERE project_id = {ident} AND user_id = {me} AND status = '{PENDING}'"
        " RETURNING id, project_id, user_id, status),"
        f" event AS ({event})" + report("changed", *refusals)
    )
    return written(await connection.fetchrow(sql, *p.values))


async def remove_collaborator(
    connection: asyncpg.Connection, viewer: str, project_id: str, user_id: str
) -> Written:
    """The owner removes a collaborator or withdraws an invitation; the id is the project's."""
    p = Parameters()
    ident, owner = p(project_id), p(viewer)
    refusals = (
        ("NOT EXISTS (SELECT 1 FROM project)", Refusal.NOT_FOUND),
        (f"(SELECT owner_id FROM project) <> {owner}", Refusal.FORBIDDEN),
        ("TRUE", Refusal.NOT_FOUND),  # no such collaborator
    )
    sql = (
        f"WITH {_project(ident)},"
        " removed AS (DELETE FROM project_collaborators"
        f" WHERE project_id = {ident} AND user_id = {p(user_id)}"
        f" AND EXISTS (SELECT 1 FROM projects WHERE id = {ident} AND owner_id = {owner})"
        " RETURNING project_id)" + report("removed", *refusals, id_column="project_id")
    )
    return written(await connection.fetchrow(sql, *p.values))


async def leave_project(connection: asyncpg.Connection, viewer: str, project_id: str) -> Written:
    """A confirmed collaborator leaves; the id is the project's."""
    p = Parameters()
    ident = p(project_id)
    refusals = (
        ("NOT EXISTS (SELECT 1 FROM project)", Refusal.NOT_FOUND),
        ("TRUE", Refusal.FORBIDDEN),  # not a confirmed collaborator
    )
    sql = (
        f"WITH {_project(ident)},"
        " removed AS (DELETE FROM project_collaborators"
        f" WHERE project_id = {ident} AND user_id = {p(viewer)} AND status = '{CONFIRMED}'"
        " RETURNING project_id)" + report("removed", *refusals, id_column="project_id")
    )
    return written(await connection.fetchrow(sql, *p.values))
