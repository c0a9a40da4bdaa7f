"""Fixtures of the sign-in tests: a real OAuth server process, the app pointed at it.

The app runs in-process (httpx ``ASGITransport``) at ``https://testserver`` (the
session cookies are ``Secure`` outside development, and httpx sends those over
https only); its GitHub URLs point at :mod:`tests.oauth_server`, a separate
process on 127.0.0.1. Builders a test signs in are deleted after it, with their
sessions, so the seeded database stays as other tests expect it.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.oauth_server import OAuthServerProcess

APP_URL = "https://testserver"
FRONTEND = "http://frontend.test"
CALLBACK = f"{APP_URL}/auth/github/callback"
SESSION_SECRET = "test-session-secret-" + "k" * 32


@pytest.fixture(scope="session")
def oauth_server() -> Iterator[OAuthServerProcess]:
    """The OAuth server standing in for GitHub, for the in-process app's callback URL."""
    server = OAuthServerProcess("tribe-test-client", secrets.token_urlsafe(24), CALLBACK)
    try:
        yield server
    finally:
        server.stop()


def auth_settings(oauth_server: OAuthServerProcess, **environ: str) -> dict[str, str]:
    """The environment of an app that signs in through ``oauth_server``."""
    return {
        "ENVIRONMENT": "test",
        "RATE_LIMIT_POINTS_PER_MINUTE": "0",
        "FRONTEND_URL": FRONTEND,
        "CORS_ORIGINS": FRONTEND,
        "GITHUB_REDIRECT_URL": CALLBACK,
        "SESSION_SECRET": SESSION_SECRET,
        **oauth_server.settings(),
        **environ,
    }


def make_app(engine: Any, oauth_server: OAuthServerProcess, **environ: str) -> Any:
    """A new app built for these settings."""
    from tribe_service.app import create_app
    from tribe_service.config import load_settings

    return create_app(load_settings(auth_settings(oauth_server, **environ)), engine)


def app_client(engine: Any, oauth_server: OAuthServerProcess, **environ: str) -> httpx.AsyncClient:
    """A client of a new app built for these settings (a browser of its own: its own cookies)."""
    return client_of(make_app(engine, oauth_server, **environ))


@contextlib.asynccontextmanager
async def dev_signed_in(app: Any, username: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of a development ``app``, signed in as the seeded ``username``."""
    async with client_of(app) as client:
        response = await client.get("/auth/dev/sign-in", params={"username": username})
        assert response.status_code == 200, response.text
        yield client


def client_of(app: Any) -> httpx.AsyncClient:
    """Another browser (its own cookies) talking to ``app``."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url=APP_URL,
        headers={"origin": FRONTEND, "user-agent": "pytest-browser/1.0"},
    )


@pytest.fixture
async def browser(engine, oauth_server, seeded) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app with sign-in through the OAuth server; cleans up builders after."""
    async with app_client(engine, oauth_server) as client:
        yield client
    await forget_github_builders(engine)


async def forget_github_builders(engine: Any) -> None:
    """Delete the builders made by GitHub sign-ins and every session (seed builders stay)."""
    await engine.fetch("DELETE FROM refresh_tokens")
    await engine.fetch("DELETE FROM users WHERE github_id IS NOT NULL")
