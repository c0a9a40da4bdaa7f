"""SQL of sessions: refresh tokens stored as SHA-256 hashes, grouped in families.

A family is one session (one sign-in on one device). Each refresh revokes the
token it presents and inserts its successor in :data:`ROTATE`, a single
statement: when two refreshes present the same token at once, PostgreSQL makes
the second ``UPDATE`` wait for the first and re-check ``revoked_at IS NULL``,
which is then false, so it revokes nothing and inserts nothing. Exactly one
successor is ever minted. Values are always parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

# $1 id, $2 user, $3 hash, $4 family, $5 lifetime (s), $6 user agent
INSERT_TOKEN = """
INSERT INTO refresh_tokens
    (id, user_id, token_hash, family_id, expires_at, created_at, user_agent, last_used_at)
VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::float8), now(), $6, now())
"""

# $1 presented hash, $2 successor id, $3 successor hash, $4 lifetime (s), $5 user agent
ROTATE = """
WITH used AS (
    UPDATE refresh_tokens
    SET revoked_at = now(), replaced_by = $2, last_used_at = now()
    WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
    RETURNING user_id, family_id
), successor AS (
    INSERT INTO refresh_tokens
        (id, user_id, token_hash, family_id, expires_at, created_at, user_agent, last_used_at)
    SELECT $2, user_id, $3, family_id, now() + make_interval(secs => $4::float8), now(), $5, now()
    FROM used
    RETURNING user_id, family_id
)
SELECT user_id, family_id FROM successor
"""

# $1 hash, $2 grace (s): what a token that could not be rotated is.
PRESENTED = """
SELECT t.user_id, t.family_id, t.user_agent, t.replaced_by IS NOT NULL AS rotated,
       t.revoked_at IS NOT NULL AS revoked, t.expires_at <= now() AS expired,
       t.revoked_at > now() - make_interval(secs => $2::float8) AS within_grace,
       EXISTS (
           SELECT 1 FROM refresh_tokens f
           WHERE f.family_id = t.family_id AND f.revoked_at IS NULL AND f.expires_at > now()
       ) AS family_live
FROM refresh_tokens t WHERE t.token_hash = $1
"""

# $1 family
REVOKE_FAMILY = """
UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL
"""

# $1 family, $2 user
SESSION_IS_LIVE = """
SELECT EXISTS (
    SELECT 1 FROM refresh_tokens
    WHERE family_id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > now()
)
"""

# $1 hash
FAMILY_OF_TOKEN = "SELECT family_id FROM refresh_tokens WHERE token_hash = $1"

# $1 user: the live sessions, most recently used first.
SESSIONS_OF_USER = """
SELECT family_id, min(created_at) AS created_at,
       max(coalesce(last_used_at, created_at)) AS last_used_at,
       (array_agg(user_agent ORDER BY created_at DESC))[1] AS user_agent
FROM refresh_tokens
WHERE user_id = $1
GROUP BY family_id
HAVING bool_or(revoked_at IS NULL AND expires_at > now())
ORDER BY last_used_at DESC, family_id
"""


@dataclass(frozen=True)
class PresentedToken:
    """What the database knows of a refresh token that could not be rotated."""

    user_id: str
    family_id: str
    user_agent: str | None
    rotated: bool  # revoked by a refresh (it has a successor)
    revoked: bool
    expired: bool
    within_grace: bool  # revoked less than the grace period ago
    family_live: bool  # the session still has a live token

    @classmethod
    def from_record(cls, record: Any) -> PresentedToken:
        """From a row of :data:`PRESENTED`."""
        return cls(**{name: record[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class SessionRow:
    """A live session of a builder, as ``viewer.sessions`` shows it."""

    family_id: str
    created_at: datetime
    last_used_at: datetime
    user_agent: str | None
