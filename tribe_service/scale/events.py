"""Feed events (``feed_events``), from the facts the other steps made and noted.

Streams: ``events`` and ``event-ids``. Fewer events than facts: a random sample
of the facts; more: every fact, then later releases of shipped projects.
"""

from __future__ import annotations

from random import Random

from tribe_service.enums import EventType
from tribe_service.scale.records import FEED_EVENTS, Record, to_json
from tribe_service.scale.state import BuildState, PlannedEvent
from tribe_service.scale.streams import moment_between, to_datetime


def add_events(state: BuildState) -> None:
    """Add ``counts.events`` feed events, in id (that is, time) order."""
    rng = state.stream("events")
    wanted = state.counts.events
    natural = _natural_events(state)
    if wanted <= len(natural):
        keep = sorted(rng.sample(range(len(natural)), wanted))
        events = [natural[index] for index in keep]
    else:
        events = natural + _extra_events(state, rng, natural, wanted - len(natural))
    events.sort(key=lambda event: event.at)
    releases: dict[str, int] = {}
    ids = state.ids("event-ids")
    records: list[Record] = []
    for event in events:
        metadata = event.metadata
        if event.event_type is EventType.PROJECT_SHIPPED:
            number = releases.get(event.target_id, 0)
            releases[event.target_id] = number + 1
            metadata = {**metadata, "release": f"v1.{number}"}
        records.append(
            FEED_EVENTS.record(
                id=ids.at(event.at),
                event_type=event.event_type.value,
                actor_id=event.actor_id,
                target_type=event.target_type,
                target_id=event.target_id,
                metadata=to_json(metadata),
                created_at=to_datetime(event.at),
            )
        )
    # Id order is time order; within one millisecond, the random part decides.
    records.sort(key=FEED_EVENTS.getter("id"))
    state.data.feed_events = records


def _natural_events(state: BuildState) -> list[PlannedEvent]:
    """One event per fact: sign-ups, projects created and shipped, tribes, joins."""
    events: list[PlannedEvent] = []
    for user in state.users:
        events.append(
            PlannedEvent(
                user.created,
                EventType.BUILDER_JOINED,
                user.id,
                "user",
                user.id,
                {"display_name": user.display_name, "headline": user.headline},
            )
        )
    for project in state.projects:
        owner = state.users[project.owner]
        facts = {"project_title": project.title, "tech_stack": project.tech}
        events.append(
            PlannedEvent(
                project.created,
                EventType.PROJECT_CREATED,
                owner.id,
                "project",
                project.id,
                facts,
            )
        )
        if project.shipped is not None:
            events.append(
                PlannedEvent(
                    project.shipped,
                    EventType.PROJECT_SHIPPED,
                    owner.id,
                    "project",
                    project.id,
                    facts,
                )
            )
    # Collaboration, tribe and membership events were noted while building.
    return events + state.events


def _extra_events(
    state: BuildState, rng: Random, natural: list[PlannedEvent], count: int
) -> list[PlannedEvent]:
    """More events than facts: later releases of shipped projects.

    (With no shipped project, copies of random facts at later moments.)
    """
    shipped = [project for project in state.projects if project.shipped is not None]
    extra: list[PlannedEvent] = []
    for _ in range(count):
        if shipped:
            project = rng.choice(shipped)
            assert project.shipped is not None
            extra.append(
                PlannedEvent(
                    moment_between(rng, project.shipped, state.until_ms),
                    EventType.PROJECT_SHIPPED,
                    state.users[project.owner].id,
                    "project",
                    project.id,
                    {"project_title": project.title, "tech_stack": project.tech},
                )
            )
        else:
            fact = rng.choice(natural)
            extra.append(
                PlannedEvent(
                    moment_between(rng, fact.at, state.until_ms),
                    fact.event_type,
                    fact.actor_id,
                    fact.target_type,
                    fact.target_id,
                    fact.metadata,
                )
            )
    return extra
