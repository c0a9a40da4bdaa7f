"""Errors of sign-in and sessions: an HTTP status and a code clients branch on.

Messages name what went wrong, never a token, a secret or an email.
"""

from __future__ import annotations

from litestar import Response

OAUTH_STATE_MISSING = "OAUTH_STATE_MISSING"
OAUTH_STATE_MISMATCH = "OAUTH_STATE_MISMATCH"
OAUTH_DENIED = "OAUTH_DENIED"
OAUTH_CODE_REJECTED = "OAUTH_CODE_REJECTED"
GITHUB_UNAVAILABLE = "GITHUB_UNAVAILABLE"
GITHUB_NOT_CONFIGURED = "GITHUB_NOT_CONFIGURED"
SIGN_IN_NOT_CONFIGURED = "SIGN_IN_NOT_CONFIGURED"
INVALID_RETURN_TO = "INVALID_RETURN_TO"
SIGN_IN_CONFLICT = "SIGN_IN_CONFLICT"
UNKNOWN_BUILDER = "UNKNOWN_BUILDER"
REFRESH_TOKEN_MISSING = "REFRESH_TOKEN_MISSING"
REFRESH_TOKEN_INVALID = "REFRESH_TOKEN_INVALID"
REFRESH_TOKEN_EXPIRED = "REFRESH_TOKEN_EXPIRED"
REFRESH_TOKEN_REVOKED = "REFRESH_TOKEN_REVOKED"
REFRESH_TOKEN_REUSED = "REFRESH_TOKEN_REUSED"
ACCESS_TOKEN_EXPIRED = "ACCESS_TOKEN_EXPIRED"
ACCESS_TOKEN_INVALID = "ACCESS_TOKEN_INVALID"
SESSION_REVOKED = "SESSION_REVOKED"
CROSS_ORIGIN_REQUEST = "CROSS_ORIGIN_REQUEST"


class AuthError(Exception):
    """A refused sign-in, refresh or session: ``status`` and ``code`` for the client."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, list[dict[str, object]]]:
        """The JSON body, in the shape GraphQL clients read (``errors[].extensions.code``)."""
        return {"errors": [{"message": self.message, "extensions": {"code": self.code}}]}

    def response(self) -> Response[dict[str, list[dict[str, object]]]]:
        """A Litestar response for this error."""
        return Response(self.body(), status_code=self.status)
