"""A pending sign-in: ``state``, the PKCE verifier and where to go after, bound to the browser.

``/auth/github/start`` puts them in a signed cookie that lives ten minutes and is
sent only to ``/auth/github``; the callback accepts GitHub's answer only with
that cookie and a ``state`` equal to the one in it. So a code delivered to
another browser (login CSRF) or a forged callback is refused, and the verifier
never leaves the browser that started the sign-in except to this API.

``return_to`` must be a path of the frontend (``/projects/1?tab=x``): a scheme,
a host, ``//host`` or a backslash would make the redirect leave the site.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tribe_service.auth import errors
from tribe_service.auth.errors import AuthError
from tribe_service.auth.signed_tokens import TokenExpiredError, TokenInvalidError, TokenSigner

SIGN_IN_AUDIENCE = "tribe-sign-in"
SIGN_IN_TTL_SECONDS = 600
MAX_RETURN_TO_LENGTH = 2000


def safe_return_path(return_to: str | None) -> str:
    """``return_to`` if it is a path on the frontend, ``/`` when absent; else 400."""
    if not return_to:
        return "/"
    parts = urlsplit(return_to)
    if (
        len(return_to) > MAX_RETURN_TO_LENGTH
        or not return_to.startswith("/")
        or return_to.startswith("//")
        or "\\" in return_to
        or parts.scheme
        or parts.netloc
        or any(ord(character) < 0x20 for character in return_to)
    ):
        raise AuthError(
            400, errors.INVALID_RETURN_TO, "`return_to` must be a path on the frontend, like /me."
        )
    return return_to


@dataclass(frozen=True)
class PendingSignIn:
    """What the callback needs from the start of a sign-in."""

    state: str
    code_verifier: str
    return_to: str

    @classmethod
    def new(cls, return_to: str) -> PendingSignIn:
        """Fresh random ``state`` and verifier (RFC 7636: 43+ characters)."""
        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(48), return_to)

    @property
    def code_challenge(self) -> str:
        """The S256 challenge sent with the authorization request."""
        return create_s256_code_challenge(self.code_verifier)

    def seal(self, signer: TokenSigner) -> str:
        """The cookie value: these fields, signed, expiring in ten minutes."""
        claims = {"state": self.state, "cv": self.code_verifier, "rt": self.return_to}
        return signer.sign(claims, SIGN_IN_AUDIENCE, SIGN_IN_TTL_SECONDS)

    @classmethod
    def open(cls, cookie: str | None, state: str | None, signer: TokenSigner) -> PendingSignIn:
        """The pending sign-in of this browser, if ``state`` is the one it started with."""
        if not cookie or not state:
            raise AuthError(
                400,
                errors.OAUTH_STATE_MISSING,
                "No sign-in was started in this browser (or it is older than ten minutes).",
            )
        try:
            claims = signer.verify(cookie, SIGN_IN_AUDIENCE)
        except (TokenExpiredError, TokenInvalidError):
            raise AuthError(
                400, errors.OAUTH_STATE_MISSING, "The sign-in expired or was not started here."
            ) from None
        pending = cls(str(claims["state"]), str(claims["cv"]), str(claims["rt"]))
        if not hmac.compare_digest(pending.state.encode(), state.encode()):
            raise AuthError(
                400, errors.OAUTH_STATE_MISMATCH, "`state` does not match this browser's sign-in."
            )
        return pending
