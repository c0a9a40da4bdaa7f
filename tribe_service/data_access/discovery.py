"""Discovery SQL: full-text search, skills filter, open-role candidates, similarity, embeddings.

Every function that serves a GraphQL list takes *many* keys and answers them in
one statement (``= ANY($1)`` and ``LATERAL``), so a page of twenty roles'
candidates or twenty builders' similar builders costs what one does. They return
ids (plus rank, similarity, matched skills): the rows themselves come from the
API's per-request loaders, so each row shape is declared once.

**Search** parses the text with ``websearch_to_tsquery('english', ...)``
(quotes, ``-``, ``or``); the last word, when it is a plain word, may also be a
prefix (type-ahead: "may" finds Maya), in the ``english`` and ``simple``
configurations. A query with no lexemes (punctuation, stop words only) matches
nothing. Hits are ranked by ``ts_rank_cd`` over the weighted search vectors,
then id, and paged on (rank, id, kind); the GIN indexes serve the matching.

**Similarity** is cosine distance over the HNSW indexes. ``hnsw.ef_search`` (the
candidate list an index scan keeps) is :data:`HNSW_EF_SEARCH`, set with ``SET
LOCAL`` in the statement's own transaction; ``hnsw.iterative_scan`` is
``strict_order``, so excluding the row itself can never leave a page short; and
``enable_seqscan`` is off for that statement, as the planner misprices the
sequential scan of TOASTed vectors (see :data:`HNSW_SETTINGS_SQL`).
``benchmarks/recall.py`` measures the recall@10 these settings give.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pgvector import Vector
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

from tribe_service.data_access.relations import Relation, ToOne
from tribe_service.data_access.shapes import PROJECT, TRIBE, USER, RowShape
from tribe_service.embeddings import BuilderProfile, ProjectProfile
from tribe_service.engine import TribeEngine
from tribe_service.enums import AvailabilityStatus, MemberStatus, SearchKind
from tribe_service.tables import User

Row = dict[str, Any]

# The HNSW candidate list per index scan: recall@10 0.998 on the scale data (40 gave
# about the same; docs/performance.md has the latest measure). Pages hold at most 100 hits,
# and with iterative_scan a scan can go past it, so a page is never cut short.
HNSW_EF_SEARCH: Final = 100

# Snippets: at most this many words around the best match, highlighted with <mark>.
SNIPPET_OPTIONS: Final = "MaxWords=20, MinWords=8, MaxFragments=1"
_HIGHLIGHT_START, _HIGHLIGHT_STOP = "\x02", "\x03"

# Candidates: builders who are looking rank first.
AVAILABILITY_ORDER: Final = (
    AvailabilityStatus.OPEN_TO_TRIBE,
    AvailabilityStatus.AVAILABLE_FOR_PROJECTS,
    AvailabilityStatus.JUST_BROWSING,
)


def _engine() -> TribeEngine:
    engine = engine_finder()
    if not isinstance(engine, TribeEngine):
        raise RuntimeError("piccolo_conf.DB must be built by tribe_service.engine.build_engine")
    return engine


async def _fetch(sql: str, *args: Any) -> list[Row]:
    rows: list[Row] = await User.raw(sql, *args)
    return rows


# --- search ----------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class SearchText:
    """A search box's text, split for type-ahead: everything, and a last-word prefix.

    ``prefix`` is the last word when it is a plain word (not quoted, negated,
    ``or`` or after ``or``); then ``head`` is the text before it.
    """

    full: str
    head: str = ""
    last: str = ""
    prefix: str | None = None

    @classmethod
    def parse(cls, text: str) -> SearchText:
        """Split ``text`` (already checked to hold something besides spaces)."""
        full = " ".join(text.split())
        head, _, last = full.rpartition(" ")
        plain = (
            head.count('"') % 2 == 0
            and not head.lower().endswith(" or")
            and head.lower() != "or"
            and not last.startswith(("-", '"'))
            and '"' not in last
            and last.lower() != "or"
        )
        words = _WORD.findall(last)
        if not plain or not words:
            return cls(full=full)
        return cls(full=full, head=head, last=last, prefix=words[-1].lower())


def _tsquery_sql(text: SearchText) -> tuple[str, list[Any]]:
    """The tsquery expression for ``text``, and its arguments; NULL when it has no lexemes."""
    if text.prefix is None:
        query = "websearch_to_tsquery('english', {})"
        args: list[Any] = [text.full]
    else:
        query = (
            "(websearch_to_tsquery('english', {}) && (websearch_to_tsquery('english', {})"
            " || to_tsquery('english', {}) || to_tsquery('simple', {})))"
        )
        pattern = f"{text.prefix}:*"
        args = [text.head, text.last, pattern, pattern]
    sql = f"CASE WHEN numnode(websearch_to_tsquery('english', {{}})) > 0 THEN {query} END"
    return sql, [text.full, *args]


# Per kind: the table, and the text a snippet is cut from.
_SEARCHED: Final = {
    SearchKind.USER: ("users", "concat_ws(' — ', t.display_name, t.headline, t.bio)"),
    SearchKind.PROJECT: ("projects", "concat_ws(' — ', t.title, t.description)"),
    SearchKind.TRIBE: ("tribes", "concat_ws(' — ', t.name, t.mission)"),
}


@dataclass(frozen=True, slots=True)
class SearchCursor:
    """Where a search page ends: the last hit's rank, id and kind."""

    rank: float
    id: str
    kind: SearchKind


def _hits(text: SearchText, kinds: Sequence[SearchKind]) -> tuple[str, str, list[Any]]:
    """``WITH q`` (the tsquery), the UNION of matching rows ``(kind, id, rank)``, the args."""
    query_sql, args = _tsquery_sql(text)
    branches = [
        f"SELECT '{kind.value}'::text AS kind, t.id, ts_rank_cd(t.search_vector, q.query) AS rank "
        f"FROM {_SEARCHED[kind][0]} t, q WHERE t.search_vector @@ q.query"
        for kind in SearchKind
        if kind in kinds
    ]
    return (
        f"WITH q AS MATERIALIZED (SELECT {query_sql} AS query)",
        " UNION ALL ".join(branches),
        args,
    )


# Best first; id and kind make the order total (cursors are keyset positions on it).
_SEARCH_ORDER: Final = "{h}.rank DESC, {h}.id, {h}.kind"


def search_statement(
    text: SearchText, kinds: Sequence[SearchKind], limit: int, after: SearchCursor | None
) -> tuple[str, list[Any]]:
    """The SQL of :func:`search` and its arguments (tests EXPLAIN it)."""
    with_query, hits, args = _hits(text, kinds)
    keyset = "TRUE"
    if after is not None:
        keyset = "(h.rank < {}::real OR (h.rank = {}::real AND (h.id, h.kind) > ({}, {})))"
        args += [after.rank, after.rank, after.id, after.kind.value]
    snippets = " ".join(
        f"WHEN '{kind.value}' THEN (SELECT {document} FROM {table} t WHERE t.id = p.id)"
        for kind, (table, document) in _SEARCHED.items()
    )
    sql = f"""
        {with_query},
        page AS (
            SELECT h.kind, h.id, h.rank FROM ({hits}) h
            WHERE {keyset}
            ORDER BY {_SEARCH_ORDER.format(h="h")}
            LIMIT {{}}
        )
        SELECT p.kind, p.id, p.rank, ts_headline(
            'english', CASE p.kind {snippets} END, q.query,
            'StartSel={_HIGHLIGHT_START}, StopSel={_HIGHLIGHT_STOP}, {SNIPPET_OPTIONS}'
        ) AS snippet
        FROM page p, q
        ORDER BY {_SEARCH_ORDER.format(h="p")}
    """
    return sql, [*args, limit]


def search_page_statement(
    select: str,
    t: str,
    text: SearchText,
    kinds: Sequence[SearchKind],
    limit: int,
    after: SearchCursor | None,
) -> tuple[str, list[Any]]:
    """:func:`search`'s hits as rows of alias ``t`` (``kind, id, rank, snippet``), ``$n`` style.

    Selects ``select``, which may correlate subqueries to ``t`` (the compiled executor's
    nodes); the raw snippet needs :func:`highlighted_html`.
    """
    sql, args = numbered(search_statement(text, kinds, limit, after))
    return f"SELECT {select} FROM ({sql}) {t} ORDER BY {_SEARCH_ORDER.format(h=t)}", args


async def search(
    text: SearchText, kinds: Sequence[SearchKind], limit: int, after: SearchCursor | None
) -> list[Row]:
    """Up to ``limit`` hits ``{kind, id, rank, snippet}``, best first, after ``after``.

    ``kinds`` must not be empty. The snippet is HTML (see :func:`highlighted_html`).
    """
    sql, args = search_statement(text, kinds, limit, after)
    rows = await _fetch(sql, *args)
    for row in rows:
        row["kind"] = SearchKind(row["kind"])
        row["snippet"] = highlighted_html(row["snippet"])
    return rows


def search_count_statement(text: SearchText, kinds: Sequence[SearchKind]) -> tuple[str, list[Any]]:
    """The SQL of :func:`count_search_hits` and its arguments."""
    with_query, hits, args = _hits(text, kinds)
    return f"{with_query} SELECT count(*) AS n FROM ({hits}) h", args


async def count_search_hits(text: SearchText, kinds: Sequence[SearchKind]) -> int:
    """How many rows of ``kinds`` match ``text`` (``kinds`` must not be empty)."""
    sql, args = search_count_statement(text, kinds)
    [row] = await _fetch(sql, *args)
    return int(row["n"])


def numbered(statement: tuple[str, list[Any]]) -> tuple[str, list[Any]]:
    """A statement of this module (``{}`` placeholders, as Piccolo's ``raw``) with ``$1, $2...``."""
    sql, args = statement
    return QueryString(sql, *args).compile_string()


def highlighted_html(snippet: str) -> str:
    """A search snippet as HTML: its text escaped, its matches in ``<mark>``."""
    escaped = html.escape(snippet, quote=False)
    return escaped.replace(_HIGHLIGHT_START, "<mark>").replace(_HIGHLIGHT_STOP, "</mark>")


# --- builders by skill -----------------------------------------------------------------


# ``users`` rows (alias ``{t}``) holding every one of the skill terms in parameter ``{0}``
# (a text[] from :func:`skill_terms`); the builders list's ``skills`` filter.
HOLDING_ALL_SKILLS_SQL: Final = """{t}.id IN (
            SELECT us.user_id
            FROM unnest({0}::text[]) WITH ORDINALITY AS term(text, n)
            JOIN skills s ON lower(s.name) = term.text OR lower(s.slug) = term.text
            JOIN user_skills us ON us.skill_id = s.id
            GROUP BY us.user_id
            HAVING count(DISTINCT term.n) = cardinality({0}::text[])
        )"""


def skill_terms(skills: Sequence[str] | None) -> list[str] | None:
    """The distinct lower-cased skill names or slugs to match (None: no skills filter)."""
    if not skills:
        return None
    return sorted({skill.strip().lower() for skill in skills})


# --- open roles' candidates ------------------------------------------------------------

_AVAILABILITY_RANK = (
    "CASE u.availability_status "
    + " ".join(
        f"WHEN '{status.value}' THEN {rank}" for rank, status in enumerate(AVAILABILITY_ORDER)
    )
    + f" ELSE {len(AVAILABILITY_ORDER)} END"
)

# Each role's needed skills become an array of skill ids first (in the role's order), so
# the per-role part is an index lookup of user_skills by skill id, not a join the planner
# has to guess the size of (it assumes 100 elements for any JSON array). ``{where}``
# chooses the roles.
_ROLES_SQL: Final = """
    SELECT r.id AS role_id, r.tribe_id, tr.owner_id,
           ARRAY(
               SELECT s.id
               FROM jsonb_array_elements_text(r.skills_needed) WITH ORDINALITY AS wanted(name, position)
               JOIN skills s ON lower(s.name) = lower(wanted.name) OR lower(s.slug) = lower(wanted.name)
               GROUP BY s.id
               ORDER BY min(wanted.position)
           )::varchar[] AS skill_ids
    FROM tribe_open_roles r JOIN tribes tr ON tr.id = r.tribe_id
    WHERE {where}
"""
# One role's (``roles``) candidates, best first, ``{limit}`` of them.
_CANDIDATES_OF_ROLE_SQL: Final = f"""
    SELECT held.user_id, held.skill_ids, held.matches,
           {_AVAILABILITY_RANK} AS availability,
           u.builder_score
    FROM (
        SELECT us.user_id, count(*) AS matches,
               array_agg(us.skill_id ORDER BY array_position(roles.skill_ids, us.skill_id))
                   AS skill_ids
        FROM user_skills us
        WHERE us.skill_id = ANY(roles.skill_ids) AND us.user_id <> roles.owner_id
        GROUP BY us.user_id
    ) held
    -- OFFSET 0 keeps this a lookup by primary key per holder: flattened into a join, the
    -- planner hashes all of users (it cannot know how few hold the role's skills).
    CROSS JOIN LATERAL (
        SELECT availability_status, builder_score FROM users WHERE id = held.user_id OFFSET 0
    ) u
    WHERE NOT EXISTS (
        SELECT 1 FROM tribe_members m
        WHERE m.tribe_id = roles.tribe_id AND m.user_id = held.user_id
          AND m.status = '{MemberStatus.ACTIVE.value}'
    )
    ORDER BY held.matches DESC, availability, u.builder_score DESC, held.user_id
    LIMIT {{limit}}
"""
_CANDIDATE_ORDER: Final = "{c}.matches DESC, {c}.availability, {c}.builder_score DESC, {c}.user_id"

CANDIDATES_SQL: Final = f"""
WITH roles AS MATERIALIZED ({_ROLES_SQL.format(where="r.id = ANY({})")})
SELECT roles.role_id, c.user_id, c.skill_ids, c.matches, c.availability, c.builder_score
FROM roles CROSS JOIN LATERAL ({_CANDIDATES_OF_ROLE_SQL.format(limit="{}")}) c
ORDER BY roles.role_id, {_CANDIDATE_ORDER.format(c="c")}
"""


def candidates_correlated(select: str, t: str, parent: str, limit: int) -> str:
    """The candidates of the open role ``parent`` (an alias of the enclosing statement).

    Selects ``select`` over alias ``t`` (columns ``user_id``, ``skill_ids``, ...), in
    :func:`open_role_candidates`'s order: the compiled executor's form of the same query.
    """
    roles = _ROLES_SQL.format(where=f"r.id = {parent}.id")
    return (
        f"SELECT {select} FROM ({roles} OFFSET 0) roles"
        f" CROSS JOIN LATERAL ({_CANDIDATES_OF_ROLE_SQL.format(limit=int(limit))}) {t}"
        f" ORDER BY {_CANDIDATE_ORDER.format(c=t)}"
    )


async def open_role_candidates(role_ids: Sequence[str], limit: int) -> list[Row]:
    """Per role (``role_id``), up to ``limit`` candidates ``{user_id, skill_ids, matches}``.

    A candidate holds at least one of the role's ``skills_needed`` (by name or slug,
    any case) and is neither the tribe's owner nor an active member; ranked by
    skills held, availability (open to a tribe first), builder score, then id.
    ``skill_ids`` are the matched skills in the role's order.
    """
    return await _fetch(CANDIDATES_SQL, list(role_ids), limit)


# --- similarity ------------------------------------------------------------------------


def _nearest_of(table: str, source: str, limit: str) -> str:
    """The ``limit`` rows of ``table`` nearest the row ``source`` (an outer alias): id, similarity."""
    return (
        f"SELECT o.id, 1 - (o.embedding <=> {source}.embedding) AS similarity"
        f" FROM {table} o WHERE o.id <> {source}.id AND o.embedding IS NOT NULL"
        f" ORDER BY o.embedding <=> {source}.embedding LIMIT {limit}"
    )


_EMBEDDED_TABLES: Final = ("users", "projects")
_SIMILAR_ORDER: Final = "{n}.similarity DESC, {n}.id"


# Run in the nearest-neighbour statement's own transaction (benchmarks/recall.py too).
# The planner does not cost reading TOASTed vectors, so a sequential scan computing
# 10,000 distances looks cheaper than the HNSW index to it, and is ~100 times slower:
# sequential scans are priced out for this statement only (the source rows come by
# primary key either way). One statement: set_config(..., true) is SET LOCAL.
HNSW_SETTINGS_SQL: Final = (
    f"SELECT set_config('hnsw.ef_search', '{HNSW_EF_SEARCH}', true),"
    " set_config('hnsw.iterative_scan', 'strict_order', true),"
    " set_config('enable_seqscan', 'off', true)"
)


def nearest_sql(table: str) -> str:
    """The nearest-neighbour statement over ``table``; arguments: the limit, then the ids."""
    if table not in _EMBEDDED_TABLES:
        raise ValueError(f"no embeddings in {table!r}")
    return (
        f"SELECT s.id AS source_id, n.id, n.similarity"
        f" FROM {table} s CROSS JOIN LATERAL ({_nearest_of(table, 's', '{}')}) n"
        f" WHERE s.id = ANY({{}}) AND s.embedding IS NOT NULL"
        f" ORDER BY s.id, {_SIMILAR_ORDER.format(n='n')}"
    )


def nearest_correlated(table: str, select: str, t: str, parent: str, limit: int) -> str:
    """The rows nearest the row ``parent`` (an outer alias), as :func:`nearest_sql` finds them.

    Selects ``select`` over alias ``t`` (columns ``id``, ``similarity``); needs
    :data:`HNSW_SETTINGS_SQL` in its transaction, as :func:`nearest_sql` does.
    """
    if table not in _EMBEDDED_TABLES:
        raise ValueError(f"no embeddings in {table!r}")
    return (
        f"SELECT {select} FROM ({_nearest_of(table, parent, str(int(limit)))}) {t}"
        f" WHERE {parent}.embedding IS NOT NULL ORDER BY {_SIMILAR_ORDER.format(n=t)}"
    )


async def _nearest(table: str, ids: Sequence[str], limit: int) -> list[Row]:
    async with _engine().transaction():
        await User.raw(HNSW_SETTINGS_SQL)
        rows = await _fetch(nearest_sql(table), limit, list(ids))
    return rows


async def similar_builders(user_ids: Sequence[str], limit: int) -> list[Row]:
    """Per builder (``source_id``), the ``limit`` nearest others ``{id, similarity}``."""
    return await _nearest("users", user_ids, limit)


async def similar_projects(project_ids: Sequence[str], limit: int) -> list[Row]:
    """Per project (``source_id``), the ``limit`` nearest others ``{id, similarity}``."""
    return await _nearest("projects", project_ids, limit)


# --- discovered lists, correlated to a parent row (the compiled executor) ---------------

# The rows the discovery statements derive (no table): what their readers may select.
CANDIDATE = RowShape("", ("user_id", "skill_ids", "matches", "availability", "builder_score"))
SIMILAR = RowShape("", ("id", "similarity"))

# What a search hit's ``kind`` and ``id`` point to.
SEARCH_TARGETS: Final = {
    SearchKind.USER: ToOne(USER, "id"),
    SearchKind.PROJECT: ToOne(PROJECT, "id"),
    SearchKind.TRIBE: ToOne(TRIBE, "id"),
}


@dataclass(frozen=True)
class DiscoveredList:
    """A list a discovery statement ranks below a parent row, ``first`` rows of it.

    ``correlated(select, t, parent, limit)`` is its subquery (its rows have the shape
    :data:`CANDIDATE` or :data:`SIMILAR`); ``hnsw``: it needs :data:`HNSW_SETTINGS_SQL`
    in its transaction.
    """

    correlated: Callable[[str, str, str, int], str]
    hnsw: bool = False


def _nearest_in(table: str) -> Callable[[str, str, str, int], str]:
    return lambda select, t, parent, limit: nearest_correlated(table, select, t, parent, limit)


DISCOVERED: Final = {
    Relation.OPEN_ROLE_CANDIDATES: DiscoveredList(candidates_correlated),
    Relation.USER_SIMILAR_BUILDERS: DiscoveredList(_nearest_in("users"), hnsw=True),
    Relation.PROJECT_SIMILAR_PROJECTS: DiscoveredList(_nearest_in("projects"), hnsw=True),
}


# --- embedding filler ------------------------------------------------------------------

CLAIM_BUILDERS_SQL: Final = """
SELECT u.id, u.headline, u.bio, u.primary_role,
       coalesce((SELECT array_agg(s.name ORDER BY us.added_at, us.id)
                 FROM user_skills us JOIN skills s ON s.id = us.skill_id
                 WHERE us.user_id = u.id), ARRAY[]::varchar[]) AS skills
FROM users u WHERE u.embedding IS NULL
ORDER BY u.id LIMIT {} FOR UPDATE OF u SKIP LOCKED
"""
CLAIM_PROJECTS_SQL: Final = """
SELECT p.id, p.title, p.description, p.tech_stack
FROM projects p WHERE p.embedding IS NULL
ORDER BY p.id LIMIT {} FOR UPDATE OF p SKIP LOCKED
"""
STORE_SQL: Final = """
UPDATE {table} t SET embedding = v.embedding
FROM unnest({{}}::varchar[], {{}}::vector[]) AS v(id, embedding)
WHERE t.id = v.id
"""


async def claim_builders_without_embedding(limit: int) -> list[tuple[str, BuilderProfile]]:
    """Lock up to ``limit`` builders whose embedding is NULL (skipping rows others hold).

    Call inside a transaction: the locks keep other fillers off these rows until it ends.
    """
    rows = await _fetch(CLAIM_BUILDERS_SQL, limit)
    return [
        (
            row["id"],
            BuilderProfile(
                skills=tuple(row["skills"]),
                primary_role=row["primary_role"],
                headline=row["headline"],
                bio=row["bio"],
            ),
        )
        for row in rows
    ]


async def claim_projects_without_embedding(limit: int) -> list[tuple[str, ProjectProfile]]:
    """Lock up to ``limit`` projects whose embedding is NULL (see the builders' version)."""
    rows = await _fetch(CLAIM_PROJECTS_SQL, limit)
    return [
        (
            row["id"],
            ProjectProfile(
                tech_stack=tuple(str(tech) for tech in json.loads(row["tech_stack"] or "[]")),
                title=row["title"],
                description=row["description"],
            ),
        )
        for row in rows
    ]


async def store_embeddings(table: str, ids: Sequence[str], vectors: Sequence[Vector]) -> None:
    """Write ``vectors`` to the rows ``ids`` of ``table`` (``users`` or ``projects``)."""
    if table not in _EMBEDDED_TABLES:
        raise ValueError(f"no embeddings in {table!r}")
    await _fetch(STORE_SQL.format(table=table), list(ids), list(vectors))


async def count_missing_embeddings() -> dict[str, int]:
    """How many builders and projects have no embedding."""
    [row] = await _fetch(
        "SELECT (SELECT count(*) FROM users WHERE embedding IS NULL) AS users,"
        " (SELECT count(*) FROM projects WHERE embedding IS NULL) AS projects"
    )
    return {"users": int(row["users"]), "projects": int(row["projects"])}
