"""Sessions: a short-lived access token and a rotating refresh token per sign-in.

* The **access token** is a signed token (:mod:`~tribe_service.auth.signed_tokens`)
  naming the builder and the session, good for ``ACCESS_TOKEN_TTL_SECONDS`` (at
  most 15 minutes). Each request that carries one also checks that its session
  is still live (one indexed statement), so signing out or a detected theft ends
  it at once, not when the token runs out.
* The **refresh token** is 256 random bits; only its SHA-256 is stored, in a
  family (the session). ``refresh`` revokes it and mints its successor in one
  statement (:data:`~tribe_service.data_access.refresh_tokens.ROTATE`).
* **Reuse** of a rotated token means two parties hold the session's tokens: the
  whole family is revoked, so the thief's newest token dies with the victim's.
  One exception: within ``REFRESH_REUSE_GRACE_SECONDS`` of its rotation, from
  the same user agent, while the family is live, it is a legitimate concurrent
  refresh (two tabs at once): it gets a new access token but no refresh token,
  so there is still exactly one live refresh token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from tribe_service.auth import errors
from tribe_service.auth.errors import AuthError
from tribe_service.auth.signed_tokens import (
    TokenExpiredError,
    TokenInvalidError,
    TokenSigner,
)
from tribe_service.config import Settings
from tribe_service.data_access import refresh_tokens as sql
from tribe_service.data_access.refresh_tokens import PresentedToken, SessionRow
from tribe_service.engine import TribeEngine
from tribe_service.ids import new_ulid
from tribe_service.tables.user import USER_AGENT_LENGTH

ACCESS_AUDIENCE = "tribe-api"


def hash_refresh_token(token: str) -> str:
    """The SHA-256 (hex) stored for a refresh token; the token itself never is."""
    return hashlib.sha256(token.encode()).hexdigest()


def _user_agent(value: str | None) -> str | None:
    return value[:USER_AGENT_LENGTH] if value else None


@dataclass(frozen=True)
class Viewer:
    """The signed-in builder of a request, and the session it came through."""

    user_id: str
    session_id: str


@dataclass(frozen=True)
class IssuedTokens:
    """Tokens to set as cookies; ``refresh`` is None when only the access token is new."""

    access: str
    refresh: str | None
    viewer: Viewer


class SessionManager:
    """Starts, refreshes, checks and ends sessions."""

    def __init__(self, engine: TribeEngine, settings: Settings, signer: TokenSigner) -> None:
        self.engine = engine
        self.signer = signer
        self.access_ttl = settings.access_token_ttl_seconds
        self.refresh_ttl = settings.refresh_token_ttl_seconds
        self.grace = settings.refresh_reuse_grace_seconds

    async def start(self, user_id: str, user_agent: str | None) -> IssuedTokens:
        """A new session (token family) for ``user_id``: its first tokens."""
        refresh = secrets.token_urlsafe(32)
        session_id = new_ulid()
        await self.engine.fetch(
            sql.INSERT_TOKEN,
            new_ulid(),
            user_id,
            hash_refresh_token(refresh),
            session_id,
            self.refresh_ttl,
            _user_agent(user_agent),
        )
        viewer = Viewer(user_id, session_id)
        return IssuedTokens(self.access_token(viewer), refresh, viewer)

    def access_token(self, viewer: Viewer) -> str:
        """A signed access token for ``viewer``."""
        claims = {"sub": viewer.user_id, "sid": viewer.session_id}
        return self.signer.sign(claims, ACCESS_AUDIENCE, self.access_ttl)

    async def refresh(self, token: str | None, user_agent: str | None) -> IssuedTokens:
        """Rotate ``token``: revoke it and mint its successor, atomically.

        Raises :class:`AuthError` (401) for a missing, unknown, expired or
        revoked token; a reused one revokes its whole family first.
        """
        if not token:
            raise AuthError(401, errors.REFRESH_TOKEN_MISSING, "No refresh token was sent.")
        presented_hash = hash_refresh_token(token)
        successor = secrets.token_urlsafe(32)
        rows = await self.engine.fetch(
            sql.ROTATE,
            presented_hash,
            new_ulid(),
            hash_refresh_token(successor),
            self.refresh_ttl,
            _user_agent(user_agent),
        )
        if rows:
            viewer = Viewer(rows[0]["user_id"], rows[0]["family_id"])
            return IssuedTokens(self.access_token(viewer), successor, viewer)
        return await self._not_rotated(presented_hash, _user_agent(user_agent))

    async def _not_rotated(self, presented_hash: str, user_agent: str | None) -> IssuedTokens:
        """Why a token could not be rotated, acting on reuse."""
        rows = await self.engine.fetch(sql.PRESENTED, presented_hash, self.grace)
        if not rows:
            raise AuthError(401, errors.REFRESH_TOKEN_INVALID, "The refresh token is not known.")
        presented = PresentedToken.from_record(rows[0])
        if presented.rotated and self._concurrent_refresh(presented, user_agent):
            viewer = Viewer(presented.user_id, presented.family_id)
            return IssuedTokens(self.access_token(viewer), None, viewer)
        if presented.rotated:
            await self.engine.fetch(sql.REVOKE_FAMILY, presented.family_id)
            raise AuthError(
                401,
                errors.REFRESH_TOKEN_REUSED,
                "This refresh token was already used: the session is ended; sign in again.",
            )
        if presented.revoked:
            raise AuthError(401, errors.REFRESH_TOKEN_REVOKED, "The session was ended.")
        raise AuthError(401, errors.REFRESH_TOKEN_EXPIRED, "The session expired; sign in again.")

    def _concurrent_refresh(self, presented: PresentedToken, user_agent: str | None) -> bool:
        """A rotated token presented again so soon, by the same browser, is a race, not a theft."""
        return (
            presented.within_grace and presented.family_live and presented.user_agent == user_agent
        )

    async def authenticate(self, access_token: str) -> Viewer:
        """The viewer an access token names, if it is genuine, unexpired and its session live."""
        try:
            claims = self.signer.verify(access_token, ACCESS_AUDIENCE)
        except TokenExpiredError:
            raise AuthError(
                401, errors.ACCESS_TOKEN_EXPIRED, "The access token expired: POST /auth/refresh."
            ) from None
        except TokenInvalidError:
            raise AuthError(
                401, errors.ACCESS_TOKEN_INVALID, "The access token is not valid."
            ) from None
        user_id, session_id = claims.get("sub"), claims.get("sid")
        if not isinstance(user_id, str) or not isinstance(session_id, str):
            raise AuthError(401, errors.ACCESS_TOKEN_INVALID, "The access token is not valid.")
        rows = await self.engine.fetch(sql.SESSION_IS_LIVE, session_id, user_id)
        if not rows[0][0]:
            raise AuthError(401, errors.SESSION_REVOKED, "The session was ended; sign in again.")
        return Viewer(user_id, session_id)

    async def end(self, refresh_token: str | None, session_id: str | None) -> None:
        """Revoke the session of ``refresh_token`` (else ``session_id``): sign-out."""
        if refresh_token:
            rows = await self.engine.fetch(sql.FAMILY_OF_TOKEN, hash_refresh_token(refresh_token))
            if rows:
                session_id = rows[0]["family_id"]
        if session_id:
            await self.engine.fetch(sql.REVOKE_FAMILY, session_id)

    async def sessions_of(self, user_id: str) -> list[SessionRow]:
        """The builder's live sessions, most recently used first."""
        rows = await self.engine.fetch(sql.SESSIONS_OF_USER, user_id)
        return [SessionRow(**dict(row)) for row in rows]
