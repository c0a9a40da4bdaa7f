"""The ``/auth`` endpoints (Litestar handlers); README: "Sign in with GitHub".

* ``GET /auth/github/start?return_to=/path``: to GitHub with ``state`` and PKCE;
* ``GET /auth/github/callback``: back from GitHub; signs in, then to the frontend;
* ``POST /auth/refresh``: rotate the refresh token, new access token;
* ``POST /auth/sign-out``: end the session;
* ``GET /auth/dev/sign-in?username=``: development only (the route exists nowhere else).

Every refusal is JSON ``{"errors": [{"message", "extensions": {"code"}}]}`` with a 4xx/5xx.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from tribe_service.auth import errors
from tribe_service.auth.builders import builder_for
from tribe_service.auth.cookies import ACCESS_COOKIE, REFRESH_COOKIE, SIGN_IN_COOKIE, CookieJar
from tribe_service.auth.errors import AuthError
from tribe_service.auth.github import GitHubOAuth
from tribe_service.auth.sessions import SessionManager
from tribe_service.auth.sign_in_state import SIGN_IN_TTL_SECONDS, PendingSignIn, safe_return_path
from tribe_service.auth.signed_tokens import TokenSigner
from tribe_service.config import Environment, Settings
from tribe_service.data_access.github_builders import BUILDER_BY_USERNAME
from tribe_service.engine import TribeEngine

CALLBACK_PATH = "/auth/github/callback"
DEV_SIGN_IN_PATH = "/auth/dev/sign-in"
# Refusals after which the browser's session cookies are dead weight.
DEAD_SESSION_CODES = frozenset(
    {
        errors.REFRESH_TOKEN_INVALID,
        errors.REFRESH_TOKEN_EXPIRED,
        errors.REFRESH_TOKEN_REVOKED,
        errors.REFRESH_TOKEN_REUSED,
    }
)


def _auth_error(_: Request[Any, Any, Any], error: AuthError) -> Response[Any]:
    return error.response()


class SignIn:
    """What the handlers share: settings, the GitHub client, sessions and cookies."""

    def __init__(
        self, settings: Settings, engine: TribeEngine, sessions: SessionManager, signer: TokenSigner
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.sessions = sessions
        self.signer = signer
        self.github = GitHubOAuth(settings)
        self.cookies = CookieJar(settings)
        self.frontend_url = settings.frontend_url.rstrip("/")

    def check_enabled(self) -> None:
        """503 when sessions cannot be signed (production without ``SESSION_SECRET``)."""
        if not self.settings.sessions_enabled:
            raise AuthError(
                503, errors.SIGN_IN_NOT_CONFIGURED, "Sign-in is not configured on this server."
            )

    def redirect_uri(self, request: Request[Any, Any, Any]) -> str:
        """The callback URL GitHub sends the browser back to."""
        configured = self.settings.github_redirect_url
        return configured or str(request.base_url).rstrip("/") + CALLBACK_PATH

    async def signed_in(
        self, request: Request[Any, Any, Any], user_id: str, response: Response[Any]
    ) -> Response[Any]:
        """``response`` with a new session's cookies."""
        tokens = await self.sessions.start(user_id, request.headers.get("user-agent"))
        self.cookies.set_session(response, tokens)
        return response


def auth_router(
    settings: Settings, engine: TribeEngine, sessions: SessionManager, signer: TokenSigner
) -> Router:
    """The ``/auth`` routes (the development sign-in only in development)."""
    sign_in = SignIn(settings, engine, sessions, signer)

    @get("/github/start", include_in_schema=False)
    async def github_start(
        request: Request[Any, Any, Any], return_to: FromQuery[str | None] = None
    ) -> Any:
        """Redirect to GitHub's consent page; the state travels in a cookie of this browser."""
        sign_in.check_enabled()
        if not settings.github_configured:
            raise AuthError(
                503,
                errors.GITHUB_NOT_CONFIGURED,
                "GitHub sign-in is not configured on this server.",
            )
        pending = PendingSignIn.new(safe_return_path(return_to))
        url = sign_in.github.authorization_url(
            sign_in.redirect_uri(request), pending.state, pending.code_verifier
        )
        response = Redirect(url, status_code=302)
        sign_in.cookies.set_sign_in(response, pending.seal(signer), SIGN_IN_TTL_SECONDS)
        return response

    @get("/github/callback", include_in_schema=False)
    async def github_callback(
        request: Request[Any, Any, Any],
        code: FromQuery[str | None] = None,
        # `state` is a name Litestar reserves for its own parameter: read the query by alias.
        oauth_state: Annotated[str | None, QueryParameter(name="state")] = None,
        error: FromQuery[str | None] = None,
    ) -> Any:
        """Check state and the code, sign the builder in, and go back to the frontend."""
        sign_in.check_enabled()
        # A wrong or missing state leaves the cookie alone: the browser's own sign-in may
        # still be on its way back from GitHub.
        pending = PendingSignIn.open(request.cookies.get(SIGN_IN_COOKIE), oauth_state, signer)
        try:
            if error or not code:
                raise AuthError(400, errors.OAUTH_DENIED, "The sign-in was cancelled on GitHub.")
            github_user = await sign_in.github.user_for_code(
                sign_in.redirect_uri(request), code, pending.code_verifier
            )
            user_id = await builder_for(engine, github_user)
        except AuthError as refusal:
            response = refusal.response()
            sign_in.cookies.clear_sign_in(response)
            return response
        redirect = Redirect(sign_in.frontend_url + pending.return_to, status_code=303)
        sign_in.cookies.clear_sign_in(redirect)
        return await sign_in.signed_in(request, user_id, redirect)

    @post("/refresh", include_in_schema=False, status_code=HTTP_200_OK)
    async def refresh(request: Request[Any, Any, Any]) -> Response[Any]:
        """Rotate the refresh token; a reused one ends the whole session."""
        sign_in.check_enabled()
        try:
            tokens = await sessions.refresh(
                request.cookies.get(REFRESH_COOKIE), request.headers.get("user-agent")
            )
        except AuthError as refusal:
            refused = refusal.response()
            if refusal.code in DEAD_SESSION_CODES:
                sign_in.cookies.clear_session(refused)
            return refused
        response: Response[Any] = Response(
            {
                "refreshed": tokens.refresh is not None,
                "expiresIn": settings.access_token_ttl_seconds,
            }
        )
        sign_in.cookies.set_session(response, tokens)
        return response

    @post("/sign-out", include_in_schema=False, status_code=HTTP_204_NO_CONTENT)
    async def sign_out(request: Request[Any, Any, Any]) -> Response[None]:
        """End the session (its every token) and clear the cookies."""
        sign_in.check_enabled()
        session_id = None
        access = request.cookies.get(ACCESS_COOKIE)
        if access:
            # Expired or ended: the refresh cookie, if any, names the session.
            with contextlib.suppress(AuthError):
                session_id = (await sessions.authenticate(access)).session_id
        await sessions.end(request.cookies.get(REFRESH_COOKIE), session_id)
        response = Response(None, status_code=HTTP_204_NO_CONTENT)
        sign_in.cookies.clear_session(response)
        return response

    @get(DEV_SIGN_IN_PATH.removeprefix("/auth"), include_in_schema=False)
    async def dev_sign_in(
        request: Request[Any, Any, Any],
        username: FromQuery[str | None] = None,
        return_to: FromQuery[str | None] = None,
    ) -> Any:
        """Development only: sign in as ``username`` without GitHub (same cookies)."""
        rows = await engine.fetch(BUILDER_BY_USERNAME, username) if username else []
        if not rows:
            raise AuthError(
                404, errors.UNKNOWN_BUILDER, "No builder has that username (?username=...)."
            )
        if return_to is not None:
            response: Response[Any] = Redirect(
                sign_in.frontend_url + safe_return_path(return_to), status_code=303
            )
        else:
            response = Response({"signedInAs": rows[0]["username"]})
        return await sign_in.signed_in(request, str(rows[0]["id"]), response)

    handlers: list[Any] = [github_start, github_callback, refresh, sign_out]
    if settings.environment is Environment.DEVELOPMENT:
        handlers.append(dev_sign_in)
    return Router("/auth", route_handlers=handlers, exception_handlers={AuthError: _auth_error})
