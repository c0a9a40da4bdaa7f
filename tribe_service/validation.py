"""What a written value must be, checked before the write: one layer for the API and the admin.

Each writable column has one :class:`Check` in :data:`CHECKS`, its limits taken
from the Piccolo column itself (a ``Varchar``'s length), so the API's mutations
and the admin's forms refuse the same values with the same words. A problem
names the column; the API turns it into a ``userErrors`` entry whose ``field``
is the input's path, the admin into a 422.

Enum values are the GraphQL enums' (and the database's ``CHECK``) business, and
row references the statement's: neither is repeated here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import msgspec
from piccolo.columns import Column, Varchar

from tribe_service.tables import Project, ProjectCollaborator, Tribe, TribeOpenRole, User, UserSkill


class ProblemCode(StrEnum):
    """What is wrong with a value (the ``code`` of a ``userErrors`` entry)."""

    REQUIRED = "REQUIRED"
    BLANK = "BLANK"
    TOO_LONG = "TOO_LONG"
    INVALID_TEXT = "INVALID_TEXT"
    INVALID_URL = "INVALID_URL"
    INVALID_LINKS = "INVALID_LINKS"
    INVALID_ITEM = "INVALID_ITEM"
    DUPLICATE = "DUPLICATE"
    TOO_MANY = "TOO_MANY"
    OUT_OF_RANGE = "OUT_OF_RANGE"


MAX_MEMBERS_RANGE = (2, 50)
MAX_LIST_ITEMS = 20  # skills of a builder, a stack, skills a role needs
MAX_LIST_ITEM_LENGTH = 100
URL_SCHEMES = ("https", "http")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one column's value: a code a client can branch on, and words."""

    column: str
    code: ProblemCode
    message: str


class Check:
    """The rule of one column; :meth:`problems` yields what is wrong with a value."""

    def problems(self, column: str, value: Any) -> Iterator[Problem]:  # pragma: no cover
        """What is wrong with ``value`` (nothing: it may be written)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Check):
    """Text no longer than the column allows; ``required``: not blank either."""

    source: Column
    required: bool = False

    @property
    def max_length(self) -> int | None:
        """The column's length, for a ``Varchar``; ``Text`` columns have none."""
        return self.source.length if isinstance(self.source, Varchar) else None

    def problems(self, column: str, value: Any) -> Iterator[Problem]:
        """Blank where required, too long, or holding NUL (PostgreSQL refuses it)."""
        if value is None:
            if self.required:
                yield Problem(column, ProblemCode.REQUIRED, f"{column} is required.")
            return
        if self.required and not value.strip():
            yield Problem(column, ProblemCode.BLANK, f"{column} cannot be blank.")
        if self.max_length is not None and len(value) > self.max_length:
            yield Problem(
                column, ProblemCode.TOO_LONG, f"{column} is at most {self.max_length} characters."
            )
        if "\x00" in value:
            yield Problem(column, ProblemCode.INVALID_TEXT, f"{column} cannot contain NUL.")


@dataclass(frozen=True)
class Url(Check):
    """An absolute http(s) URL no longer than the column allows."""

    source: Column

    def problems(self, column: str, value: Any) -> Iterator[Problem]:
        """Too long, or not an http(s) URL with a host."""
        if value is None:
            return
        yield from Text(self.source).problems(column, value)
        if not is_web_url(value):
            yield Problem(column, ProblemCode.INVALID_URL, f"{column} must be an http(s) URL.")


@dataclass(frozen=True)
class Links(Check):
    """A JSON object of links: each value an http(s) URL (or null)."""

    def problems(self, column: str, value: Any) -> Iterator[Problem]:
        """Any link that is not an http(s) URL, named by its key."""
        if value is None:
            yield Problem(column, ProblemCode.REQUIRED, f"{column} cannot be null: send {{}}.")
            return
        links = json_value(value) or {}
        if not isinstance(links, dict):
            yield Problem(
                column, ProblemCode.INVALID_LINKS, f"{column} must be an object of links."
            )
            return
        for key, link in links.items():
            if link is not None and not (isinstance(link, str) and is_web_url(link)):
                yield Problem(
                    f"{column}.{key}", ProblemCode.INVALID_URL, f"{key} must be an http(s) URL."
                )


@dataclass(frozen=True)
class Items(Check):
    """A list of short names: at most ``MAX_LIST_ITEMS``, none blank, no duplicates."""

    def problems(self, column: str, value: Any) -> Iterator[Problem]:
        """Too many, a blank or too long item, or the same item twice (in any case)."""
        if value is None:
            yield Problem(column, ProblemCode.REQUIRED, f"{column} cannot be null: send [].")
            return
        items = json_value(value) or []
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            yield Problem(column, ProblemCode.INVALID_ITEM, f"{column} must be a list of names.")
            return
        if len(items) > MAX_LIST_ITEMS:
            yield Problem(
                column, ProblemCode.TOO_MANY, f"{column} holds at most {MAX_LIST_ITEMS} items."
            )
        if any(not item.strip() or len(item) > MAX_LIST_ITEM_LENGTH for item in items):
            yield Problem(
                column,
                ProblemCode.INVALID_ITEM,
                f"every item of {column} is 1 to {MAX_LIST_ITEM_LENGTH} characters.",
            )
        if len({item.strip().casefold() for item in items}) < len(items):
            yield Problem(column, ProblemCode.DUPLICATE, f"{column} lists an item twice.")


@dataclass(frozen=True)
class Present(Check):
    """Any value but null (an enum column that cannot be empty)."""

    def problems(self, column: str, value: Any) -> Iterator[Problem]:
        """Null."""
        if value is None:
            yield Problem(column, ProblemCode.REQUIRED, f"{column} cannot be null.")


@dataclass(frozen=True)
class Between(Check):
    """A whole number within ``low`` and ``high``."""

    low: int
    high: int

    def problems(self, column: str, value: Any) -> Iterator[Problem]:
        """Outside the range."""
        if value is None:
            yield Problem(column, ProblemCode.REQUIRED, f"{column} is required.")
        elif not self.low <= value <= self.high:
            yield Problem(
                column, ProblemCode.OUT_OF_RANGE, f"{column} is {self.low} to {self.high}."
            )


def json_value(value: Any) -> Any:
    """A JSONB column's value as Python (the admin sends JSON text; None is empty)."""
    if value is None:
        return None
    if isinstance(value, str | bytes):
        try:
            return msgspec.json.decode(value)
        except msgspec.DecodeError:
            return ...  # neither object nor list: the caller's check refuses it
    return value


def is_web_url(value: str) -> bool:
    """True for an absolute http(s) URL with a host and no spaces."""
    parts = urlsplit(value)
    return (
        parts.scheme in URL_SCHEMES and bool(parts.netloc) and not any(c.isspace() for c in value)
    )


CHECKS: dict[str, dict[str, Check]] = {
    User._meta.tablename: {
        "display_name": Text(User.display_name, required=True),
        "availability_status": Present(),
        "headline": Text(User.headline),
        "bio": Text(User.bio),
        "timezone": Text(User.timezone),
        "avatar_url": Url(User.avatar_url),
        "contact_links": Links(),
    },
    Project._meta.tablename: {
        "title": Text(Project.title, required=True),
        "status": Present(),
        "impact_metrics": Present(),
        "description": Text(Project.description),
        "role": Text(Project.role),
        "thumbnail_url": Url(Project.thumbnail_url),
        "links": Links(),
        "tech_stack": Items(),
        "github_repo_full_name": Text(Project.github_repo_full_name),
    },
    Tribe._meta.tablename: {
        "name": Text(Tribe.name, required=True),
        "status": Present(),
        "mission": Text(Tribe.mission),
        "max_members": Between(*MAX_MEMBERS_RANGE),
    },
    UserSkill._meta.tablename: {"skills": Items()},
    ProjectCollaborator._meta.tablename: {"role": Text(ProjectCollaborator.role)},
    TribeOpenRole._meta.tablename: {
        "title": Text(TribeOpenRole.title, required=True),
        "skills_needed": Items(),
    },
}
"""The checks of every column a builder or an admin writes, by table."""


def problems(table: str, values: Mapping[str, Any]) -> list[Problem]:
    """Everything wrong with the ``values`` about to be written to ``table``.

    Columns without a check (enums, ids, flags) are left to the database.
    """
    checks = CHECKS.get(table, {})
    return [
        problem
        for column, value in values.items()
        if column in checks
        for problem in checks[column].problems(column, value)
    ]
