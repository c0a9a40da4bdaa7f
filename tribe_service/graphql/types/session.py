"""GraphQL type of a signed-in session (a refresh-token family), as its builder sees it."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry

from tribe_service.data_access.refresh_tokens import SessionRow


@strawberry.type(name="Session", description="A device or browser the builder is signed in on.")
class SessionType:
    """A live refresh-token family of the viewer."""

    id: strawberry.ID = strawberry.field(description="The session's id.")
    created_at: datetime = strawberry.field(description="When this sign-in happened.")
    last_used_at: datetime = strawberry.field(
        description="When the session last got new tokens (at most the access token's "
        "lifetime, 15 minutes, before its last request)."
    )
    user_agent: str | None = strawberry.field(description="The browser's User-Agent, cut to 300.")
    current: bool = strawberry.field(description="True for the session making this request.")

    @classmethod
    def from_row(cls, row: SessionRow, current_session_id: str | None) -> Self:
        """Wrap a row of ``data_access.refresh_tokens.SESSIONS_OF_USER``."""
        return cls(
            id=strawberry.ID(row.family_id),
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            user_agent=row.user_agent,
            current=row.family_id == current_session_id,
        )
