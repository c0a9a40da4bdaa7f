"""JSON columns shown as GraphQL object types, so clients get real types, not ``JSON``.

Each type lists the keys the seed, the scale data and the spec use; a key the
type does not list stays in the database and is not shown (adding a key to the
API means adding a field here). Every field is nullable: a row may lack a key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import strawberry


def from_json[JsonObject](cls: type[JsonObject], data: Mapping[str, Any] | None) -> JsonObject:
    """An instance of ``cls`` from the keys of ``data`` it knows (snake_case, as stored)."""
    known = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{key: value for key, value in (data or {}).items() if key in known})


@strawberry.type(description="A builder's profiles elsewhere; null where not given.")
class ContactLinks:
    """``users.contact_links``."""

    twitter: str | None = None
    github: str | None = None
    linkedin: str | None = None
    website: str | None = None


@strawberry.type(description="Where a project lives; null where not given.")
class ProjectLinks:
    """``projects.links``."""

    github: str | None = None
    demo: str | None = None
    website: str | None = None


@strawberry.type(description="What a project card shows as numbers; null where not given.")
class ImpactMetrics:
    """``projects.impact_metrics``."""

    users: int | None = None
    stars: int | None = None


@strawberry.type(
    description=(
        "What the feed shows about an event, captured when it happened (names may have "
        "changed since). Which fields are set depends on `eventType`: project events set "
        "`projectTitle` and `techStack` (and `release` for later releases), "
        "`COLLABORATION_CONFIRMED` sets `projectTitle`, `collaboratorName` and `ownerName`, "
        "tribe events set `tribeName` (and `mission` when created), `BUILDER_JOINED` sets "
        "`displayName` and `headline`."
    )
)
class FeedEventMetadata:
    """``feed_events.metadata``."""

    project_title: str | None = None
    tech_stack: list[str] | None = None
    release: str | None = None
    collaborator_name: str | None = None
    owner_name: str | None = None
    tribe_name: str | None = None
    mission: str | None = None
    display_name: str | None = None
    headline: str | None = None
