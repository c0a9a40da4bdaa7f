"""Builders signed in without a browser: a user row, a session and its access cookie.

For load and stress clients that each act as a builder of their own. The session
is the one a GitHub sign-in starts (a refresh-token family in ``refresh_tokens``,
:data:`~tribe_service.data_access.refresh_tokens.INSERT_TOKEN`) and the access
token is signed with the server's ``SESSION_SECRET`` the way
:meth:`~tribe_service.auth.sessions.SessionManager.access_token` signs it, so the
server checks it like any other (signature, expiry, live session). No route is
involved: the development sign-in route does not exist in production.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import asyncpg

from tribe_service.auth.cookies import ACCESS_COOKIE
from tribe_service.auth.sessions import ACCESS_AUDIENCE, hash_refresh_token
from tribe_service.auth.signed_tokens import TokenSigner
from tribe_service.config import MAX_ACCESS_TOKEN_TTL_SECONDS
from tribe_service.data_access.refresh_tokens import INSERT_TOKEN
from tribe_service.ids import new_ulid

SESSION_SECONDS = 3600  # the refresh token; the access token lasts the maximum, 15 min
USER_AGENT = "tribe-benchmarks"

INSERT_BUILDER_SQL = """
INSERT INTO users (id, username, email, display_name, created_at, updated_at)
VALUES ($1, $2, $3, $4, now(), now())
"""


@dataclass(frozen=True)
class SignedInBuilder:
    """A builder and the ``Cookie`` header of their session."""

    user_id: str
    username: str
    cookie: str


async def sign_in_builders(
    connection: asyncpg.Connection, *, count: int, prefix: str, session_secret: str
) -> list[SignedInBuilder]:
    """``count`` new builders named ``{prefix}{i}``, each with a session of their own."""
    signer = TokenSigner([session_secret])
    builders = []
    for index in range(count):
        user_id, username = new_ulid(), f"{prefix}{index}"
        session_id = new_ulid()
        await connection.execute(
            INSERT_BUILDER_SQL, user_id, username, f"{username}@example.com", f"Writer {index}"
        )
        await connection.execute(
            INSERT_TOKEN,
            new_ulid(),
            user_id,
            hash_refresh_token(secrets.token_urlsafe(32)),
            session_id,
            float(SESSION_SECONDS),
            USER_AGENT,
        )
        token = signer.sign(
            {"sub": user_id, "sid": session_id}, ACCESS_AUDIENCE, MAX_ACCESS_TOKEN_TTL_SECONDS
        )
        builders.append(SignedInBuilder(user_id, username, f"{ACCESS_COOKIE}={token}"))
    return builders
