"""The cookies a signed-in browser holds; none of them is readable by scripts.

Every one is ``HttpOnly`` and ``SameSite=Lax`` (sent on same-site requests and
top-level navigations, never on a cross-site ``fetch`` or form POST), and
``Secure`` outside development. The frontend and the API must therefore be on
the same site (``app.example.com`` and ``api.example.com``, or one host).

* :data:`ACCESS_COOKIE` (path ``/``): the access token. The cookie outlives the
  token on purpose: the API must see an expired token to answer
  ``ACCESS_TOKEN_EXPIRED`` (refresh, then retry) rather than treat the browser
  as signed out.
* :data:`REFRESH_COOKIE` (path ``/auth``): the refresh token, sent only to
  ``/auth/refresh`` and ``/auth/sign-out``.
* :data:`SIGN_IN_COOKIE` (path ``/auth/github``): the pending sign-in's state,
  for ten minutes (:mod:`~tribe_service.auth.sign_in_state`).
"""

from __future__ import annotations

from typing import Any

from litestar import Response

from tribe_service.auth.sessions import IssuedTokens
from tribe_service.config import Environment, Settings

ACCESS_COOKIE = "tribe_access"
REFRESH_COOKIE = "tribe_refresh"
SIGN_IN_COOKIE = "tribe_sign_in"
REFRESH_PATH = "/auth"
SIGN_IN_PATH = "/auth/github"
SESSION_COOKIES = (ACCESS_COOKIE, REFRESH_COOKIE)


class CookieJar:
    """Sets and clears the session cookies with the attributes ``settings`` call for."""

    def __init__(self, settings: Settings) -> None:
        self.secure = settings.environment is not Environment.DEVELOPMENT
        self.session_lifetime = settings.refresh_token_ttl_seconds

    def _set(self, response: Response[Any], name: str, value: str, path: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=path,
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def set_session(self, response: Response[Any], tokens: IssuedTokens) -> None:
        """The access cookie, and the refresh cookie when a new refresh token was minted."""
        self._set(response, ACCESS_COOKIE, tokens.access, "/", self.session_lifetime)
        if tokens.refresh is not None:
            self._set(response, REFRESH_COOKIE, tokens.refresh, REFRESH_PATH, self.session_lifetime)

    def clear_session(self, response: Response[Any]) -> None:
        """Remove both session cookies (sign-out, or a session found dead)."""
        self._set(response, ACCESS_COOKIE, "", "/", 0)
        self._set(response, REFRESH_COOKIE, "", REFRESH_PATH, 0)

    def set_sign_in(self, response: Response[Any], value: str, max_age: int) -> None:
        """The pending sign-in's state cookie."""
        self._set(response, SIGN_IN_COOKIE, value, SIGN_IN_PATH, max_age)

    def clear_sign_in(self, response: Response[Any]) -> None:
        """Remove the state cookie: each sign-in state is good once."""
        self._set(response, SIGN_IN_COOKIE, "", SIGN_IN_PATH, 0)
