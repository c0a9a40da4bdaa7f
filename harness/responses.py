"""What an answer under load means: its GraphQL error codes, and whether it is right."""

from __future__ import annotations

import json

from harness.load import HttpRequest, HttpResponse, Outcome

UNAVAILABLE_CODE = "DATABASE_UNAVAILABLE"


def graphql_error_codes(body: bytes) -> list[str] | None:
    """The ``extensions.code`` of each error in a GraphQL body (``"none"`` if absent).

    None if the body is not a GraphQL response at all.
    """
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    errors = document.get("errors") or []
    return [str((error.get("extensions") or {}).get("code", "none")) for error in errors]


def classify(request: HttpRequest, response: HttpResponse) -> str | None:
    """What is wrong with an answer under normal conditions (None: a correct answer)."""
    if response.status >= 500:
        return f"HTTP {response.status}"
    if request.path == "/healthz":
        return None if response.status == 200 else f"/healthz {response.status}"
    if response.status != 200:
        return f"HTTP {response.status}"
    codes = graphql_error_codes(response.body)
    if codes is None:
        return "not a GraphQL response"
    if codes:
        return "GraphQL error " + ",".join(sorted(set(codes)))
    return None


def is_clear_unavailability(outcome: Outcome, path: str) -> bool:
    """True for the answers allowed while the database is down."""
    if path == "/healthz":
        return outcome.status == 503
    if outcome.status != 200:
        return False
    codes = graphql_error_codes(outcome.body)
    return codes is not None and set(codes) == {UNAVAILABLE_CODE}
