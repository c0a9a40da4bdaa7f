"""``revokeSession``: a signed-in builder ends one of their own sessions.

A session is a sign-in on one device (a refresh-token family, ``viewer.sessions``).
Revoking it revokes its refresh token (``/auth/refresh`` then answers
``REFRESH_TOKEN_REVOKED``) and ends its access token at once (the next request with it
is a 401 ``SESSION_REVOKED``: every request checks that its session is live).
"""

from __future__ import annotations

import strawberry

from tribe_service.authorization import Action
from tribe_service.data_access.writes import sessions
from tribe_service.graphql.context import Info
from tribe_service.graphql.mutations.payloads import Payload
from tribe_service.graphql.mutations.perform import perform


@strawberry.input(description="One of the viewer's sessions (an id from `viewer.sessions`).")
class RevokeSessionInput:
    """``revokeSession``."""

    session_id: strawberry.ID


@strawberry.type(description="What `revokeSession` did.")
class RevokeSessionPayload(Payload):
    """The payload of ``revokeSession``."""

    @strawberry.field(
        description="The session ended (`viewer.sessions` lists it no more); null if none was."
    )
    def revoked_session_id(self) -> strawberry.ID | None:
        """The id of the session revoked."""
        return strawberry.ID(self.written_id) if self.written_id else None


@strawberry.type
class SessionMutation:
    """The viewer's sessions."""

    @strawberry.mutation(
        description=(
            "End one of the viewer's sessions: its refresh token is refused from now on and"
            " its access token at its next request (the current session too, if named)."
        )
    )
    async def revoke_session(self, info: Info, input: RevokeSessionInput) -> RevokeSessionPayload:
        """``NOT_FOUND`` for a session that is not the viewer's, unknown or already ended."""
        return await perform(
            info,
            Action.REVOKE_SESSION,
            RevokeSessionPayload,
            lambda c, viewer, now: sessions.revoke_session(c, viewer, str(input.session_id)),
        )
