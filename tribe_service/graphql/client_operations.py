"""The web frontend's GraphQL operations, as the TypeScript client ships them.

``clients/typescript/src/operations/*.graphql`` is their one home: the
TypeScript client generates its types from them, and the tests and benchmarks
send exactly these documents (each with the fragments it spreads), so what is
tested and measured is what the frontend sends.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

OPERATIONS_DIR = (
    Path(__file__).resolve().parents[2] / "clients" / "typescript" / "src" / "operations"
)

_DEFINITION = re.compile(r"^(query|mutation|fragment)\s+(\w+)", re.MULTILINE)
OPERATION_KINDS = frozenset({"query", "mutation"})
_SPREAD = re.compile(r"\.\.\.\s*(\w+)")


@cache
def _definitions(directory: Path = OPERATIONS_DIR) -> dict[str, tuple[str, str]]:
    """Every definition of an operations folder: name -> (kind, text)."""
    found: dict[str, tuple[str, str]] = {}
    for path in sorted(directory.glob("*.graphql")):
        text = path.read_text()
        match = _DEFINITION.search(text)
        if match is None:
            raise ValueError(f"{path.name} holds no query, mutation or fragment")
        kind, name = match.groups()
        found[name] = (kind, text)
    return found


def operation_names(
    directory: Path = OPERATIONS_DIR, kinds: frozenset[str] = OPERATION_KINDS
) -> list[str]:
    """The names of the client's operations of ``kinds`` (not its fragments), sorted."""
    return sorted(name for name, (kind, _) in _definitions(directory).items() if kind in kinds)


def query_names(directory: Path = OPERATIONS_DIR) -> list[str]:
    """The names of the client's queries (what reads: the differential corpus), sorted."""
    return operation_names(directory, frozenset({"query"}))


def document(name: str, directory: Path = OPERATIONS_DIR) -> str:
    """The operation ``name`` followed by every fragment it spreads, as one document."""
    definitions = _definitions(directory)
    kind, text = definitions[name]
    if kind not in OPERATION_KINDS:
        raise KeyError(f"{name} is a fragment, not an operation")
    parts, pending, seen = [text], _SPREAD.findall(text), set()
    while pending:
        fragment = pending.pop()
        if fragment in seen or fragment not in definitions:
            continue  # inline fragments (`... on T`) match too; they are no definition
        seen.add(fragment)
        fragment_text = definitions[fragment][1]
        parts.append(fragment_text)
        pending += _SPREAD.findall(fragment_text)
    return "\n".join(parts)


LANDING_PAGE_QUERY = document("LandingPage")
BUILDER_PROFILE_QUERY = document("BuilderProfile")
PROJECT_PAGE_QUERY = document("ProjectPage")
TRIBE_PAGE_QUERY = document("TribePage")
BUILDERS_QUERY = document("Builders")
FEED_PAGE_QUERY = document("FeedPage")
SEARCH_QUERY = document("Search")
ROLE_CANDIDATES_QUERY = document("RoleCandidates")
SIMILAR_BUILDERS_QUERY = document("SimilarBuilders")
