"""Full-text search over builders, projects and tribes: one ranked, keyset-paged statement.

The text is parsed with ``websearch_to_tsquery('english', ...)`` (quotes, ``-``,
``or``); the last word, when it is a plain word, may also be a prefix (type-ahead:
"may" finds Maya), in the ``english`` and ``simple`` configurations. A query with no
lexemes (punctuation, stop words only) matches nothing. Hits are ranked by
``ts_rank_cd`` over the weighted search vectors, then id, and paged on (rank, id,
kind); the GIN indexes serve the matching.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from tribe_service.data_access.parameters import Parameters, numbered
from tribe_service.data_access.raw import Row, fetch_rows
from tribe_service.engine import TribeEngine
from tribe_service.enums import SearchKind

# Snippets: at most this many words around the best match, highlighted with <mark>.
SNIPPET_OPTIONS: Final = "MaxWords=20, MinWords=8, MaxFragments=1"
_HIGHLIGHT_START, _HIGHLIGHT_STOP = "\x02", "\x03"

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
    parameters: Parameters[Any] | None = None,
) -> tuple[str, list[Any]]:
    """:func:`search`'s hits as rows of alias ``t`` (``kind, id, rank, snippet``), ``$n`` style.

    Selects ``select``, which may correlate subqueries to ``t`` (the compiled executor's
    nodes, whose own values ``parameters`` holds); the raw snippet needs
    :func:`highlighted_html`.
    """
    sql, args = numbered(search_statement(text, kinds, limit, after), parameters)
    return f"SELECT {select} FROM ({sql}) {t} ORDER BY {_SEARCH_ORDER.format(h=t)}", args


async def search(
    engine: TribeEngine,
    text: SearchText,
    kinds: Sequence[SearchKind],
    limit: int,
    after: SearchCursor | None,
) -> list[Row]:
    """Up to ``limit`` hits ``{kind, id, rank, snippet}``, best first, after ``after``.

    ``kinds`` must not be empty. The snippet is HTML (see :func:`highlighted_html`).
    """
    sql, args = search_statement(text, kinds, limit, after)
    rows = await fetch_rows(engine, sql, *args)
    for row in rows:
        row["kind"] = SearchKind(row["kind"])
        row["snippet"] = highlighted_html(row["snippet"])
    return rows


def search_count_statement(text: SearchText, kinds: Sequence[SearchKind]) -> tuple[str, list[Any]]:
    """The SQL of :func:`count_search_hits` and its arguments."""
    with_query, hits, args = _hits(text, kinds)
    return f"{with_query} SELECT count(*) AS n FROM ({hits}) h", args


async def count_search_hits(
    engine: TribeEngine, text: SearchText, kinds: Sequence[SearchKind]
) -> int:
    """How many rows of ``kinds`` match ``text`` (``kinds`` must not be empty)."""
    sql, args = search_count_statement(text, kinds)
    [row] = await fetch_rows(engine, sql, *args)
    return int(row["n"])


def highlighted_html(snippet: str) -> str:
    """A search snippet as HTML: its text escaped, its matches in ``<mark>``."""
    escaped = html.escape(snippet, quote=False)
    return escaped.replace(_HIGHLIGHT_START, "<mark>").replace(_HIGHLIGHT_STOP, "</mark>")
