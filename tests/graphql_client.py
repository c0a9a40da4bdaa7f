"""A small helper for GraphQL requests in tests."""

from __future__ import annotations

from typing import Any

import httpx


async def graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """POST a GraphQL request; asserts HTTP 200 and a code on every error; returns the body."""
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body = response.json()
    for error in body.get("errors", []):
        assert error.get("extensions", {}).get("code"), f"an error without a code: {error}"
    return body


async def graphql_data(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """POST a GraphQL request that must succeed; returns its ``data``."""
    body = await graphql(client, query, variables)
    assert "errors" not in body, body["errors"]
    return body["data"]


def error_messages(body: dict[str, Any]) -> list[str]:
    """The messages of a response's errors."""
    return [error["message"] for error in body.get("errors", [])]
