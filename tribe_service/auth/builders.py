"""The builder a GitHub user is: found by GitHub's numeric id, or created on first sign-in.

The numeric id never changes (a login can be renamed and then taken by someone
else), so it is the only thing a sign-in is matched by; never the email. A new
builder's username is the GitHub login, lower-cased, made unique with a suffix
(``maya``, ``maya-2``, ...); their display name and avatar come from GitHub and
``onboarding_completed`` is false.
"""

from __future__ import annotations

import contextlib

import asyncpg

from tribe_service.auth import errors
from tribe_service.auth.errors import AuthError
from tribe_service.auth.github import GitHubUser
from tribe_service.data_access import github_builders as sql
from tribe_service.engine import TribeEngine
from tribe_service.ids import new_ulid

USERNAME_LENGTH = 50
DISPLAY_NAME_LENGTH = 100
AVATAR_URL_LENGTH = 500
MAX_ATTEMPTS = 5  # username races: another builder took the name between read and insert


def unique_username(login: str, taken: set[str]) -> str:
    """``login`` lower-cased, or with the smallest ``-n`` suffix not in ``taken``."""
    base = login.lower()[: USERNAME_LENGTH - 6]
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


async def builder_for(engine: TribeEngine, github: GitHubUser) -> str:
    """The id of the builder ``github`` signs in as, created if this is their first time."""
    rows = await engine.fetch(sql.BUILDER_BY_GITHUB_ID, github.id)
    if rows:
        # Another builder may take that login meanwhile: then the old one stays.
        with contextlib.suppress(asyncpg.UniqueViolationError):
            await engine.fetch(sql.UPDATE_GITHUB_LOGIN, rows[0]["id"], github.login)
        return str(rows[0]["id"])
    for _ in range(MAX_ATTEMPTS):
        base = github.login.lower()[: USERNAME_LENGTH - 6]
        taken = {row["username"] for row in await engine.fetch(sql.USERNAMES_LIKE, base)}
        try:
            created = await engine.fetch(
                sql.CREATE_BUILDER,
                new_ulid(),
                unique_username(github.login, taken),
                (github.name or github.login)[:DISPLAY_NAME_LENGTH],
                github.avatar_url
                if github.avatar_url and len(github.avatar_url) <= AVATAR_URL_LENGTH
                else None,
                github.login,
                github.id,
                github.email,
            )
        except asyncpg.UniqueViolationError:
            continue  # the username (or email) was taken meanwhile: look again
        if created:
            return str(created[0]["id"])
        rows = await engine.fetch(sql.BUILDER_BY_GITHUB_ID, github.id)  # a concurrent first sign-in
        if rows:
            return str(rows[0]["id"])
    raise AuthError(409, errors.SIGN_IN_CONFLICT, "The builder could not be created; try again.")
