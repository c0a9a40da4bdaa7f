"""The sign-in flow driven step by step over HTTP, as a browser would follow it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tribe_service.auth.cookies import ACCESS_COOKIE, REFRESH_COOKIE, SIGN_IN_COOKIE

VIEWER = "{ viewer { id username displayName email onboardingCompleted githubUsername } }"


async def start(client: httpx.AsyncClient, return_to: str | None = "/me") -> str:
    """``/auth/github/start``: the authorize URL it redirects to (the state cookie is set)."""
    params = {"return_to": return_to} if return_to is not None else {}
    response = await client.get("/auth/github/start", params=params)
    assert response.status_code == 302, response.text
    assert SIGN_IN_COOKIE in response.cookies
    return response.headers["location"]


async def authorize(authorize_url: str) -> str:
    """The GitHub user approves: the callback URL (with ``code`` and ``state``) it sends back."""
    async with httpx.AsyncClient(timeout=30) as github:
        response = await github.get(authorize_url)
    assert response.status_code == 302, response.text
    return response.headers["location"]


def query(url: str) -> dict[str, str]:
    """The query parameters of ``url``."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


async def sign_in(client: httpx.AsyncClient, return_to: str = "/me") -> httpx.Response:
    """The whole flow; returns the callback's response (303 to the frontend when it worked)."""
    callback = await authorize(await start(client, return_to))
    return await client.get(callback)


async def viewer(client: httpx.AsyncClient) -> httpx.Response:
    """``{ viewer { ... } }`` with the client's cookies."""
    return await client.post("/graphql", json={"query": VIEWER})


def session_cookies(client: httpx.AsyncClient) -> dict[str, str | None]:
    """The client's access and refresh cookies."""
    return {name: client.cookies.get(name) for name in (ACCESS_COOKIE, REFRESH_COOKIE)}


async def refresh_rows(engine: Any) -> list[dict[str, Any]]:
    """Every refresh token row (hash, family, revoked, successor), oldest first."""
    rows = await engine.fetch(
        "SELECT id, user_id, token_hash, family_id, revoked_at, replaced_by, expires_at > now()"
        " AS unexpired FROM refresh_tokens ORDER BY created_at, id"
    )
    return [dict(row) for row in rows]


async def live_tokens(engine: Any, family_id: str | None = None) -> list[dict[str, Any]]:
    """The refresh tokens that could still be used (of one family, if given)."""
    rows = await refresh_rows(engine)
    return [
        row
        for row in rows
        if row["revoked_at"] is None
        and row["unexpired"]
        and (family_id is None or row["family_id"] == family_id)
    ]


def put_cookie(client: httpx.AsyncClient, name: str, value: str | None, path: str) -> None:
    """Give ``client`` a cookie of the app as if the app had set it (a copied, stolen or
    forged one). The cookie jar files a dotless host like ``testserver`` under ``.local``."""
    assert value is not None
    client.cookies.set(name, value, domain="testserver.local", path=path)
