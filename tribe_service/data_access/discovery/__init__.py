"""Discovery SQL, by concern: search, candidates, similarity (the skills filter of the
builders list is ``data_access/skill_filter.py``).

Every function that serves a GraphQL list takes *many* keys and answers them in
one statement (``= ANY($1)`` and ``LATERAL``), and takes the engine it runs on. They
return ids (plus rank, similarity, matched skills): the rows themselves come from
the API's per-request loaders. :mod:`.lists` makes the ranked lists relations the
compiled planner correlates below a parent row.
"""

from tribe_service.data_access.discovery.candidates import open_role_candidates
from tribe_service.data_access.discovery.lists import CANDIDATE, DISCOVERED, SEARCH_TARGETS, SIMILAR
from tribe_service.data_access.discovery.search import (
    SearchCursor,
    SearchText,
    count_search_hits,
    highlighted_html,
    search,
    search_count_statement,
    search_page_statement,
    search_statement,
)
from tribe_service.data_access.discovery.similarity import (
    HNSW_EF_SEARCH,
    HNSW_SETTINGS_SQL,
    nearest_correlated,
    nearest_sql,
    similar_builders,
    similar_projects,
)

__all__ = [
    "CANDIDATE",
    "DISCOVERED",
    "HNSW_EF_SEARCH",
    "HNSW_SETTINGS_SQL",
    "SEARCH_TARGETS",
    "SIMILAR",
    "SearchCursor",
    "SearchText",
    "count_search_hits",
    "highlighted_html",
    "nearest_correlated",
    "nearest_sql",
    "open_role_candidates",
    "search",
    "search_count_statement",
    "search_page_statement",
    "search_statement",
    "similar_builders",
    "similar_projects",
]
