"""The fifteen events of the prototype's activity feed, newest first.

Event ``n`` happened ``FEED_EVENTS[n - 1].ago`` before the seeding (hours apart, the
first one an hour ago), and its id is a ULID made from its own ``created_at``, so id
order is time order. ``target_type`` is ``project``, ``tribe`` or ``user`` and
``target_id`` names a seeded row of that table. ``metadata`` carries what the feed
shows, by event type:

* PROJECT_CREATED, PROJECT_SHIPPED: ``project_title``, ``tech_stack`` (both empty
  for "Alex started building a project", which names no project and targets Alex)
* COLLABORATION_CONFIRMED: ``project_title``, ``collaborator_name``, ``owner_name``
  (the actor is the collaborator who confirmed)
* TRIBE_CREATED: ``tribe_name``, ``mission``
* MEMBER_JOINED_TRIBE: ``tribe_name``
* BUILDER_JOINED (the target is the builder): ``display_name``, ``headline``
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final, Literal

from tribe_service.enums import EventType
from tribe_service.seed.common import SeedContext, insert_rows, row_id
from tribe_service.seed.projects import PROJECTS_BY_TITLE
from tribe_service.seed.tribes import TRIBES_BY_NAME
from tribe_service.seed.users import BUILDERS_BY_USERNAME
from tribe_service.tables import FeedEvent

type TargetType = Literal["project", "tribe", "user"]


@dataclass(frozen=True, slots=True)
class FeedEventSeed:
    """One feed event: ``target`` is a project title, a tribe name or a username."""

    text: str  # the prototype's feed line
    event_type: EventType
    actor: str  # username
    target_type: TargetType
    target: str
    ago: timedelta


def _hours(hours: int) -> timedelta:
    return timedelta(hours=hours)


FEED_EVENTS: Final[tuple[FeedEventSeed, ...]] = (
    FeedEventSeed(
        "Maya shipped AI Resume Builder",
        EventType.PROJECT_SHIPPED,
        "mayachen",
        "project",
        "AI Resume Builder",
        _hours(1),
    ),
    FeedEventSeed(
        'Priya formed "Hospitality OS" tribe',
        EventType.TRIBE_CREATED,
        "priyasharma",
        "tribe",
        "Hospitality OS",
        _hours(3),
    ),
    FeedEventSeed(
        "Alex started building a project",
        EventType.PROJECT_CREATED,
        "alexrivera",
        "user",  # the prototype names no project: the event points at Alex
        "alexrivera",
        _hours(5),
    ),
    FeedEventSeed(
        "James joined Hospitality OS",
        EventType.MEMBER_JOINED_TRIBE,
        "jamesokafor",
        "tribe",
        "Hospitality OS",
        _hours(8),
    ),
    FeedEventSeed(
        "Sarah shipped ML Pipeline Framework",
        EventType.PROJECT_SHIPPED,
        "sarahkim",
        "project",
        "ML Pipeline Framework",
        _hours(12),
    ),
    FeedEventSeed(
        "David created Growth Analytics Dashboard",
        EventType.PROJECT_CREATED,
        "davidmorales",
        "project",
        "Growth Analytics Dashboard",
        _hours(18),
    ),
    FeedEventSeed(
        "Elena and David confirmed collaboration",
        EventType.COLLABORATION_CONFIRMED,
        "elenavolkov",
        "project",
        "Growth Analytics Dashboard",
        _hours(24),
    ),
    FeedEventSeed(
        "Tom created Hospitality OS tribe",
        EventType.TRIBE_CREATED,
        "tomnakamura",
        "tribe",
        "Hospitality OS",
        _hours(30),
    ),
    FeedEventSeed(
        "Marcus joined Creator Economy Tools",
        EventType.MEMBER_JOINED_TRIBE,
        "marcusjohnson",
        "tribe",
        "Creator Economy Tools",
        _hours(36),
    ),
    FeedEventSeed(
        "Maya created Tribe Finder project",
        EventType.PROJECT_CREATED,
        "mayachen",
        "project",
        "Tribe Finder",
        _hours(44),
    ),
    FeedEventSeed(
        "Priya confirmed collaboration on Tribe Finder",
        EventType.COLLABORATION_CONFIRMED,
        "priyasharma",
        "project",
        "Tribe Finder",
        _hours(52),
    ),
    FeedEventSeed(
        "Sarah created AI for Education tribe",
        EventType.TRIBE_CREATED,
        "sarahkim",
        "tribe",
        "AI for Education",
        _hours(60),
    ),
    FeedEventSeed(
        "Alex joined as builder",
        EventType.BUILDER_JOINED,
        "alexrivera",
        "user",
        "alexrivera",
        _hours(72),
    ),
    FeedEventSeed(
        "James shipped Design System Kit",
        EventType.PROJECT_SHIPPED,
        "jamesokafor",
        "project",
        "Design System Kit",
        _hours(84),
    ),
    FeedEventSeed(
        "Aisha joined as builder",
        EventType.BUILDER_JOINED,
        "aishapatel",
        "user",
        "aishapatel",
        _hours(96),
    ),
)


def event_metadata(event: FeedEventSeed) -> dict[str, Any]:
    """What the feed shows for ``event`` (see the module docstring)."""
    match event.event_type:
        case EventType.PROJECT_CREATED if event.target_type == "user":
            return {"project_title": None, "tech_stack": []}  # a project not named yet
        case EventType.PROJECT_CREATED | EventType.PROJECT_SHIPPED:
            project = PROJECTS_BY_TITLE[event.target]
            return {"project_title": project.title, "tech_stack": list(project.tech_stack)}
        case EventType.COLLABORATION_CONFIRMED:
            project = PROJECTS_BY_TITLE[event.target]
            return {
                "project_title": project.title,
                "collaborator_name": BUILDERS_BY_USERNAME[event.actor].display_name,
                "owner_name": BUILDERS_BY_USERNAME[project.owner].display_name,
            }
        case EventType.TRIBE_CREATED:
            tribe = TRIBES_BY_NAME[event.target]
            return {"tribe_name": tribe.name, "mission": tribe.mission}
        case EventType.MEMBER_JOINED_TRIBE:
            return {"tribe_name": TRIBES_BY_NAME[event.target].name}
        case EventType.BUILDER_JOINED:
            builder = BUILDERS_BY_USERNAME[event.target]
            return {"display_name": builder.display_name, "headline": builder.headline}
    raise ValueError(f"no feed metadata for {event.event_type}")  # pragma: no cover


def target_id(context: SeedContext, event: FeedEventSeed) -> str:
    """The id of the row ``event`` was done to."""
    ids = {"project": context.project_ids, "tribe": context.tribe_ids, "user": context.user_ids}
    return ids[event.target_type][event.target]


async def seed_feed_events(context: SeedContext) -> None:
    """Insert the feed, newest first (the ids sort by time, not by insertion)."""
    rows = []
    for event in FEED_EVENTS:
        created_at = context.ago(event.ago)
        rows.append(
            {
                "id": row_id(created_at),
                "event_type": event.event_type,
                "actor_id": context.user_ids[event.actor],
                "target_type": event.target_type,
                "target_id": target_id(context, event),
                "metadata": event_metadata(event),
                "created_at": created_at,
            }
        )
    await insert_rows(FeedEvent, rows)
