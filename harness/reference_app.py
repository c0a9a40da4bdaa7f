"""The benchmark's reference: the landing page from ONE hand-written SQL statement.

A bare Litestar app with one route, ``GET /landing?first=20``, answering the
same JSON as the GraphQL landing-page query (the client's ``LandingPage``):
PostgreSQL builds the whole document with ``json_build_object``/``json_agg``
and the route passes its text through untouched. The gap between this and
``/graphql`` is what the GraphQL layer (parsing, validation, resolvers,
DataLoaders, Piccolo, serialisation) costs.

Served like the app: ``uvicorn harness.reference_app:app --workers N``,
reading ``DATABASE_URL``, ``DB_POOL_MIN_SIZE`` and ``DB_POOL_MAX_SIZE``.
The benchmark checks that both answers parse to the same JSON.
"""

from __future__ import annotations

from typing import Annotated

import asyncpg
from litestar import Litestar, Response, get
from litestar.enums import MediaType
from litestar.params import QueryParameter

from tribe_service.config import settings_or_exit
from tribe_service.graphql.pagination import MAX_PAGE_SIZE


def iso(column: str) -> str:
    """SQL for Python's ``datetime.isoformat()`` of a UTC ``timestamptz`` (what GraphQL sends)."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN date_part('microseconds', {column})::bigint % 1000000 = 0 THEN ''"
        f" ELSE to_char({utc}, '.US') END || '+00:00')"
    )


def py_float(column: str) -> str:
    """SQL for Python's ``repr(float)`` of a double (``73.0``, not PostgreSQL's ``73``)."""
    return (
        f"(CASE WHEN {column} = trunc({column}) AND abs({column}) < 1e15"
        f" THEN {column}::bigint::text || '.0' ELSE {column}::text END)"
    )


def cursor(*parts: str) -> str:
    """SQL for ``pagination.encode_cursor``: url-safe base64 of ``json.dumps([kind, ...])``."""
    plain = " || ', ' || ".join(parts)
    return f"translate(encode(convert_to('[' || {plain} || ']', 'UTF8'), 'base64'), E'+/\\n', '-_')"


def quoted(expression: str) -> str:
    """SQL for a JSON string of ``expression`` (ids and timestamps need no escaping)."""
    return f"'\"' || {expression} || '\"'"


FEED_CURSOR = cursor("'\"feed\"'", quoted(iso("e.created_at")), quoted("e.id"))
BUILDER_CURSOR = cursor("'\"builders\"'", py_float("u.builder_score"), quoted("u.id"))

PERSON = "json_build_object('username', {0}.username, 'displayName', {0}.display_name)"


def json_object(column: str, keys: dict[str, str]) -> str:
    """SQL for a GraphQL object of a JSON column's keys (``{graphql name: stored key}``)."""
    pairs = ", ".join(f"'{name}', {column}->'{key}'" for name, key in keys.items())
    return f"json_build_object({pairs})"


METADATA = json_object(
    "e.metadata",
    {
        "projectTitle": "project_title",
        "techStack": "tech_stack",
        "release": "release",
        "collaboratorName": "collaborator_name",
        "ownerName": "owner_name",
        "tribeName": "tribe_name",
        "mission": "mission",
        "displayName": "display_name",
        "headline": "headline",
    },
)
IMPACT_METRICS = json_object("p.impact_metrics", {"users": "users", "stars": "stars"})
NESTED_LIMIT = 20  # the default `first` of nested lists

LANDING_SQL = f"""
WITH
feed_rows AS MATERIALIZED (
  SELECT id, event_type, actor_id, target_type, target_id, metadata, created_at
  FROM feed_events ORDER BY created_at DESC, id DESC LIMIT $1 + 1
),
builder_rows AS MATERIALIZED (
  SELECT id, username, display_name, avatar_url, headline, primary_role, availability_status,
         builder_score
  FROM users ORDER BY builder_score DESC, id LIMIT $1 + 1
),
feed_page AS (
  SELECT e.*, {FEED_CURSOR} AS cursor,
         row_number() OVER (ORDER BY e.created_at DESC, e.id DESC) AS n
  FROM (SELECT * FROM feed_rows ORDER BY created_at DESC, id DESC LIMIT $1) AS e
),
builder_page AS (
  SELECT u.*, {BUILDER_CURSOR} AS cursor,
         row_number() OVER (ORDER BY u.builder_score DESC, u.id) AS n
  FROM (SELECT * FROM builder_rows ORDER BY builder_score DESC, id LIMIT $1) AS u
)
SELECT json_build_object('data', json_build_object(
  'feed', json_build_object(
    'edges', coalesce((
      SELECT json_agg(json_build_object(
        'cursor', e.cursor,
        'node', json_build_object(
          'id', e.id, 'eventType', upper(e.event_type), 'targetType', e.target_type,
          'targetId', e.target_id, 'metadata', {METADATA}, 'createdAt', {iso("e.created_at")},
          'actor', (
            SELECT json_build_object('id', a.id, 'username', a.username,
                                     'displayName', a.display_name, 'avatarUrl', a.avatar_url)
            FROM users a WHERE a.id = e.actor_id),
          'target', CASE e.target_type
            WHEN 'project' THEN (
              SELECT json_build_object('__typename', 'Project', 'id', p.id, 'title', p.title,
                                       'projectStatus', upper(p.status))
              FROM projects p WHERE p.id = e.target_id)
            WHEN 'tribe' THEN (
              SELECT json_build_object('__typename', 'Tribe', 'id', t.id, 'name', t.name,
                                       'tribeStatus', upper(t.status))
              FROM tribes t WHERE t.id = e.target_id)
            WHEN 'user' THEN (
              SELECT json_build_object('__typename', 'User', 'id', v.id,
                                       'username', v.username, 'displayName', v.display_name)
              FROM users v WHERE v.id = e.target_id)
          END)) ORDER BY e.n)
      FROM feed_page e), '[]'::json),
    'pageInfo', json_build_object(
      'hasNextPage', (SELECT count(*) FROM feed_rows) > $1,
      'endCursor', (SELECT cursor FROM feed_page ORDER BY n DESC LIMIT 1))),
  'builders', json_build_object(
    'nodes', coalesce((
      SELECT json_agg(json_build_object(
        'id', u.id, 'username', u.username, 'displayName', u.display_name,
        'avatarUrl', u.avatar_url, 'headline', u.headline, 'primaryRole', upper(u.primary_role),
        'availabilityStatus', upper(u.availability_status), 'builderScore', u.builder_score,
        'skills', coalesce((
          SELECT json_agg(json_build_object('name', s.name, 'slug', s.slug,
                                            'category', upper(s.category))
                          ORDER BY us.added_at, us.id)
          FROM user_skills us JOIN skills s ON s.id = us.skill_id
          WHERE us.user_id = u.id), '[]'::json)) ORDER BY u.n)
      FROM builder_page u), '[]'::json),
    'pageInfo', json_build_object(
      'hasNextPage', (SELECT count(*) FROM builder_rows) > $1,
      'endCursor', (SELECT cursor FROM builder_page ORDER BY n DESC LIMIT 1))),
  'projects', json_build_object(
    'nodes', coalesce((
      SELECT json_agg(json_build_object(
        'id', p.id, 'title', p.title, 'description', p.description,
        'status', upper(p.status), 'techStack', p.tech_stack, 'githubStars', p.github_stars,
        'impactMetrics', {IMPACT_METRICS},
        'owner', (SELECT {PERSON.format("o")} FROM users o WHERE o.id = p.owner_id),
        'collaborators', coalesce((
          SELECT json_agg(json_build_object('role', c.role, 'status', upper(c.status),
                                            'user', {PERSON.format("cu")})
                          ORDER BY c.invited_at, c.id)
          FROM (SELECT * FROM project_collaborators
                WHERE project_id = p.id AND status = 'confirmed'
                ORDER BY invited_at, id LIMIT {NESTED_LIMIT}) AS c
          JOIN users cu ON cu.id = c.user_id), '[]'::json))
        ORDER BY p.created_at DESC, p.id DESC)
      FROM (
        SELECT id, owner_id, title, description, status, tech_stack, github_stars,
               impact_metrics, created_at
        FROM projects ORDER BY created_at DESC, id DESC LIMIT $1) AS p),
      '[]'::json)),
  'tribes', json_build_object(
    'nodes', coalesce((
      SELECT json_agg(json_build_object(
        'id', t.id, 'name', t.name, 'mission', t.mission, 'status', upper(t.status),
        'maxMembers', t.max_members,
        'owner', (SELECT {PERSON.format("o")} FROM users o WHERE o.id = t.owner_id),
        'members', coalesce((
          SELECT json_agg(json_build_object('role', upper(m.role), 'status', upper(m.status),
                                            'user', {PERSON.format("mu")})
                          ORDER BY m.role DESC, m.requested_at, m.id)
          FROM (SELECT * FROM tribe_members WHERE tribe_id = t.id AND status = 'active'
                ORDER BY role DESC, requested_at, id LIMIT {NESTED_LIMIT}) AS m
          JOIN users mu ON mu.id = m.user_id), '[]'::json),
        'openRoles', coalesce((
          SELECT json_agg(json_build_object('title', r.title, 'skillsNeeded', r.skills_needed,
                                            'filled', r.filled)
                          ORDER BY r.title, r.id)
          FROM (SELECT * FROM tribe_open_roles WHERE tribe_id = t.id
                ORDER BY title, id LIMIT {NESTED_LIMIT}) AS r), '[]'::json))
        ORDER BY t.created_at DESC, t.id DESC)
      FROM (
        SELECT id, owner_id, name, mission, status, max_members, created_at
        FROM tribes ORDER BY created_at DESC, id DESC LIMIT $1) AS t),
      '[]'::json))
))::text
"""


class ReferenceApp:
    """The pool and the one route."""

    def __init__(self) -> None:
        self.settings = settings_or_exit()
        self.pool: asyncpg.Pool | None = None

    async def open_pool(self) -> None:
        """Open a pool the size of the app's (``DB_POOL_MIN_SIZE``..``DB_POOL_MAX_SIZE``)."""
        self.pool = await asyncpg.create_pool(
            self.settings.database_url,
            min_size=self.settings.db_pool_min_size,
            max_size=self.settings.db_pool_max_size,
        )

    async def close_pool(self) -> None:
        """Close the pool on shutdown."""
        if self.pool is not None:
            await self.pool.close()

    async def landing_json(self, first: int) -> str:
        """The landing-page document, built by PostgreSQL."""
        if self.pool is None:
            raise RuntimeError("the pool is not open")
        async with self.pool.acquire() as connection:
            return await connection.fetchval(LANDING_SQL, first)


reference = ReferenceApp()


@get("/landing")
async def landing(
    first: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> Response[bytes]:
    """The landing page's JSON, exactly as PostgreSQL produced it."""
    document = await reference.landing_json(first)
    return Response(document.encode(), media_type=MediaType.JSON)


app = Litestar(
    route_handlers=[landing],
    on_startup=[reference.open_pool],
    on_shutdown=[reference.close_pool],
)
