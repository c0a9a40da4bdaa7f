"""SQL of builders who sign in with GitHub: found by GitHub's numeric id, created once.

A builder is never matched by email: an email another builder holds already is
not copied to the new one (``users.email`` is unique and may be null).
"""

from __future__ import annotations

# $1 GitHub user id
BUILDER_BY_GITHUB_ID = "SELECT id, username FROM users WHERE github_id = $1"

# $1 builder, $2 GitHub login: logins can change; keep the latest unless another row has it.
UPDATE_GITHUB_LOGIN = """
UPDATE users SET github_username = $2, updated_at = now()
WHERE id = $1 AND github_username IS DISTINCT FROM $2
  AND NOT EXISTS (SELECT 1 FROM users other WHERE other.github_username = $2)
"""

# $1 id, $2 username, $3 display name, $4 avatar, $5 login, $6 GitHub id, $7 email.
# ON CONFLICT: two first sign-ins at once; the caller then reads the winner's row.
CREATE_BUILDER = """
INSERT INTO users
    (id, username, display_name, avatar_url, github_username, github_id, email,
     onboarding_completed)
VALUES (
    $1, $2, $3, $4,
    CASE WHEN EXISTS (SELECT 1 FROM users WHERE github_username = $5) THEN NULL ELSE $5 END,
    $6,
    CASE WHEN EXISTS (SELECT 1 FROM users WHERE email = $7) THEN NULL ELSE $7 END,
    false
)
ON CONFLICT (github_id) DO NOTHING
RETURNING id, username
"""

# $1 username
BUILDER_BY_USERNAME = "SELECT id, username FROM users WHERE username = $1"

# $1 username prefix: usernames taken that a new one must avoid.
USERNAMES_LIKE = "SELECT username FROM users WHERE username = $1 OR username LIKE $1 || '-%'"
