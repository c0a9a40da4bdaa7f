"""A real OAuth 2.0 authorization server standing in for GitHub in the tests.

Built on Authlib's Flask integration (``authlib.integrations.flask_oauth2``): the
authorization-code grant with PKCE (``CodeChallenge(required=True)``, S256),
``client_secret_post`` at the token endpoint, single-use codes, bearer tokens,
and GitHub's paths and ``/user`` + ``/user/emails`` answers. It runs as its own
process on 127.0.0.1 (:class:`OAuthServerProcess`), started and stopped by a
fixture; nothing in it is a mock of the app.

There is no login page: the server signs in, without asking, whoever the test
made the *current GitHub user* (``POST /_test/user``), the way a browser already
signed in to GitHub goes straight through the consent screen it accepted before.
It refuses what GitHub refuses: a wrong ``redirect_uri``, a missing challenge, a
wrong verifier, a code used twice, a wrong client secret.

Run: ``python -m tests.oauth_server --client-id ID --client-secret SECRET
--redirect-uri URL`` prints ``listening on PORT`` once it accepts connections.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import httpx

AUTHORIZE_PATH = "/login/oauth/authorize"
TOKEN_PATH = "/login/oauth/access_token"
READY_LINE = "listening on "
START_TIMEOUT_SECONDS = 30


@dataclass
class GitHubAccount:
    """What ``/user`` and ``/user/emails`` answer for the signed-in GitHub user."""

    id: int
    login: str
    name: str | None = None
    email: str | None = None  # primary and verified
    avatar_url: str | None = None

    def user(self) -> dict[str, Any]:
        """GitHub's ``/user`` shape (the fields the API reads, and a few it does not)."""
        return {
            "login": self.login,
            "id": self.id,
            "node_id": f"U_{self.id}",
            "avatar_url": self.avatar_url or f"https://avatars.example.test/u/{self.id}",
            "type": "User",
            "name": self.name,
            "email": None,  # GitHub's public email: usually null
        }

    def emails(self) -> list[dict[str, Any]]:
        """GitHub's ``/user/emails`` shape."""
        if self.email is None:
            return []
        return [{"email": self.email, "primary": True, "verified": True, "visibility": None}]


def build_app(client_id: str, client_secret: str, redirect_uri: str) -> Any:
    """The Flask app: GitHub's OAuth endpoints and API paths, backed by memory."""
    from authlib.integrations.flask_oauth2 import (
        AuthorizationServer,
        ResourceProtector,
        current_token,
    )
    from authlib.oauth2 import OAuth2Error
    from authlib.oauth2.rfc6749 import ClientMixin, grants
    from authlib.oauth2.rfc6750 import BearerTokenValidator
    from authlib.oauth2.rfc7636 import CodeChallenge
    from flask import Flask, jsonify, request

    @dataclass
    class Client(ClientMixin):
        client_id: str
        client_secret: str
        redirect_uri: str

        def get_client_id(self) -> str:
            return self.client_id

        def get_default_redirect_uri(self) -> str:
            return self.redirect_uri

        def get_allowed_scope(self, scope: str) -> str:
            return scope or ""

        def check_redirect_uri(self, redirect_uri: str) -> bool:
            return redirect_uri == self.redirect_uri

        def check_client_secret(self, client_secret: str) -> bool:
            return secrets.compare_digest(client_secret, self.client_secret)

        def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
            return endpoint != "token" or method == "client_secret_post"

        def check_response_type(self, response_type: str) -> bool:
            return response_type == "code"

        def check_grant_type(self, grant_type: str) -> bool:
            return grant_type == "authorization_code"

    @dataclass
    class Code:
        code: str
        client_id: str
        redirect_uri: str
        scope: str
        account: GitHubAccount
        code_challenge: str
        code_challenge_method: str
        auth_time: float = field(default_factory=time.time)

        def get_redirect_uri(self) -> str:
            return self.redirect_uri

        def get_scope(self) -> str:
            return self.scope

        def get_auth_time(self) -> float:
            return self.auth_time

        def is_expired(self) -> bool:
            return time.time() - self.auth_time > 600  # GitHub: ten minutes

    @dataclass
    class Token:
        access_token: str
        client_id: str
        scope: str
        account: GitHubAccount

        def check_client(self, client: Client) -> bool:
            return client.client_id == self.client_id

        def get_scope(self) -> str:
            return self.scope

        def get_expires_in(self) -> int:
            return 0

        def is_expired(self) -> bool:
            return False

        def is_revoked(self) -> bool:
            return False

    client = Client(client_id, client_secret, redirect_uri)
    codes: dict[str, Code] = {}
    tokens: dict[str, Token] = {}
    state: dict[str, GitHubAccount] = {"account": GitHubAccount(id=1, login="octocat")}

    class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_post"]

        def save_authorization_code(self, code: str, oauth_request: Any) -> None:
            data = oauth_request.payload.data
            codes[code] = Code(
                code=code,
                client_id=oauth_request.client.client_id,
                redirect_uri=oauth_request.payload.redirect_uri,
                scope=oauth_request.scope or "",
                account=oauth_request.user,
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            )

        def query_authorization_code(self, code: str, oauth_client: Client) -> Code | None:
            found = codes.get(code)
            if found and found.client_id == oauth_client.client_id and not found.is_expired():
                return found
            return None

        def delete_authorization_code(self, authorization_code: Code) -> None:
            codes.pop(authorization_code.code, None)  # single use

        def authenticate_user(self, authorization_code: Code) -> GitHubAccount:
            return authorization_code.account

    def save_token(token: dict[str, Any], oauth_request: Any) -> None:
        tokens[token["access_token"]] = Token(
            token["access_token"],
            oauth_request.client.client_id,
            token.get("scope", ""),
            oauth_request.user,
        )

    class Bearer(BearerTokenValidator):
        def authenticate_token(self, token_string: str) -> Token | None:
            return tokens.get(token_string)

    app = Flask(__name__)
    server = AuthorizationServer(
        app,
        query_client=lambda cid: client if cid == client.client_id else None,
        save_token=save_token,
    )
    server.register_grant(AuthorizationCodeGrant, [CodeChallenge(required=True)])
    protect = ResourceProtector()
    protect.register_token_validator(Bearer())

    @app.get(AUTHORIZE_PATH)
    def authorize() -> Any:
        # The current GitHub user approves at once (see the module docstring).
        account = state["account"]
        try:
            grant = server.get_consent_grant(end_user=account)
        except OAuth2Error as error:
            return server.handle_error_response(None, error)
        return server.create_authorization_response(grant=grant, grant_user=account)

    @app.post(TOKEN_PATH)
    def issue_token() -> Any:
        return server.create_token_response()

    @app.get("/user")
    @protect()
    def user() -> Any:
        return jsonify(current_token.account.user())

    @app.get("/user/emails")
    @protect()
    def emails() -> Any:
        return jsonify(current_token.account.emails())

    @app.post("/_test/user")
    def set_user() -> Any:
        body = request.get_json()
        state["account"] = GitHubAccount(**body)
        return jsonify({"ok": True})

    @app.get("/_test/stats")
    def stats() -> Any:
        return jsonify({"codes_pending": len(codes), "tokens_issued": len(tokens)})

    return app


def main() -> None:
    """Serve on 127.0.0.1 (a free port unless --port) until killed."""
    from werkzeug.serving import make_server

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--redirect-uri", required=True)
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    app = build_app(arguments.client_id, arguments.client_secret, arguments.redirect_uri)
    server = make_server("127.0.0.1", arguments.port, app, threaded=True)
    print(f"{READY_LINE}{server.port}", flush=True)
    server.serve_forever()


class OAuthServerProcess:
    """``python -m tests.oauth_server`` as a child process on a free port; ``stop()`` ends it."""

    def __init__(self, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        env = {**os.environ, "AUTHLIB_INSECURE_TRANSPORT": "1"}  # plain http on 127.0.0.1
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.oauth_server",
                f"--client-id={client_id}",
                f"--client-secret={client_secret}",  # the = form: a secret may start with "-"
                f"--redirect-uri={redirect_uri}",
            ],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # blocks until the server prints or dies
        if not line.startswith(READY_LINE):
            self.stop()
            raise RuntimeError(f"the OAuth server did not start: {line!r}")
        self.port = int(line.removeprefix(READY_LINE))
        self.url = f"http://127.0.0.1:{self.port}"

    def settings(self) -> dict[str, str]:
        """The app's environment for signing in with this server as GitHub."""
        return {
            "GITHUB_CLIENT_ID": self.client_id,
            "GITHUB_CLIENT_SECRET": self.client_secret,
            "GITHUB_AUTHORIZE_URL": self.url + AUTHORIZE_PATH,
            "GITHUB_TOKEN_URL": self.url + TOKEN_PATH,
            "GITHUB_API_URL": self.url,
        }

    def sign_in_as(self, account: GitHubAccount) -> None:
        """Make ``account`` the GitHub user who approves the next authorizations."""
        response = httpx.post(
            f"{self.url}/_test/user",
            json={k: v for k, v in account.__dict__.items()},
            timeout=START_TIMEOUT_SECONDS,
        )
        response.raise_for_status()

    def stop(self) -> None:
        """Terminate the process and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


if __name__ == "__main__":
    main()
