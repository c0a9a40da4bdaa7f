"""Signed, expiring tokens (JWT, HS256 via PyJWT) with rotating keys.

``SESSION_SECRET`` holds one key or several, comma-separated: the first signs,
every one verifies, so a new key can be put first while tokens signed with the
old one run out. Without it (development and tests only) a random key per
process stands in: a restart then only costs an access token, which the
refresh token (in the database) replaces.

Each use has its own audience, so a sign-in state token is never accepted as an
access token or the reverse.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import jwt

ALGORITHM = "HS256"


class TokenExpiredError(Exception):
    """The token was genuine but its time is up."""


class TokenInvalidError(Exception):
    """The token is malformed, signed with no key of ours, or meant for something else."""


class TokenSigner:
    """Signs claims for an audience and checks them back."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys or [secrets.token_urlsafe(32)]

    def sign(self, claims: dict[str, Any], audience: str, ttl_seconds: float) -> str:
        """A token holding ``claims`` for ``audience``, good for ``ttl_seconds``."""
        now = time.time()
        payload = {**claims, "aud": audience, "iat": int(now), "exp": now + ttl_seconds}
        return jwt.encode(payload, self.keys[0], algorithm=ALGORITHM)

    def verify(self, token: str, audience: str) -> dict[str, Any]:
        """The claims of a genuine, unexpired token for ``audience``.

        Raises :class:`TokenExpiredError` or :class:`TokenInvalidError`.
        """
        for key in self.keys:
            try:
                return jwt.decode(
                    token,
                    key,
                    algorithms=[ALGORITHM],
                    audience=audience,
                    options={"require": ["exp", "aud"]},
                )
            except jwt.InvalidSignatureError:
                continue  # signed with another of our keys, or none
            except jwt.ExpiredSignatureError:
                raise TokenExpiredError from None
            except jwt.InvalidTokenError:
                raise TokenInvalidError from None
        raise TokenInvalidError
