"""What the app knows of a request before GraphQL sees it: who it counts against, who signed in.

The Litestar mount of ``/graphql`` (:func:`tribe_service.app.create_app`) works these
out once per request with :meth:`RequestFacts.read` and puts them in the ASGI scope's
``state``; the GraphQL view's context reads them from there (:func:`facts_in`). So
the client's address (``TRUSTED_PROXIES``) and the session cookie are interpreted in
one place, for the rate limits and the viewer alike, and a later concern (a request
id, a tenant) joins them here rather than in the view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import cookie_parser

from tribe_service.auth.cookies import ACCESS_COOKIE
from tribe_service.auth.errors import AuthError
from tribe_service.auth.sessions import SessionManager, Viewer
from tribe_service.database_errors import is_database_unavailable
from tribe_service.graphql.errors import DATABASE_UNAVAILABLE_MESSAGE, DatabaseUnavailableError
from tribe_service.rate_limit import IPNetwork, client_address

STATE_KEY = "tribe.request_facts"


@dataclass(frozen=True)
class RequestFacts:
    """One request's client address, and its signed-in builder or why the cookie was refused."""

    address: str
    viewer: Viewer | None = None
    refusal: AuthError | None = None

    @property
    def client(self) -> str:
        """Who the request counts against: the signed-in builder, else the address.

        Builders behind one office address do not share a budget.
        """
        return f"builder:{self.viewer.user_id}" if self.viewer else self.address

    @classmethod
    async def read(
        cls,
        scope: Mapping[str, Any],
        proxies: Sequence[IPNetwork],
        sessions: SessionManager | None,
    ) -> RequestFacts:
        """The facts of the request ``scope`` describes (one statement if it has a session)."""
        headers = Headers(raw=list(scope.get("headers") or []))
        peer = (scope.get("client") or (None,))[0]
        address = client_address(peer, headers, proxies)
        token = _cookie(headers, ACCESS_COOKIE) if sessions else None
        if sessions is None or not token:
            return cls(address)
        try:
            return cls(address, viewer=await sessions.authenticate(token))
        except AuthError as refusal:
            return cls(address, refusal=refusal)
        except Exception as error:
            # The session cannot be checked while the database is down: the clear error,
            # as for any other request then, not a 500.
            if not is_database_unavailable(error):
                raise
            unavailable = AuthError(
                503, DatabaseUnavailableError.code, DATABASE_UNAVAILABLE_MESSAGE
            )
            return cls(address, refusal=unavailable)

    def remember(self, scope: Mapping[str, Any]) -> None:
        """Put these facts in the scope's state, for the GraphQL view to read."""
        state = scope.get("state")
        if isinstance(state, dict):
            state[STATE_KEY] = self


def facts_in(scope: Mapping[str, Any] | None) -> RequestFacts | None:
    """The facts the mount put in ``scope`` (None outside the app: tests, scripts)."""
    state = (scope or {}).get("state") or {}
    found = state.get(STATE_KEY)
    return found if isinstance(found, RequestFacts) else None


def _cookie(headers: Headers, name: str) -> str | None:
    """The cookie ``name``, parsed as Starlette parses cookies."""
    return cookie_parser(headers.get("cookie", "")).get(name)
