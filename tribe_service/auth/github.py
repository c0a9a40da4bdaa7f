"""GitHub's side of sign-in: the authorization-code flow with PKCE, and the user it yields.

Authlib's httpx client speaks OAuth 2.0 (S256 challenge, ``client_secret_post``
as GitHub documents it, GitHub's JSON token answers and its errors). The URLs
are settings, so tests and GitHub Enterprise point them elsewhere. The GitHub
access token is used for the two reads below and then dropped: no feature of the
API acts on GitHub for a builder, so it is never stored (README).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

from tribe_service.auth import errors
from tribe_service.auth.errors import AuthError
from tribe_service.config import Settings

logger = logging.getLogger(__name__)

SCOPES = "read:user user:email"
TIMEOUT_SECONDS = 10.0
API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


@dataclass(frozen=True)
class GitHubUser:
    """The parts of GitHub's ``/user`` (and ``/user/emails``) a builder is made from."""

    id: int
    login: str
    name: str | None
    avatar_url: str | None
    email: str | None  # the primary email, only if GitHub says it is verified


class GitHubOAuth:
    """One GitHub OAuth app: builds authorization URLs, exchanges codes, reads the user."""

    def __init__(self, settings: Settings) -> None:
        self.client_id = settings.github_client_id
        self.client_secret = settings.github_client_secret
        self.authorize_url = settings.github_authorize_url
        self.token_url = settings.github_token_url
        self.api_url = settings.github_api_url.rstrip("/")

    def _client(self, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            scope=SCOPES,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_post",
            timeout=TIMEOUT_SECONDS,
        )

    def authorization_url(self, redirect_uri: str, state: str, code_verifier: str) -> str:
        """Where to send the browser: GitHub's consent page with ``state`` and the challenge."""
        client = self._client(redirect_uri)
        url, _ = client.create_authorization_url(
            self.authorize_url, state=state, code_verifier=code_verifier
        )
        return str(url)

    async def user_for_code(self, redirect_uri: str, code: str, code_verifier: str) -> GitHubUser:
        """Exchange ``code`` (with the verifier) for a token, then read the user with it.

        A code GitHub refuses (wrong verifier, used already, expired) is a 400
        ``OAUTH_CODE_REJECTED``; GitHub unreachable or answering nonsense is a 502.
        """
        async with self._client(redirect_uri) as client:
            try:
                await client.fetch_token(
                    self.token_url,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                )
            except OAuthError as error:
                # error.error is GitHub's code (bad_verification_code, ...): no secret in it.
                logger.info("GitHub refused an authorization code: %s", error.error)
                raise AuthError(
                    400, errors.OAUTH_CODE_REJECTED, "GitHub did not accept the sign-in; try again."
                ) from None
            except (httpx2.HTTPError, ValueError) as error:
                raise _unavailable(error) from None
            try:
                user = await self._get(client, "/user")
                emails = await self._get(client, "/user/emails")
                return _github_user(user, emails)
            except (httpx2.HTTPError, ValueError) as error:
                raise _unavailable(error) from None

    async def _get(self, client: AsyncOAuth2Client, path: str) -> Any:
        response = await client.get(f"{self.api_url}{path}", headers=API_HEADERS)
        response.raise_for_status()
        return response.json()


def _unavailable(error: Exception) -> AuthError:
    logger.warning("GitHub sign-in failed: %s", type(error).__name__)
    return AuthError(502, errors.GITHUB_UNAVAILABLE, "GitHub could not be reached; try again.")


def _github_user(user: Any, emails: Any) -> GitHubUser:
    if not isinstance(user, dict) or not isinstance(user.get("id"), int) or not user.get("login"):
        raise ValueError("GitHub's /user answer lacks id or login")
    primary = next(
        (
            entry.get("email")
            for entry in (emails if isinstance(emails, list) else [])
            if isinstance(entry, dict) and entry.get("primary") and entry.get("verified")
        ),
        None,
    )
    return GitHubUser(
        id=user["id"],
        login=str(user["login"]),
        name=user.get("name") or None,
        avatar_url=user.get("avatar_url") or None,
        email=primary if isinstance(primary, str) else None,
    )
